"""Signing up, in and out, and who is signed in (``/auth/*``, ``/me``)."""

from __future__ import annotations

from client.api.core import ClientCore, _clean, log, parse_reply
from client.api.errors import ApiError, NetworkError
from client.models import PhoneCodeSent, PoliciesRead, TokenPair, UserRead


class AuthApi(ClientCore):
    async def request_phone_code(self, phone: str) -> PhoneCodeSent:
        """Have a one-time sign-up code texted to ``phone`` (``sandbox_code`` is set by a
        server whose SMS provider is the sandbox)."""
        reply = await self.request(
            "POST", "/auth/phone-codes", json={"phone": phone}, authenticated=False
        )
        return parse_reply(PhoneCodeSent, reply, "/auth/phone-codes")

    async def policies(self, role: str = "customer") -> PoliciesRead:
        """The agreement and privacy policy ``role`` (customer or technician) agrees to at
        sign-up, with their version."""
        reply = await self.request("GET", "/policies", params={"role": role}, authenticated=False)
        return parse_reply(PoliciesRead, reply, "/policies")

    async def register(
        self,
        *,
        phone: str,
        password: str,
        name: str,
        role: str = "customer",
        code: str | None = None,
        referral_code: str | None = None,
        accepted_policy_version: str | None = None,
        idempotency_key: str | None = None,
    ) -> TokenPair:
        body = _clean(
            {
                "phone": phone,
                "password": password,
                "name": name,
                "role": role,
                "code": code,
                "referral_code": referral_code,
                "accepted_policy_version": accepted_policy_version,
            }
        )
        reply = await self.request(
            "POST",
            "/auth/register",
            json=body,
            authenticated=False,
            idempotency_key=idempotency_key,
        )
        return await self._signed_in(reply, "/auth/register")

    async def login(self, *, phone: str, password: str) -> TokenPair:
        reply = await self.request(
            "POST", "/auth/login", json={"phone": phone, "password": password}, authenticated=False
        )
        return await self._signed_in(reply, "/auth/login")

    async def logout(self, *, all_devices: bool = False) -> None:
        """End the sign-in on the server too (a copied refresh token stops working), then
        forget it here; without signal it is forgotten here all the same."""
        token = self.session.refresh_token
        if token:
            try:
                await self.request(
                    "POST",
                    "/auth/logout",
                    json={"refresh_token": token, "all_devices": all_devices},
                    authenticated=False,
                )
            except (ApiError, NetworkError) as exc:  # already ended, or no signal: forgotten below
                log.info("sign-out not confirmed by the server: %s", exc)
        self.session.clear()
        await self._session_changed()

    async def me(self) -> UserRead:
        user = await self._get("/me", model=UserRead)
        self.session.user = user
        return user
