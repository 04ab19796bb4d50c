"""The visit window offered and booked is as long as the work for the amount chosen:
4 panes at 15 minutes each are an hour, 6 panes an hour and a half."""

from __future__ import annotations

from datetime import timedelta

from client.citytime import CITY_TZ
from customer_app.state import CustomerState
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import signed_in


async def test_window_cleaning_slots_last_as_long_as_the_panes_take(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")
    assert state.booking.draft.units == 4 and state.booking.slots_from_server
    assert state.booking.slots and all(
        s.end - s.start == timedelta(hours=1) for s in state.booking.slots
    )
    await state.set_units(6)  # more panes: the slots are counted again, longer
    assert state.booking.slots and all(
        s.end - s.start == timedelta(minutes=90) for s in state.booking.slots
    )
    slot = next(s for s in state.booking.slots if s.available)
    a = slot.start.astimezone(CITY_TZ)
    assert slot.label() == f"{a:%H:%M}-{a + timedelta(minutes=90):%H:%M}"
    state.choose_slot(slot)
    quote = await state.request_quote()
    assert quote is not None, state.session.error
    assert quote.scheduled_end - quote.scheduled_start == timedelta(minutes=90)
    order = await state.place_order()
    assert order is not None, state.session.error
    assert order.scheduled_end - order.scheduled_start == timedelta(minutes=90)
