"""积分商城: the items, exchanging points for one, and the customer's exchanges."""

from __future__ import annotations

from client.api.core import ClientCore
from client.models import MallItemRead, MallRedemptionRead


class MallApi(ClientCore):
    async def mall_items(self) -> list[MallItemRead]:
        return await self._get_list("/mall/items", model=MallItemRead)

    async def redeem_mall_item(
        self, item_code: str, *, address_id: str | None = None, idempotency_key: str | None = None
    ) -> MallRedemptionRead:
        """A coupon at once, or a product sent to the saved place ``address_id``."""
        body = {"item_code": item_code, **({"address_id": address_id} if address_id else {})}
        return await self._post(
            "/me/mall/redemptions", body, model=MallRedemptionRead, key=idempotency_key
        )

    async def mall_redemptions(self) -> list[MallRedemptionRead]:
        return await self._get_list("/me/mall/redemptions", model=MallRedemptionRead)
