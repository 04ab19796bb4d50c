"""The technician's request to move the visit (改约) in the customer app, against a real
server with the live feed: it arrives by push with the new time and his reason, the
customer takes it (the visit moves) or keeps the booked time (another technician is
sought), and a request left unanswered ends the same way, pushed too."""

from __future__ import annotations

from datetime import timedelta

from customer_app.i18n import event_label
from customer_app.state import CustomerState
from customer_app.views.order import order_view
from server.core.clock import FrozenClock
from server.orders import service as orders_service
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import book, signed_in, wait_for
from tests.apps.customer.test_order_money_and_words import texts
from tests.apps.customer.test_order_page_and_slots import _keys


async def asked(
    state: CustomerState, server: LiveServer, clock: FrozenClock, *, hours_ahead: int = 48
) -> tuple[dict, object]:
    """A booked visit, its technician, and his request to move it three hours later,
    pushed to the open order page: (the technician, the request)."""
    await signed_in(state, server)
    start = (clock.now() + timedelta(hours=hours_ahead)).replace(minute=0, second=0, microsecond=0)
    order = await book(state, "svc_daily_cleaning", start=start)
    tech = server.register("technician", "赵师傅")
    server.move(order.id, "assign", technician_id=tech["user"]["id"])
    await wait_for(lambda: state.visit.order.status == "ACCEPTED")
    body = {"scheduled_start": (start + timedelta(hours=3)).isoformat(), "reason": "前一单延误"}
    r = server.call("POST", f"/orders/{order.id}/delay-requests", tech, json=body)
    assert r.status_code == 201, r.text
    await wait_for(lambda: state.pending_delay() is not None)
    request = state.pending_delay()
    assert request is not None and request.reason == "前一单延误"
    assert request.to_start == start + timedelta(hours=3) and request.from_start == start
    return tech, request


async def test_the_request_arrives_and_accepting_moves_the_visit(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    _tech, request = await asked(state, server, clock)
    booked = state.visit.order.scheduled_start
    # the notification centre tells the customer too (inbox, pushed)
    await wait_for(lambda: any(n.kind == "delay.requested" for n in state.support.notices))
    assert event_label("zh", state.visit.events[-1].type) == "师傅申请改约"
    # the page shows the new time, his reason and the two answers
    view = order_view(state)
    assert {"delay-new-time", "delay-accept", "delay-decline"} <= _keys(view)
    shown = " ".join(texts(view))
    assert "新时间：" in shown and "原因：前一单延误" in shown and request.id not in shown
    assert await state.answer_delay(True), state.session.error
    assert state.visit.order.scheduled_start == booked + timedelta(hours=3)
    assert state.visit.order.status == "ACCEPTED" and state.visit.order.technician_id
    assert state.pending_delay() is None
    assert state.delay_outcome() is not None and state.delay_outcome().status == "accepted"
    assert not await state.answer_delay(True)  # nothing left to answer
    view = order_view(state)
    assert "delay-accept" not in _keys(view) and "delay-outcome" in _keys(view)


async def test_declining_keeps_the_time_and_finds_another_technician(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    _tech, _request = await asked(state, server, clock)
    booked = state.visit.order.scheduled_start
    assert await state.answer_delay(False), state.session.error
    assert (
        state.visit.order.status == "PENDING_DISPATCH" and state.visit.order.technician_id is None
    )
    assert state.visit.order.scheduled_start == booked
    assert state.delay_outcome().status == "declined"


async def test_an_unanswered_request_lapses_by_push(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    _tech, request = await asked(state, server, clock, hours_ahead=4)
    clock.set(request.expires_at)
    assert orders_service.delay_expiry_sweep(server.app.state) == [request.id]
    await wait_for(lambda: state.visit.order.status == "PENDING_DISPATCH")
    await wait_for(lambda: state.delay_outcome() is not None)
    assert state.delay_outcome().status == "expired" and state.pending_delay() is None
    await wait_for(lambda: any(n.kind == "delay.redispatched" for n in state.support.notices))


async def test_a_late_answer_is_refused_in_words(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    _tech, request = await asked(state, server, clock, hours_ahead=4)
    clock.set(request.expires_at + timedelta(minutes=1))
    assert not await state.answer_delay(True)
    assert state.session.last_error_code == "delay_request_expired"
    assert state.session.error and "delay_request_expired" not in state.session.error
