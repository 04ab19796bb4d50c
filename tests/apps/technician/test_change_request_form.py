"""The change-request form: a rate-card item, how many, and the technician's reason
reach the server as typed; what is missing or not a whole number is said before the
camera opens."""

from __future__ import annotations

from technician_app.offline import SYNCED
from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import HOME, png


async def working_on(live: LiveServer, tech: TechnicianState) -> str:
    account = live.ready_technician("王师傅")
    assert await tech.login(account["phone"], account["password"])
    customer = live.register("customer", name="李女士")
    order = live.assign(customer, tech.user.id)
    await tech.refresh()
    tech.set_location(*HOME)
    for step in (
        tech.depart(order["id"]),
        tech.arrive(order["id"]),
        tech.sign_work_order(order["id"], png()),
        tech.start(order["id"]),
    ):
        assert (await step).status == SYNCED
    return order["id"]


async def test_quantity_and_typed_reason_reach_the_change_request(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id = await working_on(live_server, tech)
    reason = "橱柜内部油污严重，客户要求一并清洁"
    action = await tech.propose_extra(order_id, "cabinet_inside", " 3 ", reason, png(2))
    assert action is not None and action.status == SYNCED, action
    [request] = tech.change_requests[order_id]
    [item] = request.items
    assert (item.code, item.quantity, item.reason) == ("cabinet_inside", 3, reason)
    # three at the card's price, plus the order's own surcharges (a night visit's, when
    # the order starts after 22:00): the lines say which
    assert item.lines[0]["amount"] == 3 * item.unit_price
    assert item.amount == sum(line["amount"] for line in item.lines) == request.total
    assert item.reason != item.name  # his words, not the item's name


async def test_the_form_says_what_to_fix_before_the_photo(tech: TechnicianState) -> None:
    assert tech.extra_item("", "1", "阳台很脏") is None
    assert tech.notices[-1].code == "item_required"
    for quantity in ("0", "", "1.5", "-2", "abc", "101"):
        assert tech.extra_item("balcony_clean", quantity, "阳台很脏") is None, quantity
        assert tech.notices[-1].code == "quantity_invalid"
    assert tech.extra_item("balcony_clean", "2", "   ") is None
    assert tech.notices[-1].code == "reason_required"
    assert tech.extra_item("balcony_clean", 2, " 阳台很脏 ") == {
        "code": "balcony_clean",
        "quantity": 2,
        "reason": "阳台很脏",
    }
