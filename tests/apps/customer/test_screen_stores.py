"""Which screens a change re-renders: each routed screen follows the session and the
stores it reads (``customer_app.navigation.READS``), so a pushed notice redraws the inbox
and not the booking form, and typing into the booking redraws no inbox; and no screen
reads a store it does not follow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from client.api import DoorstepClient
from client.store import Store
from customer_app.model import BookingDraft
from customer_app.navigation import READS
from customer_app.state import CustomerState
from customer_app.views.auth import login_view
from customer_app.views.book import book_view
from customer_app.views.family import family_view
from customer_app.views.home import home_view
from customer_app.views.inbox import inbox_view
from customer_app.views.mall import mall_view
from customer_app.views.me import me_view
from customer_app.views.notice_settings import notice_settings_view
from customer_app.views.order import order_view
from customer_app.views.service import service_view, technician_view
from customer_app.views.support import support_view
from customer_app.views.wallet import wallet_view
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import signed_in


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


@contextmanager
def stores_read() -> Iterator[set[str]]:
    """The names of the stores whose data is read meanwhile (directly or by a method of
    the state)."""
    seen: set[str] = set()
    original = Store.__getattribute__
    own = {name for name in vars(Store) if not name.startswith("__")} | {"put", "drop"}

    def spy(store: Store, key: str) -> object:
        if not key.startswith("_") and key not in own:
            seen.add(object.__getattribute__(store, "name"))
        return original(store, key)

    Store.__getattribute__ = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Store.__getattribute__ = original  # type: ignore[method-assign]


def reads_of(view: Callable[[CustomerState], object], state: CustomerState) -> set[str]:
    with stores_read() as seen:
        view(state)
    return seen - {"session"}


async def test_every_screen_follows_every_store_it_reads(
    state: CustomerState, server: LiveServer
) -> None:
    """A screen that read a store it does not follow would show it stale after a change."""
    shown: dict[str, set[str]] = {}
    shown["login"] = reads_of(login_view, state)
    await signed_in(state, server)
    await state.load_home()
    shown["home"] = reads_of(home_view, state)
    await state.open_service("svc_window_cleaning")
    shown["service"] = reads_of(service_view, state)
    tech = server.ready_technician("李师傅", skills=("cleaning", "housekeeping"))
    await state.open_technician(tech["user"]["id"])
    shown["technician"] = reads_of(technician_view, state)
    await state.begin_booking("svc_window_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    assert await state.request_quote() is not None, state.session.error
    shown["book"] = reads_of(book_view, state)
    assert await state.place_order() is not None, state.session.error
    shown["order"] = reads_of(order_view, state)  # waiting for payment
    assert await state.approve_sandbox_payment(), state.session.error
    shown["order"] |= reads_of(order_view, state)
    await state.load_me()
    shown["me"] = reads_of(me_view, state)
    for name, open_screen, view in (
        ("support", state.open_support, support_view),
        ("wallet", state.open_wallet, wallet_view),
        ("family", state.open_family, family_view),
        ("inbox", state.open_inbox, inbox_view),
        ("mall", state.open_mall, mall_view),
        ("notice_settings", state.open_notice_settings, notice_settings_view),
    ):
        await open_screen()
        shown[name] = reads_of(view, state)
    assert set(shown) == set(READS)  # every screen walked
    unfollowed = {name: read - set(READS[name]) for name, read in shown.items()}
    assert {name: left for name, left in unfollowed.items() if left} == {}
    assert all(shown[name] for name in READS if READS[name])  # the spy saw the reads
