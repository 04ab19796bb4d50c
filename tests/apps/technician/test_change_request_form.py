"""The change-request form: a rate-card item, how many, and the technician's reason
reach the server as typed; what is missing or not a whole number is said before the
camera opens."""

from __future__ import annotations

from technician_app.offline import SYNCED
from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import HOME, png


async def working_on(live: LiveServer, tech: TechnicianState) -> str:
    order_id, _ = await working_for(live, tech)
    return order_id


async def working_for(live: LiveServer, tech: TechnicianState) -> tuple[str, dict]:
    """An order the technician has started, and its customer."""
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
    return order["id"], customer


async def test_quantity_and_typed_reason_reach_the_change_request(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id = await working_on(live_server, tech)
    reason = "橱柜内部油污严重，客户要求一并清洁"
    action = await tech.propose_extra(order_id, "cabinet_inside", " 3 ", reason, png(2))
    assert action is not None and action.status == SYNCED, action
    [request] = tech.work.change_requests[order_id]
    [item] = request.items
    assert (item.code, item.quantity, item.reason) == ("cabinet_inside", 3, reason)
    # three at the card's price, plus the order's own surcharges (a night visit's, when
    # the order starts after 22:00): the lines say which
    assert item.lines[0]["amount"] == 3 * item.unit_price
    assert item.amount == sum(line["amount"] for line in item.lines) == request.total
    assert item.reason != item.name  # his words, not the item's name


async def test_the_customers_answer_reaches_the_request_by_push(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id, customer = await working_for(live_server, tech)
    await tech.propose_extra(order_id, "cabinet_inside", "1", "橱柜油污", png(2))
    [request] = tech.work.change_requests[order_id]
    assert request.status == "awaiting_customer"
    path = f"/orders/{order_id}/change-requests/{request.id}/reject"
    r = live_server.call("POST", path, customer, json={"item_ids": [request.items[0].id]})
    assert r.status_code == 200, r.text
    events = live_server.call("GET", f"/orders/{order_id}/events", customer).json()
    answered = events[-1]["type"]  # what the live feed carries to his app
    await tech._on_feed_message({"type": "event", "event_type": answered, "order_id": order_id})
    [request] = tech.work.change_requests[order_id]
    assert request.status != "awaiting_customer"


async def test_the_form_says_what_to_fix_before_the_photo(tech: TechnicianState) -> None:
    assert tech.extra_item("", "1", "阳台很脏") is None
    assert tech.session.notices[-1].code == "item_required"
    for quantity in ("0", "", "1.5", "-2", "abc", "101"):
        assert tech.extra_item("balcony_clean", quantity, "阳台很脏") is None, quantity
        assert tech.session.notices[-1].code == "quantity_invalid"
    assert tech.extra_item("balcony_clean", "2", "   ") is None
    assert tech.session.notices[-1].code == "reason_required"
    assert tech.extra_item("balcony_clean", 2, " 阳台很脏 ") == {
        "code": "balcony_clean",
        "quantity": 2,
        "reason": "阳台很脏",
    }
