"""The customer's stored value (储值余额): the 钱包 page (balance, history, top-ups with
preset amounts, paid on the sandbox's page as any checkout) and paying an order from the
balance (余额支付), offered beside the provider's checkout and refused with its reason
when the balance is short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.models import PaymentRead
from customer_app.state.core import StateCore


class StoredValue(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        async def refresh_order(self) -> None: ...
        async def load_family_allowance(self) -> None: ...
        def amount_to_pay(self) -> int: ...

    async def load_stored_value(self) -> None:
        """The balance, its limits and history (kept as it was when the server is out of reach)."""
        if not self.signed_in:
            return
        fresh = await self._try("stored_value", self.client.stored_value())
        if fresh is not None:
            self.me.stored = fresh
        await self.load_family_allowance()  # 家庭余额支付 beside it, for a family member
        self._changed()

    async def open_wallet(self) -> None:
        if not self.require_login("/wallet"):
            return
        self.me.top_up_payment = None
        await self.load_stored_value()
        self.go("/wallet")

    def balance(self) -> int | None:
        return self.me.stored.balance if self.me.stored else None

    def balance_short_by(self) -> int:
        """How much the balance lacks for what the order owes (0: it covers it)."""
        have = self.balance()
        return max(self.amount_to_pay() - (have or 0), 0)

    async def start_top_up(self, amount: int) -> PaymentRead | None:
        """Open the provider's checkout for ``amount``; the wallet grows once it is paid."""
        self.clear_messages()
        try:
            self.me.top_up_payment = await self._run(
                "stored_value", self.client.top_up_wallet(amount), quiet_missing=False
            )
        except (ApiError, NetworkError):
            self.me.top_up_payment = None
        self._changed()
        return self.me.top_up_payment

    async def approve_top_up(self) -> bool:
        """What the customer does on the sandbox's checkout page (his payment app); the
        provider's webhook then credits the wallet."""
        pay = self.me.top_up_payment
        if pay is None:
            return False
        self.clear_messages()
        try:
            await self._run(
                "stored_value", self.client.sandbox_approve(pay.payment_id), quiet_missing=False
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.me.top_up_payment = None
        self.session.notice = "topped_up"
        await self.load_stored_value()
        return True

    async def pay_from_balance(self) -> bool:
        """余额支付: what the order owes, from the balance, in one step."""
        order = self.visit.order
        if order is None or self.amount_to_pay() <= 0:
            return False
        self.clear_messages()
        self.session.busy = True
        try:
            await self._run(
                "stored_value",
                self.client.pay(
                    order.id, provider="wallet", method="balance", amount=self.amount_to_pay()
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.session.busy = False
            await self.load_stored_value()  # a short balance: show what it holds now
            return False
        self.session.busy = False
        self.visit.payment = None
        self.session.notice = "paid"
        await self.refresh_order()
        await self.load_stored_value()
        return True
