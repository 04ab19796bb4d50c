"""Signing up, in and out, and who is signed in (``/auth/*``, ``/me``)."""

from __future__ import annotations

from client.api.core import ClientCore, _clean, log
from client.api.errors import ApiError, NetworkError
from client.api.session import JSON


class AuthApi(ClientCore):
    async def request_phone_code(self, phone: str) -> JSON:
        """Have a one-time sign-up code texted to ``phone``: ``{expires_in, resend_after}``
        (and ``sandbox_code`` from a server whose SMS provider is the sandbox)."""
        return await self.request(
            "POST", "/auth/phone-codes", json={"phone": phone}, authenticated=False
        )

    async def register(
        self,
        *,
        phone: str,
        password: str,
        name: str,
        role: str = "customer",
        code: str | None = None,
        referral_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = _clean(
            {
                "phone": phone,
                "password": password,
                "name": name,
                "role": role,
                "code": code,
                "referral_code": referral_code,
            }
        )
        reply = await self.request(
            "POST",
            "/auth/register",
            json=body,
            authenticated=False,
            idempotency_key=idempotency_key,
        )
        return await self._signed_in(reply)

    async def login(self, *, phone: str, password: str) -> JSON:
        reply = await self.request(
            "POST", "/auth/login", json={"phone": phone, "password": password}, authenticated=False
        )
        return await self._signed_in(reply)

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

    async def me(self) -> JSON:
        user = await self._get("/me")
        self.session.user = user
        return user
