"""The customer's account: restoring a saved sign-in, signing up (the phone proved by a
texted code), in and out, picking up where the sign-in interrupted, and the "me" page
(past orders, wallet coupons, invoices)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError, Session
from client.models import PoliciesRead
from customer_app.i18n import t
from customer_app.model import masked_phone
from customer_app.state.core import StateCore


class Account(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        def start_feed(self) -> None: ...
        async def stop_tracking(self) -> None: ...
        async def load_home(self) -> None: ...
        async def begin_booking(
            self, service_id: str, *, preferred_technician_id: str | None = None
        ) -> None: ...
        async def load_wallet(self) -> None: ...
        async def load_stored_value(self) -> None: ...
        async def load_unread(self) -> None: ...
        async def open_order(self, order_id: str) -> None: ...
        async def open_support(self) -> None: ...

    # -- session --------------------------------------------------------------------

    async def start(self) -> None:
        """Restore the customer's choices and a saved session, and load the home screen."""
        await self.restore_choices()
        saved = await self.sessions.load() if self.sessions is not None else None
        if saved and saved.get("access_token"):
            restored = Session.from_dict(saved)  # the user as stored by ``to_dict``
            self.client.session.access_token = restored.access_token
            self.client.session.refresh_token = restored.refresh_token
            self.client.session.user = restored.user
            try:
                self.session.user = await self.client.me()
            except ApiError:  # ended meanwhile (signed out elsewhere, reused): sign in again
                self.client.session.clear()
                await self._keep_session(self.client.session)
                self.session.user = None
            except NetworkError:  # no answer: still signed in, as far as anyone knows
                self.session.user = restored.user
        self.started.set()
        self.start_feed()
        await self.load_home()

    async def send_code(self, phone: str) -> bool:
        """Have the sign-up code texted; a sandbox server hands it back and it is filled in."""
        self.clear_messages()
        try:
            sent = await self._run("auth", self.client.request_phone_code(phone))
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.session.put("code_sent_to", phone)
        self.session.put("code", (sent.sandbox_code if sent else None) or "")
        self.session.notice = t(self.session.lang, "code_sent", phone=masked_phone(phone)) + (
            t(self.session.lang, "code_filled") if self.session.form["code"] else ""
        )
        self._changed()
        return True

    # -- consent: the 用户协议 and 隐私政策, readable here, ticked before signing up -----

    async def load_policies(self) -> PoliciesRead | None:
        """The texts and their version, from the server (the version ticked is the one
        the server records)."""
        if self.session.policies is None:
            self.session.policies = await self._try("policies", self.client.policies())
            self._changed()
        return self.session.policies

    def toggle_consent(self) -> None:
        self.session.put("consent", not self.session.form.get("consent"))
        if self.session.form["consent"] and self.session.last_error_code == "consent_required":
            self.clear_messages()
        self._changed()

    async def open_policy(self, code: str | None) -> None:
        """Show one of the texts on the sign-up screen (``None`` closes it)."""
        if code is not None:
            await self.load_policies()
        self.session.put("policy_open", code)
        self._changed()

    async def register(self, *, phone: str, password: str, name: str, code: str = "") -> bool:
        """Sign up, once the customer ticked the 用户协议 and 隐私政策: the server keeps
        the version agreed to (and refuses a sign-up without it)."""
        self.clear_messages()
        if not self.session.form.get("consent"):
            self.refused("consent_required")
            self._changed()
            return False
        policies = await self.load_policies()
        try:
            reply = await self._run(
                "auth",
                self.client.register(
                    phone=phone,
                    password=password,
                    name=name,
                    role="customer",
                    code=code or None,
                    accepted_policy_version=policies.version if policies else None,
                ),
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.session.user = reply.user
        self.start_feed()
        await self.load_home()
        await self._resume_after_login()
        return True

    async def login(self, *, phone: str, password: str) -> bool:
        self.clear_messages()
        try:
            reply = await self._run("auth", self.client.login(phone=phone, password=password))
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.session.user = reply.user
        if self.session.user.role != "customer":
            self.refused("customer_accounts_only")
            await self.client.logout()
            self.session.user = None
            self._changed()
            return False
        self.start_feed()
        await self.load_home()
        await self._resume_after_login()
        return True

    async def _resume_after_login(self) -> None:
        """Continue what the customer was doing when the app asked them to sign in."""
        target, self._pending_route = self._pending_route, None
        self.session.history = [h for h in self.session.history if h != "/login"]
        if target and target.startswith("/book/") and self.booking.draft is not None:
            self.session.route = self.session.history.pop() if self.session.history else "/"
            await self.begin_booking(
                self.booking.draft.service_id,
                preferred_technician_id=self.booking.draft.preferred_technician_id,
            )
        elif target and target.startswith("/order/"):
            await self.open_order(target.removeprefix("/order/"))
        elif target == "/me":
            await self.load_me()
        elif target == "/support":
            await self.open_support()
        else:
            self.session.route = "/"
            self.clear_messages()
            self._changed()

    async def logout(self) -> None:
        await self.stop_tracking()
        await self.client.logout()
        self.session.user = None
        self.me.orders, self.visit.order, self.visit.events = [], None, []
        self.session.history = []
        self.session.route = "/"
        await self.load_home()

    async def set_auth_mode(self, mode: str) -> None:
        self.session.put("auth_mode", mode)
        self.clear_messages()
        self._changed()

    async def submit_auth(self) -> bool:
        """The login screen's button: sign in, or sign up when in register mode."""
        phone = str(self.session.form.get("phone", "")).strip()
        password = str(self.session.form.get("password", ""))
        if self.session.form.get("auth_mode") == "register":
            if not self.session.form.get("consent"):  # before a code is texted for nothing
                self.clear_messages()
                self.refused("consent_required")
                self._changed()
                return False
            # first the phone is proved: a code texted to it, typed (or filled) and sent back
            if self.session.form.get("code_sent_to") != phone:
                if not await self.send_code(phone) or not self.session.form.get("code"):
                    return False  # the customer types the code from the text message
                # a sandbox server filled it in, as a phone's one-time-code autofill would
            # no name given: 用户0003, as Chinese apps call a nameless account (never the
            # bare digits, which read as a code on the technician's screen)
            name = str(self.session.form.get("name", "")).strip() or t(
                self.session.lang, "nameless", tail=phone[-4:]
            )
            code = str(self.session.form.get("code", "")).strip()
            ok = await self.register(phone=phone, password=password, name=name, code=code)
        else:
            ok = await self.login(phone=phone, password=password)
        if ok:
            for key in ("password", "code", "code_sent_to"):
                self.session.drop(key)
        return ok

    # -- me -------------------------------------------------------------------------

    async def load_me(self) -> None:
        if not self.require_login("/me"):
            return
        self.me.orders = await self._try("orders", self.client.orders(limit=100), [])
        await self.load_wallet()
        await self.load_stored_value()
        invoices = []
        for o in [o for o in self.me.orders if o.status == "COMPLETED"][:20]:  # invoiceable
            inv = await self._try("invoices", self.client.invoice(o.id))
            if inv is not None:
                invoices.append(inv)
        self.me.invoices = invoices
        await self.load_unread()
        self.go("/me")

    async def claim_coupon(self) -> bool:
        """Claim a campaign's coupon by its code (新客券, 节日券 ...)."""
        code = str(self.session.form.get("coupon_code", "")).strip()
        if not code:
            return False
        self.clear_messages()
        try:
            coupon = await self._run(
                "coupons",
                self.client.claim_coupon(code),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.session.put("coupon_code", "")
        self.session.notice = "coupon_claimed"
        await self.load_wallet()
        return bool(coupon)

    async def submit_invoice(self, order_id: str) -> bool:
        title = str(self.session.form.get("invoice_title", "")).strip() or (
            self.session.user.name if self.session.user else ""
        )
        return await self.request_invoice(order_id, title)

    async def request_invoice(self, order_id: str, title: str) -> bool:
        try:
            reply = await self._run(
                "invoices",
                self.client.request_invoice(order_id, title=title),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if reply:
            self.me.invoices.insert(0, reply)
            self.me.touch()
        self._changed()
        return True
