"""What the order screen tells the technician once the job is his: the customer's notes
and the number to call, both from the server's reply for that order and for nobody
else's (an offer carries neither)."""

from __future__ import annotations

from datetime import timedelta

from client.models import OfferRead
from technician_app.state import TechnicianState
from tests.apps.conftest import DEMO_ADDRESS, LiveServer

NOTES = "家里有狗，请先敲门"


def booked_with_notes(live: LiveServer, customer: dict, notes: str = NOTES) -> dict:
    """A paid order whose customer wrote ``notes`` when booking."""
    start = live.app.state.clock.now().replace(microsecond=0)
    body = {
        "service_id": "svc_daily_cleaning",
        "address": DEMO_ADDRESS,
        "scheduled_start": (start + timedelta(hours=3)).isoformat(),
    }
    r = live.call("POST", "/quotes", customer, json=body)
    assert r.status_code == 201, r.text
    r = live.call(
        "POST", "/orders", customer, json={"quote_id": r.json()["quote_id"], "notes": notes}
    )
    assert r.status_code == 201, r.text
    order = r.json()
    live.move(order["id"], "payment_succeeded")
    return order


async def signed_in(tech: TechnicianState, live: LiveServer, name: str = "王师傅") -> dict:
    account = live.ready_technician(name)
    assert await tech.login(account["phone"], account["password"])
    return account


async def test_notes_reach_the_technician_once_the_order_is_his(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await signed_in(tech, live_server)
    customer = live_server.register("customer", name="李女士")
    order = booked_with_notes(live_server, customer)
    live_server.move(order["id"], "assign", technician_id=tech.user.id)
    await tech.refresh()
    assert tech.order(order["id"]).notes == NOTES
    assert tech.customer_notes(order["id"]) == NOTES


async def test_notes_stay_hidden_while_the_order_is_only_offered(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await signed_in(tech, live_server)
    customer = live_server.register("customer", name="李女士")
    order = booked_with_notes(live_server, customer)
    live_server.move(order["id"], "offer", technician_id=tech.user.id)
    assert "notes" not in OfferRead.model_fields  # an offer: district and distance only
    read = await tech.load_order(order["id"])
    assert read is not None and read.notes == ""
    assert tech.customer_notes(order["id"]) == ""


async def test_call_button_dials_the_virtual_number_of_his_order_only(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    account = await signed_in(tech, live_server)
    customer = live_server.register("customer", name="李女士")
    mine = live_server.assign(customer, tech.user.id)
    other_tech = live_server.ready_technician("赵师傅")
    theirs = live_server.assign(customer, other_tech["user"]["id"])
    await tech.refresh()
    assert tech.dial_url(mine["id"]) is None  # nothing asked yet: no button

    contact = await tech.load_contact(mine["id"])
    assert contact is not None and contact.counterpart_role == "customer"
    reply = live_server.call("GET", f"/orders/{mine['id']}/contact", account).json()
    assert tech.dial_url(mine["id"]) == f"tel:{reply['virtual_number']}"
    assert customer["phone"] not in tech.dial_url(mine["id"])  # never the real phone

    assert await tech.load_contact(theirs["id"]) is None  # not his: not even asked
    assert tech.dial_url(theirs["id"]) is None
    tech.work.orders[theirs["id"]] = tech.order(mine["id"]).model_copy(update={"id": theirs["id"]})
    assert await tech.load_contact(theirs["id"]) is None  # the server refuses another's order
    assert tech.dial_url(theirs["id"]) is None


async def test_no_number_while_the_order_is_only_offered(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await signed_in(tech, live_server)
    customer = live_server.register("customer", name="李女士")
    offered = live_server.offer(customer, tech.user.id)
    await tech.load_order(offered["id"])
    assert await tech.load_contact(offered["id"]) is None
    assert tech.dial_url(offered["id"]) is None
