"""Which screens a change re-renders: each routed screen follows the session and the
stores it reads (``customer_app.navigation``), so a pushed notice redraws the inbox and
not the booking form, and typing into the booking redraws no inbox."""

from __future__ import annotations

from datetime import UTC, datetime

from client.api import DoorstepClient
from customer_app.model import BookingDraft
from customer_app.state import CustomerState


def offline_state() -> CustomerState:
    return CustomerState(DoorstepClient("http://127.0.0.1:9"), persist_session=False)


def follow(state: CustomerState, *stores: str) -> list[int]:
    told: list[int] = []
    state.subscribe(lambda: told.append(1), ("session", *stores))
    return told


async def test_a_pushed_notice_redraws_the_inbox_and_not_the_booking_form() -> None:
    state = offline_state()
    book, inbox = follow(state, "booking", "catalog", "me"), follow(state, "support")
    note = {
        "id": "ntf_1",
        "kind": "order_accepted",
        "title": "师傅已接单",
        "body": "王师傅将按时上门",
        "data": {},
        "created_at": datetime(2026, 12, 4, 9, tzinfo=UTC).isoformat(),
        "read_at": None,
    }
    await state.on_feed_message({"type": "notification", "notification": note})
    assert (len(book), len(inbox)) == (0, 1)
    assert state.support.unread_notices == 1
    await state.on_feed_message({"type": "notification", "notification": note})  # again
    assert (len(book), len(inbox)) == (0, 1)  # the same notice: nothing new to draw


async def test_changing_the_booking_redraws_the_booking_form_only() -> None:
    state = offline_state()
    state.booking.draft = BookingDraft(service_id="svc_1", units=2)
    state._changed()
    book, inbox = follow(state, "booking", "catalog", "me"), follow(state, "support")
    state.update_draft(units=3)  # the draft changes in place
    await state.stop_quoting()
    assert (len(book), len(inbox)) == (1, 0)
    state.set_form("notes", "家里有狗，请先敲门")  # the session: every screen
    assert (len(book), len(inbox)) == (2, 1)
