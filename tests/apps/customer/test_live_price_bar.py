"""The booking page's price: a bar at the bottom totals the price as the options change
(the last price kept, marked as updating, until the new one arrives); the best coupon
is applied by itself, shown as 优惠券 -¥X, and another or none can be chosen; the page's
sections scroll in a column of their own so it opens at its top."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import flet as ft

from client.api import DoorstepClient
from customer_app.i18n import money
from customer_app.state import CustomerState, LocalStore
from customer_app.views.book import book_view
from server.core.clock import FrozenClock
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import feed_factory, signed_in, wait_for


def _walk(control: Any) -> list[Any]:
    """Every control under ``control`` (content, controls, bars), itself first."""
    found = [control]
    for name in ("content", "controls", "bottom_appbar", "leading", "title", "label"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.BaseControl):
                found += _walk(c)
    return found


def _texts(control: Any) -> list[str]:
    out = []
    for c in _walk(control):
        if isinstance(c, ft.Text) and isinstance(c.value, str):
            out.append(c.value)
        label = getattr(c, "label", None)  # a Semantics' or a checkbox's words
        if isinstance(label, str) and label:
            out.append(label)
        if isinstance(getattr(c, "content", None), str):  # a button's words
            out.append(c.content)
    return out


async def _live_state(server: LiveServer, clock: FrozenClock, tmp_path: Path) -> CustomerState:
    client = DoorstepClient(server.base_url)
    state = CustomerState(
        client,
        store=LocalStore(tmp_path / "live.json"),
        now=clock.now,
        feed_factory=feed_factory(),
        live_quotes=True,
    )
    await signed_in(state, server)
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    await wait_for(lambda: state.booking.quote is not None and not state.price_updating)
    return state


async def test_the_bar_totals_the_price_and_keeps_it_while_updating(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    state = await _live_state(server, clock, tmp_path)
    try:
        first = state.booking.quote.total
        bar = book_view(state).bottom_appbar
        assert isinstance(bar, ft.BottomAppBar)
        assert f"合计 {money(first)}" in _texts(bar) and "提交订单" in _texts(bar)
        state.toggle_addon("screen_wash")
        # the last price stays, marked, until the new one arrives: never a blank
        assert (
            state.booking.quote is not None
            and state.booking.quote.total == first
            and state.price_updating
        )
        shown = set(_texts(book_view(state).bottom_appbar))
        assert {f"合计 {money(first)}", "价格更新中…"} <= shown
        await wait_for(lambda: not state.price_updating)
        assert state.booking.quote.total == first + 4000
        assert f"合计 {money(first + 4000)}" in _texts(book_view(state).bottom_appbar)
        # another day clears the slot: the old price stays, saying what it waits for
        await state.set_day(state.booking.draft.day + timedelta(days=1))
        assert state.booking.quote is not None and state.price_updating
        assert "选好时间后更新价格" in _texts(book_view(state).bottom_appbar)
    finally:
        await state.stop_quoting()
        await state.stop_tracking()
        await state.client.aclose()


async def test_the_best_coupon_is_applied_shown_and_can_be_changed_or_dropped(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    state = await _live_state(server, clock, tmp_path)
    try:
        welcome = state.me.coupons[0]
        assert state.booking.draft.coupon_auto and state.applied_coupon() == welcome.id
        assert state.coupon_saving() == welcome.amount
        with_coupon = state.booking.quote.total
        assert "优惠券 -¥50.00" in _texts(book_view(state))
        state.set_form("coupon_picker", True)  # 更换
        assert {"自动选最优惠", "不使用优惠券", welcome.label} <= set(_texts(book_view(state)))
        state.choose_coupon(None)
        await wait_for(lambda: not state.price_updating)
        assert state.applied_coupon() is None and state.booking.quote.total == with_coupon + 5000
        assert "优惠券 不使用优惠券" in _texts(book_view(state))
        state.choose_coupon(welcome.id)
        await wait_for(lambda: not state.price_updating)
        assert state.applied_coupon() == welcome.id and state.booking.quote.total == with_coupon
        state.use_best_coupon()
        await wait_for(lambda: not state.price_updating)
        assert state.booking.draft.coupon_auto and state.applied_coupon() == welcome.id
    finally:
        await state.stop_quoting()
        await state.stop_tracking()
        await state.client.aclose()


async def test_the_page_opens_at_its_top(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    """The sections scroll in a column of their own, keyed by the booking: a fresh
    scroll position, whatever offset the page before was left at; the view itself
    does not scroll (it would keep the previous screen's offset when reused)."""
    state = await _live_state(server, clock, tmp_path)
    try:
        view = book_view(state)
        assert view.scroll is None
        (centred,) = view.controls  # the page's column, centred on wide windows
        (page_column,) = centred.controls
        body = page_column.controls[-1]
        assert isinstance(body, ft.Column) and body.scroll == ft.ScrollMode.AUTO
        assert body.key == "booking-svc_window_cleaning" and body.expand
        # the first thing on the page is the service and its amount, then the time
        assert state.catalog.service.name_zh in _texts(body.controls[0])
        assert "时间段" in _texts(body.controls[1])
    finally:
        await state.stop_quoting()
        await state.stop_tracking()
        await state.client.aclose()
