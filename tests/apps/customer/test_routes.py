"""The address and the state kept together (``customer_app.navigation.AddressBar`` and
``CustomerState.open_route``): a link or a reload opens its screen with what it shows,
the back arrow leads up from it, the browser's back button steps back, an address the
app has no screen for goes home, and a link for a signed-out customer asks for sign-in
first and then opens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from customer_app.navigation import AddressBar
from customer_app.state import CustomerState
from customer_app.state.routes import parents
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import book, signed_in


class Browser:
    """The address bar's side of a browser: what the app pushed, and the tasks it ran."""

    def __init__(self) -> None:
        self.pushed: list[str] = []
        self.tasks: list[asyncio.Task[None]] = []

    def run_task(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.tasks.append(asyncio.get_running_loop().create_task(job()))

    async def settle(self) -> None:
        while self.tasks:
            await self.tasks.pop(0)


def test_a_screen_opened_by_its_address_leads_up() -> None:
    assert parents("/book/svc_a") == ["/", "/service/svc_a"]
    assert parents("/order/ord_1") == ["/", "/me"]
    assert parents("/service/svc_a") == ["/"]
    assert parents("/") == []


async def test_links_reloads_and_both_back_buttons(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    await signed_in(state, server)
    order = await book(state, "svc_window_cleaning")
    oid = order.id
    await state.go_home()

    # a reload at the order's address: a fresh start there, nothing loaded yet
    state.visit.order, state.me.orders, state.session.history = None, [], []
    browser = Browser()
    bar = AddressBar(state, browser.pushed.append, browser.run_task, f"/order/{oid}")
    state.subscribe(bar.state_changed)
    state._changed()  # the state's own changes push nothing while it comes to the address
    assert browser.pushed == []
    bar.arrived(f"/order/{oid}")
    await browser.settle()
    assert (
        state.session.route == f"/order/{oid}"
        and state.visit.order is not None
        and state.visit.order.id == oid
    )
    assert state.session.history == ["/", "/me"] and browser.pushed == []

    # the back arrow: up to "me", loaded, and the address follows
    await state.go_back()
    assert state.session.route == "/me" and [o.id for o in state.me.orders] == [oid]
    assert browser.pushed == ["/me"]
    bar.arrived("/me")  # the address arrives: nothing more to do
    await browser.settle()
    assert browser.pushed == ["/me"]

    # the app's own move, then the browser's back button
    await state.open_order(oid)
    assert browser.pushed == ["/me", f"/order/{oid}"]
    bar.arrived(f"/order/{oid}")
    bar.arrived("/me")
    await browser.settle()
    assert state.session.route == "/me" and state.session.history == ["/"]
    assert browser.pushed == ["/me", f"/order/{oid}"]

    # an address with no screen: home, and the address is put right
    bar.arrived("/no/such/screen")
    await browser.settle()
    assert state.session.route == "/" and browser.pushed[-1] == "/"

    # signed out, a link to the order: sign in first, then the order opens
    phone = state.session.user.phone if state.session.user else ""
    await state.logout()
    bar.arrived(f"/order/{oid}")
    await browser.settle()
    assert state.session.route == "/login" and browser.pushed[-1] == "/login"
    assert await state.login(phone=phone, password="correct horse"), state.session.error
    assert state.session.route == f"/order/{oid}" and browser.pushed[-1] == f"/order/{oid}"
