"""The app's screens as routes of ``ft.Router``, and the one rule that keeps the address
and the state together.

The state moves the customer (``go``, ``back``, an action that ends on another screen)
and the address follows: :class:`AddressBar` pushes the state's route. An address that
moves first (a link opened, a reload, the browser's back or forward button) reaches the
screen the Router shows for it, and the state follows it (``CustomerState.open_route``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import flet as ft

from customer_app.context import use_app
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

RunTask = Callable[[Callable[[], Coroutine[Any, Any, None]]], object]


class AddressBar:
    """Where the address is, and which way the next move goes: the state's own moves
    push the address (once each), an address that moved first brings the state to it
    (and the state's changes meanwhile push nothing)."""

    def __init__(
        self,
        state: CustomerState,
        navigate: Callable[[str], None],
        run_task: RunTask,
        location: str,
    ) -> None:
        self.state = state
        self.navigate = navigate
        self.run_task = run_task
        self.shown = location
        # opened at an address of its own (a link, a reload): the state has yet to come
        self.arriving: str | None = location if location != state.session.route else None

    def state_changed(self) -> None:
        if self.arriving is None and self.state.session.route != self.shown:
            self.shown = self.state.session.route
            self.navigate(self.shown)

    def arrived(self, location: str) -> None:
        """The Router shows ``location``: the state comes there unless it is there."""
        self.shown = location
        if location == self.state.session.route:
            if self.arriving == location:
                self.arriving = None
            return
        self.arriving = location

        async def follow() -> None:
            try:
                await self.state.open_route(location)
            finally:
                if self.arriving == location:
                    self.arriving = None
            self.state_changed()  # where the state ended up (sign-in, for a signed-out link)

        self.run_task(follow)


# None outside ``App`` (the provider in main.py gives every screen the session's bar)
AddressContext: ft.ContextProvider[AddressBar | None] = ft.create_context(None)


def use_screen(*stores: str) -> CustomerState:
    """The state for a routed screen, re-rendered when the session or one of ``stores``
    changes; the state follows the address the screen is for."""
    state = use_app(*stores)
    location = ft.use_route_location()
    bar = ft.use_context(AddressContext)

    def follow_address() -> None:
        if bar is not None and location:
            bar.arrived(location)

    ft.use_effect(follow_address, [location])
    return state


def routed(view: ft.View) -> ft.View:
    """The view keyed by the address it is shown at (the state may already be on its way
    elsewhere while the address catches up)."""
    view.route = ft.use_view_path() or view.route
    return view


# the stores each screen reads besides the session, by its view's name: it re-renders when
# one of them changes (tests/apps/customer/test_screen_stores.py holds each view to it).
# The saved places live in the app's storage; their loading marks the booking store, so
# the screens that show one (home's district, a product's address) follow it.
READS: dict[str, tuple[str, ...]] = {
    "home": ("catalog", "booking", "me", "support"),
    "login": (),
    "service": ("catalog", "booking"),
    "technician": ("catalog",),
    "book": ("booking", "catalog", "me"),
    "order": ("visit", "me", "support"),
    "me": ("me", "support", "booking"),
    "support": ("support", "visit"),
    "wallet": ("me", "visit"),
    "family": ("me",),
    "inbox": ("support",),
    "mall": ("me", "booking"),
    "notice_settings": ("me",),
}


@ft.component
def HomeScreen() -> ft.View:
    return routed(home_view(use_screen(*READS["home"])))


@ft.component
def LoginScreen() -> ft.View:
    return routed(login_view(use_screen(*READS["login"])))


@ft.component
def ServiceScreen() -> ft.View:
    return routed(service_view(use_screen(*READS["service"])))


@ft.component
def TechnicianScreen() -> ft.View:
    return routed(technician_view(use_screen(*READS["technician"])))


@ft.component
def BookScreen() -> ft.View:
    return routed(book_view(use_screen(*READS["book"])))


@ft.component
def OrderScreen() -> ft.View:
    return routed(order_view(use_screen(*READS["order"])))


@ft.component
def MeScreen() -> ft.View:
    return routed(me_view(use_screen(*READS["me"])))


@ft.component
def SupportScreen() -> ft.View:
    return routed(support_view(use_screen(*READS["support"])))


@ft.component
def WalletScreen() -> ft.View:
    return routed(wallet_view(use_screen(*READS["wallet"])))


@ft.component
def FamilyScreen() -> ft.View:
    return routed(family_view(use_screen(*READS["family"])))


@ft.component
def InboxScreen() -> ft.View:
    return routed(inbox_view(use_screen(*READS["inbox"])))


@ft.component
def MallScreen() -> ft.View:
    return routed(mall_view(use_screen(*READS["mall"])))


@ft.component
def NoticeSettingsScreen() -> ft.View:
    return routed(notice_settings_view(use_screen(*READS["notice_settings"])))


ROUTES = [
    ft.Route(index=True, component=HomeScreen),
    ft.Route(path="login", component=LoginScreen),
    ft.Route(path="service/:service_id", component=ServiceScreen),
    ft.Route(path="technician/:technician_id", component=TechnicianScreen),
    ft.Route(path="book/:service_id", component=BookScreen),
    ft.Route(path="order/:order_id", component=OrderScreen),
    ft.Route(path="me", component=MeScreen),
    ft.Route(path="support", component=SupportScreen),
    ft.Route(path="inbox", component=InboxScreen),
    ft.Route(path="mall", component=MallScreen),
    ft.Route(path="wallet", component=WalletScreen),
    ft.Route(path="family", component=FamilyScreen),
    ft.Route(path="notice-settings", component=NoticeSettingsScreen),
    # an address the app has no screen for: home (the state goes there, ``open_route``)
    ft.Route(path=":unknown*", component=HomeScreen),
]
