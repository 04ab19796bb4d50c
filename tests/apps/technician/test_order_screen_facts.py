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
