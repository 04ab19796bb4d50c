"""家庭账户: the family page (invite by phone as family or staff, withdraw one still
pending after a second tap, answer invitations, members with remove / leave, each
member's monthly cap) and paying an order from the family balance (家庭余额支付), which a
member sees with what is left of his cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.models import FamilyRead
from customer_app.state.core import StateCore

WITHDRAWING = "family_withdrawing"  # the invitation whose 撤回 waits for its confirmation


def cap_fen(text: str) -> int | None:
    """A cap typed in yuan ("300", "300.5") in fen; empty: no cap. Raises ValueError."""
    text = text.strip()
    if not text:
        return None
    fen = round(float(text) * 100)
    if fen < 0:
        raise ValueError(text)
    return fen


class FamilyAccount(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        async def refresh_order(self) -> None: ...
        async def load_stored_value(self) -> None: ...
        def amount_to_pay(self) -> int: ...

    async def load_family(self) -> None:
        if not self.signed_in:
            return
        fresh = await self._try("family", self.client.family())
        if fresh is not None:
            self.me.family = fresh
        self._changed()

    async def open_family(self) -> None:
        if not self.require_login("/family"):
            return
        await self.load_family()
        self.go("/family")

    async def load_family_allowance(self) -> None:
        """A member's allowance on the family balance; None for anyone else."""
        if not self.signed_in:
            return
        self.me.allowance = await self._try("family", self.client.family_allowance())
        self._changed()

    async def _family_call(self, call: object, notice: str) -> bool:
        self.clear_messages()
        try:
            reply = await self._run("family", call, quiet_missing=False)  # type: ignore[arg-type]
        except (ApiError, NetworkError):
            self._changed()
            return False
        if isinstance(reply, FamilyRead):
            self.me.family = reply
        else:
            await self.load_family()
        self.session.notice = notice
        self._changed()
        return True

    async def invite_family(self, kind: str = "family") -> bool:
        phone = str(self.session.form.get("family_phone", "")).strip()
        done = await self._family_call(self.client.invite_to_family(phone, kind=kind), "invited")
        if done:
            self.session.drop("family_phone")
            await self.load_family()
        return done

    def ask_withdraw_family(self, invitation_id: str) -> None:
        """撤回 asks first: the row shows 确认撤回 / 保留 until one is tapped."""
        self.session.put(WITHDRAWING, invitation_id)
        self._changed()

    def keep_family_invitation(self) -> None:
        self.session.drop(WITHDRAWING)
        self._changed()

    async def withdraw_family(self, invitation_id: str) -> bool:
        """Take back an invitation still pending; refused (answered or lapsed meanwhile),
        the page is read again so the row goes."""
        self.session.drop(WITHDRAWING)
        call = self.client.withdraw_family_invitation(invitation_id)
        done = await self._family_call(call, "family_withdrawn")
        if not done:
            await self.load_family()  # keeps the refusal shown
        return done

    async def accept_family(self, invitation_id: str) -> bool:
        call = self.client.accept_family_invitation(invitation_id)
        return await self._family_call(call, "family_joined")

    async def decline_family(self, invitation_id: str) -> bool:
        call = self.client.decline_family_invitation(invitation_id)
        return await self._family_call(call, "family_declined")

    async def remove_family_member(self, member_id: str) -> bool:
        call = self.client.remove_family_member(member_id)
        return await self._family_call(call, "family_removed")

    async def leave_family(self) -> bool:
        done = await self._family_call(self.client.leave_family(), "family_left")
        self.me.allowance = None
        return done

    async def set_family_cap(self, member_id: str) -> bool:
        """The cap typed for ``member_id`` (yuan; empty for none)."""
        try:
            cap = cap_fen(str(self.session.form.get(f"cap_{member_id}", "")))
        except ValueError:
            self.refused("validation_error")
            self._changed()
            return False
        return await self._family_call(self.client.set_family_cap(member_id, cap), "saved")

    def family_short_by(self) -> int:
        """How much the family allowance lacks for what the order owes (0: it covers it)."""
        left = self.me.allowance.available if self.me.allowance else 0
        return max(self.amount_to_pay() - left, 0)

    async def pay_from_family(self) -> bool:
        """家庭余额支付: what the order owes, from the main account's wallet."""
        order = self.visit.order
        amount = self.amount_to_pay()
        if order is None or amount <= 0 or self.me.allowance is None:
            return False
        self.clear_messages()
        self.session.busy = True
        try:
            await self._run(
                "family",
                self.client.pay(
                    order.id, provider="wallet", method="family", amount=amount, family=True
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.session.busy = False
            await self.load_family_allowance()
            return False
        self.session.busy = False
        self.visit.payment = None
        self.session.notice = "paid"
        await self.refresh_order()
        await self.load_family_allowance()
        return True
