"""积分商城: the items with the customer's points beside them, exchanging points for one
(a coupon lands in the wallet; a product goes to the newest saved place), and the
customer's exchanges with their shipping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.models import MallItemRead
from customer_app.model import Address
from customer_app.state.core import StateCore


class Mall(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        async def load_wallet(self) -> None: ...
        async def load_addresses(self) -> None: ...
        def addresses(self) -> list[Address]: ...

    async def open_mall(self) -> None:
        if not self.require_login("/mall"):
            return
        self.go("/mall")
        await self.load_mall()

    async def load_mall(self) -> None:
        self.me.mall_items = await self._try("mall", self.client.mall_items(), [])
        self.me.mall_redemptions = await self._try("mall", self.client.mall_redemptions(), [])
        await self.load_wallet()  # the points balance
        await self.load_addresses()  # where a product would go
        self._changed()

    def points_balance(self) -> int | None:
        return (self.me.points or {}).get("balance")

    def ship_to(self) -> Address | None:
        """Where a product goes: the newest place saved on the server."""
        return next((a for a in self.addresses() if a.id), None)

    def why_not(self, item: MallItemRead) -> str | None:
        """The reason an item cannot be taken now (a text key), or None."""
        if item.stock_left is not None and item.stock_left <= 0:
            return "mall_sold_out"
        if item.my_left is not None and item.my_left <= 0:
            return "mall_limit_reached"
        balance = self.points_balance()
        if balance is not None and balance < item.points:
            return "mall_points_short"
        if item.kind == "product" and self.ship_to() is None:
            return "mall_no_address"
        return None

    async def redeem(self, item_code: str) -> bool:
        item = next((i for i in self.me.mall_items if i.code == item_code), None)
        if item is None:
            return False
        self.clear_messages()
        place = self.ship_to() if item.kind == "product" else None
        try:
            await self._run(
                "mall",
                self.client.redeem_mall_item(item_code, address_id=place.id if place else None),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.session.notice = "mall_redeemed" if item.kind == "coupon" else "mall_redeemed_product"
        await self.load_mall()
        return True
