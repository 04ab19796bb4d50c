"""积分商城 against a live server: the customer sees the points beside each item and why
one cannot be taken; a coupon lands in the wallet; a product waits for a saved place and
then goes to it; the exchanges are listed with their shipping."""

from __future__ import annotations

from customer_app.state import CustomerState
from server.pricing.models import LoyaltyAccount
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.customer.conftest import signed_in
from tests.unit_of_work import unit_of_work


def give_points(server: LiveServer, user_id: str, points: int) -> None:
    with unit_of_work(server.app) as uow:
        account = uow.session.get(LoyaltyAccount, user_id) or LoyaltyAccount(
            customer_id=user_id, points=0
        )
        account.points += points
        uow.session.add(account)


async def test_points_for_a_coupon_then_a_product(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    assert state.session.user is not None
    give_points(server, state.session.user.id, 1100)
    await state.open_mall()
    assert state.session.route == "/mall" and state.points_balance() == 1100
    items = {i.code: i for i in state.me.mall_items}
    assert state.why_not(items["hours_daily_cleaning_2h"]) == "mall_points_short"  # 1500
    assert state.why_not(items["cleaning_kit"]) == "mall_no_address"  # only kept on the phone
    assert state.why_not(items["coupon_10"]) is None

    assert await state.redeem("coupon_10")
    assert state.session.notice == "mall_redeemed" and state.points_balance() == 900
    assert any(c.label == "10元无门槛券" for c in state.me.coupons)
    [done] = state.me.mall_redemptions
    assert done.status == "issued"

    await state.client.save_address({**DEMO_ADDRESS, "label": "家", "detail": "2单元301"})
    await state.load_mall()
    place = state.ship_to()
    assert place is not None and place.detail == "2单元301"
    kit = next(i for i in state.me.mall_items if i.code == "cleaning_kit")
    assert state.why_not(kit) is None
    assert await state.redeem("cleaning_kit")
    assert state.session.notice == "mall_redeemed_product" and state.points_balance() == 0
    shipped = next(r for r in state.me.mall_redemptions if r.item_code == "cleaning_kit")
    assert shipped.status == "to_ship" and shipped.address and "2单元301" in shipped.address

    # a refusal reads in the customer's words and takes nothing
    assert not await state.redeem("coupon_10")
    assert (state.session.error, state.session.last_error_code) == (
        "积分不足",
        "points_insufficient",
    )
    assert state.points_balance() == 0
