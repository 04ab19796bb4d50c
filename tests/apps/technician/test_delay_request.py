"""申请改约 in the technician app, against a real server: the order offers it while the
notice is open, the form checks its fields before sending, the request shows as waiting,
and the customer's answer arrives by push (accepted: the job at its new time; declined:
the job leaves his list, and he is told why)."""

from __future__ import annotations

from datetime import UTC, datetime

import flet as ft

from client.error_texts import error_text
from technician_app.state import TechnicianState
from technician_app.views.order_delay import delay_panel
from tests.apps.conftest import LiveServer
from tests.apps.customer.test_order_page_and_slots import _controls
from tests.apps.technician.conftest import DeviceClock


def panel(tech: TechnicianState, order_id: str, day: str) -> tuple[set[str], str]:
    """The 申请改约 panel as the order screen builds it: its keys and its words."""

    async def submit(_e: object) -> None:
        return None

    def keep(_value: str) -> None:
        return None

    form = {"day": (day, keep), "time": ("", keep), "reason": ("", keep)}
    controls = _controls(delay_panel(tech, order_id, form, submit))
    keys = {str(c.key) for c in controls if getattr(c, "key", None)}
    words = " ".join(str(c.value) for c in controls if isinstance(c, ft.Text))
    return keys, words


async def job_for(
    live: LiveServer, tech: TechnicianState, hours_ahead: int = 26
) -> tuple[str, dict]:
    """A job assigned to the signed-in technician, and its customer."""
    if not tech.signed_in:
        account = live.ready_technician("王师傅")
        assert await tech.login(account["phone"], account["password"])
    customer = live.register("customer", name="李女士")
    order = live.assign(customer, tech.user.id, hours_ahead=hours_ahead)
    await tech.refresh()
    return order["id"], customer


async def pushed(live: LiveServer, tech: TechnicianState, order_id: str, customer: dict) -> str:
    """What the live feed carries to his app after the customer's answer: the order's
    delay event (the last one the customer's timeline shows of it)."""
    events = live.call("GET", f"/orders/{order_id}/events", customer).json()
    event_type = next(e["type"] for e in reversed(events) if e["type"].startswith("order.delay_"))
    await tech._on_feed_message({"type": "event", "event_type": event_type, "order_id": order_id})
    return event_type


async def test_asked_then_accepted_the_job_moves(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id, customer = await job_for(live_server, tech)
    assert tech.may_request_delay(order_id)
    day, _name = tech.delay_days()[3]
    keys, words = panel(tech, order_id, day)
    assert {"delay_day", "delay_time", "delay_reason", "request_delay"} <= keys
    assert "申请改约" in words and "delay_status" not in keys
    made = await tech.request_delay(order_id, day, "15:00", "前一单延误，下午才能到")
    assert made is not None and made.status == "pending", tech.session.notices[-1]
    assert made.to_start == tech.delay_start(day, "15:00")
    assert tech.pending_delay(order_id) == made
    assert not tech.may_request_delay(order_id)  # one at a time; the form is gone
    assert "request_delay" not in tech.order(order_id).allowed_actions
    assert tech.session.notices[-1].kind == "success"
    keys, words = panel(tech, order_id, day)
    assert "request_delay" not in keys and "delay_status" in keys
    assert "等待客户确认" in words and "前一单延误" in words and made.id not in words

    r = live_server.call("POST", f"/orders/{order_id}/delay-requests/{made.id}/accept", customer)
    assert r.status_code == 200, r.text
    assert await pushed(live_server, tech, order_id, customer) == "order.delay_accepted"
    assert tech.last_delay(order_id).status == "accepted"
    assert tech.order(order_id).scheduled_start == made.to_start  # the job at its new time
    assert tech.session.notices[-1].kind == "success"
    assert "客户已同意" in panel(tech, order_id, day)[1]


async def test_declined_the_job_leaves_his_list(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id, customer = await job_for(live_server, tech)
    day, _name = tech.delay_days()[2]
    made = await tech.request_delay(order_id, day, "09:30", "车坏了")
    assert made is not None
    r = live_server.call("POST", f"/orders/{order_id}/delay-requests/{made.id}/decline", customer)
    assert r.status_code == 200, r.text
    assert await pushed(live_server, tech, order_id, customer) == "order.delay_declined"
    assert tech.order(order_id) is None and order_id not in [o.id for o in tech.active_orders()]
    assert tech.last_delay(order_id).status == "declined"  # still his to read
    assert tech.session.notices[-1].code == "delay_declined"
    await tech.load_orders()
    assert tech.order(order_id) is None  # the server agrees: the job is someone else's


async def test_the_form_says_what_is_missing_and_the_server_why_not(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    order_id, _customer = await job_for(live_server, tech)
    day, _name = tech.delay_days()[3]
    assert await tech.request_delay(order_id, day, "", "车坏了") is None
    assert tech.session.notices[-1].code == "time_required"
    assert await tech.request_delay(order_id, day, "15:00", "   ") is None
    assert tech.session.notices[-1].code == "reason_required"
    assert tech.work.delay_requests.get(order_id, []) == []  # nothing was sent
    # a job that starts within two hours no longer moves: not offered, and refused
    soon, _ = await job_for(live_server, tech, hours_ahead=2)
    assert not tech.may_request_delay(soon)
    assert await tech.request_delay(soon, day, "15:00", "车坏了") is None
    assert tech.session.notices[-1].code == "delay_notice_too_short"
    assert tech.session.notices[-1].text == error_text(
        "delay_notice_too_short"
    )  # words, not a code


async def test_the_days_and_times_offered(tech: TechnicianState, device: DeviceClock) -> None:
    device.now = datetime(2026, 6, 1, 5, 10, tzinfo=UTC)  # 13:10 in the city
    days = tech.delay_days()
    assert [name for _, name in days[:3]] == ["今天", "明日", "后天"]
    assert days[0][0] == "2026-06-01" and days[3] == ("2026-06-04", "6月4日") and len(days) == 7
    today = tech.delay_times(days[0][0])
    assert today[0] == "13:30" and today[-1] == "20:00"
    assert tech.delay_times(days[1][0])[:2] == ["08:00", "08:30"]
    start = tech.delay_start("2026-06-04", "15:00")
    assert start is not None and start.astimezone(UTC) == datetime(2026, 6, 4, 7, 0, tzinfo=UTC)
    assert tech.delay_start("2026-06-04", "25:00") is None
