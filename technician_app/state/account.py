"""The technician's account, online-only (never queued): signing up (the phone proved by
a texted code), in and out, onboarding (profile, service area, availability,
certificates), going online for orders, withdrawals and the deposit (保证金) and its
top-up: money moves only with signal."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from client.api import ApiError, NetworkError
from client.models import CatalogTermRead, DepositRead, PoliciesRead
from technician_app.i18n import t
from technician_app.state.core import TechnicianCore
from technician_app.state.labels import yuan


class Account(TechnicianCore):
    deposit: DepositRead | None = None  # the 保证金 screen's, as last loaded

    if TYPE_CHECKING:  # provided by Loading and LiveUpdates

        async def refresh(self) -> None: ...
        async def load_offers(self) -> None: ...
        async def load_pool(self) -> None: ...
        async def load_earnings(self, period: str = "day") -> None: ...
        def _wake_live(self) -> None: ...
        async def _stop_feed(self, *, forget: bool = False) -> None: ...
        async def ask_alert_permission(self) -> None: ...

    async def login(self, phone: str, password: str) -> bool:
        self.session.busy = True
        self.changed()
        try:
            reply = await self._guard(self.client.login(phone=phone, password=password))
            if reply is None:
                return False
            if self.client.session.role != "technician":
                await self.client.logout()
                self.notify(
                    t(self.session.lang, "notice.not_technician"), "error", "role_forbidden"
                )
                return False
            self.session.notices.clear()
            self.session.touch()
            self._bind_user()
            await self.refresh()
            self._wake_live()
            return True
        finally:
            self.session.busy = False
            self.changed()

    async def send_code(self, phone: str) -> str | None:
        """Have the sign-up code texted to ``phone``: "" once sent, or the code itself from
        a sandbox server (to fill in); None when it could not be sent."""
        sent = await self._guard(self.client.request_phone_code(phone))
        if sent is None:
            return None
        code = sent.sandbox_code or ""
        if not code:  # to be typed from the text message; a filled-in one goes straight on
            masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else phone
            self.notify(t(self.session.lang, "notice.code_sent", phone=masked), "success")
        return code

    async def load_policies(self) -> PoliciesRead | None:
        """The 技师服务协议 and 技师隐私政策, read on the sign-up screen before agreeing."""
        if self.session.policies is None:
            self.session.policies = await self._guard(self.client.policies("technician"))
            self.changed()
        return self.session.policies

    def consent_missing(self, agreed: bool) -> bool:
        """Said before the code is texted: sign-up needs the agreements ticked (PIPL)."""
        if not agreed:
            self.notify(t(self.session.lang, "signup.consent_needed"), "error", "consent_required")
        return not agreed

    def consent_given(self) -> None:
        """The agreements ticked: the request to tick them no longer stands."""
        before = len(self.session.notices)
        self.session.notices[:] = [n for n in self.session.notices if n.code != "consent_required"]
        self.session.touch()
        if len(self.session.notices) != before:
            self.changed()

    async def register(
        self, *, phone: str, password: str, name: str, code: str = "", agreed: bool = False
    ) -> bool:
        """Sign up, agreeing to the version of the agreements the technician was shown."""
        if self.consent_missing(agreed):
            return False
        policies = await self.load_policies()
        if policies is None:
            return False
        self.session.busy = True
        self.changed()
        try:
            reply = await self._guard(
                self.client.register(
                    phone=phone,
                    password=password,
                    name=name,
                    role="technician",
                    code=code or None,
                    accepted_policy_version=policies.version,
                )
            )
            if reply is None:
                return False
            self.session.notices.clear()  # a refusal before it no longer stands
            self.session.touch()
            self._bind_user()
            await self.refresh()
            self._wake_live()
            return True
        finally:
            self.session.busy = False
            self.changed()

    async def logout(self) -> None:
        """Sign out; the background loops keep running (idle) for the next sign-in."""
        await self._stop_feed(forget=True)
        with contextlib.suppress(NetworkError, ApiError):
            await self.client.logout()
        self.client.session.clear()
        self.queue.cache_delete("session")
        self.queue.cache_delete("orders")
        self.queue.cache_delete("contacts")
        async with self._sync_lock:  # never swap the queue under a replay
            self._unbind_user()
        self.work.orders, self.work.offers, self.work.pool, self.me.profile = {}, [], [], None
        self.me.deposit = None
        self.live.inbox, self.live.inbox_unread, self.live.inbox_loaded = [], 0, False
        self.live.working = False
        self.changed()

    # -- onboarding ---------------------------------------------------------------------

    async def load_profile(self) -> None:
        profile = await self._guard(self.client.profile(), feature="profile", quiet=True)
        if profile is not None:
            self.me.profile = profile
            self.me.verification = profile.verification_status or "unknown"
            self.live.working = profile.online
            self.queue.cache_model("profile", profile)

    @property
    def verification_stage(self) -> str:
        """The verification state to show: the server's, except that a new account whose
        data was never sent (no ``submitted_at``) is ``not_submitted``, not "under review"
        — nobody is reviewing anything yet."""
        if self.me.verification == "pending" and (
            self.me.profile is None or self.me.profile.submitted_at is None
        ):
            return "not_submitted"
        return self.me.verification

    async def load_onboarding_choices(self) -> None:
        """The catalog's skills and certificate types, so every trade the platform serves
        can register (kept in the cache for a screen opened without signal)."""
        for key, call in (
            ("skills", self.client.skills),
            ("certificate_types", self.client.certificate_types),
        ):
            terms = await self._guard(call(), feature=key, quiet=True)
            if terms is not None:
                self.queue.cache_models(key, {t.code: t for t in terms})
        self.changed()

    def onboarding_choices(self, key: str) -> list[CatalogTermRead]:
        """``skills`` or ``certificate_types`` as last loaded from the catalog."""
        return list(self.queue.cached_models(key, CatalogTermRead).values())

    async def save_profile(
        self,
        *,
        skills: list[str] | None = None,
        bio: str | None = None,
        experience_years: int | None = None,
        travel_mode: str | None = None,
    ) -> bool:
        fields = {
            k: v
            for k, v in {
                "skills": skills,
                "bio": bio,
                "experience_years": experience_years,
                "travel_mode": travel_mode,
            }.items()
            if v is not None
        }
        profile = await self._guard(self.client.update_profile(**fields), feature="profile")
        if profile is None:
            return False
        self.me.profile = profile
        self.me.verification = profile.verification_status or self.me.verification
        self.queue.cache_model("profile", profile)
        self.changed()
        return True

    async def save_service_area(
        self,
        *,
        center: tuple[float, float] | None = None,
        radius_km: float | None = None,
        polygon: list[tuple[float, float]] | None = None,
        max_distance_km: float | None = None,
    ) -> bool:
        """A circle (``center`` + ``radius_km``) or a ``polygon`` of (lat, lng) corners."""
        if polygon is not None:
            area: dict[str, Any] = {"polygon": [[lat, lng] for lat, lng in polygon]}
        else:
            assert center is not None and radius_km is not None
            area = {"center": {"lat": center[0], "lng": center[1]}, "radius_km": radius_km}
        reply = await self._guard(
            self.client.set_service_area(**area, max_distance_km=max_distance_km),
            feature="service_area",
        )
        self.changed()
        return reply is not None

    async def save_availability(self, *, weekly: dict[str, list[list[str]]]) -> bool:
        """``weekly``: ``{"mon": [["09:00", "18:00"]], ...}``."""
        reply = await self._guard(
            self.client.set_availability(weekly=weekly), feature="availability"
        )
        self.changed()
        return reply is not None

    async def upload_certificate(
        self,
        *,
        cert_type: str,
        data: bytes,
        number: str = "",
        filename: str = "certificate.jpg",
        content_type: str = "image/jpeg",
    ) -> bool:
        file = await self._guard(
            self.client.upload(
                data, filename=filename, content_type=content_type, kind="certificate"
            )
        )
        if file is None:
            return False
        reply = await self._guard(
            self.client.add_certificate(type=cert_type, file_id=file.id, number=number),
            feature="certificates",
        )
        if reply is not None:
            self.notify(t(self.session.lang, "notice.certificate_sent"), "success")
            await self.load_certificates()
            await self.load_profile()  # the file went to review: ``submitted_at`` now set
        return reply is not None

    async def load_certificates(self) -> None:
        certificates = await self._guard(
            self.client.certificates(), feature="certificates", quiet=True
        )
        if certificates is not None:
            self.me.certificates = certificates
            self.changed()

    # -- online for orders, and money ----------------------------------------------------

    async def set_working(self, online: bool) -> bool:
        reply = await self._guard(self.client.set_status(online=online), feature="status")
        if reply is not None or "status" in self.session.unavailable:
            self.live.working = online
        self.changed()
        if online:
            await self.ask_alert_permission()  # the first time: offers will need notifying
            await self.load_offers()
            await self.load_pool()
        return reply is not None

    async def withdraw(self, amount: int, bank_account: str, bank_name: str = "") -> bool:
        """Money leaves only with signal: a withdrawal is never queued."""
        reply = await self._guard(
            self.client.withdraw(amount=amount, bank_account=bank_account, bank_name=bank_name),
            feature="withdraw",
        )
        if reply is not None:
            self.notify(
                t(self.session.lang, "notice.withdrawal_sent", amount=yuan(amount)), "success"
            )
            await self.load_earnings()
        elif "withdraw" in self.session.unavailable:
            self.notify(t(self.session.lang, "notice.no_withdrawals"), "error", "unavailable")
        return reply is not None

    async def load_deposit(self) -> DepositRead | None:
        """What he must hold, what is held, what is missing, and what moved it."""
        deposit = await self._guard(self.client.deposit(), feature="deposit", quiet=True)
        if deposit is not None:
            self.me.deposit = deposit
            self.changed()
        return deposit

    async def top_up_deposit(self, amount: int | None = None) -> bool:
        """Pay (part of) what is missing through the sandbox provider, as the customer app
        pays: the screen has asked first (a large payment's second confirmation), and the
        sandbox's page is approved here as the wallet app would. Never queued."""
        payment = await self._guard(
            self.client.top_up_deposit(amount=amount, provider="sandbox", confirm_large=True),
            feature="deposit",
        )
        if payment is None:
            return False
        if await self._guard(self.client.sandbox_approve(payment.payment_id)) is None:
            await self.load_deposit()
            return False
        self.notify(
            t(self.session.lang, "notice.deposit_paid", amount=yuan(payment.amount)), "success"
        )
        await self.load_deposit()
        return True

    async def return_deposit(self, amount: int | None = None) -> bool:
        """Take back what the deposit holds above the requirement (all by default): the
        screen has asked first; the money goes out with his next payout. Never queued."""
        d = await self._guard(self.client.return_deposit(amount=amount), feature="deposit")
        if d is None:
            await self.load_deposit()
            return False
        self.me.deposit = d  # the reply is the deposit as it now stands, with the line
        self.changed()
        line = next((m for m in d.history or [] if m.kind == "return"), None)
        returned = amount if amount is not None else -line.amount if line else 0
        self.notify(
            t(self.session.lang, "notice.deposit_returned", amount=yuan(returned)), "success"
        )
        return True
