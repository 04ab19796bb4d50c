"""Coming to a screen from outside the app's own moves: a link opened, a page reloaded,
the browser's back or forward button. The app's own moves (``go``, ``back``) change
``route`` first and the address follows; here the address came first and the state
follows it, loading what the screen shows when it does not hold it yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer_app.state.core import StateCore


def parents(route: str) -> list[str]:
    """The screens above ``route``, as the back arrow leads from a screen opened by its
    address (a link to a booking goes back to its service, an order to "me")."""
    kind, _, key = route.strip("/").partition("/")
    if kind == "book" and key:
        return ["/", f"/service/{key}"]
    if kind == "order" and key:
        return ["/", "/me"]
    if kind in ("inbox", "mall", "wallet", "family", "notice-settings"):
        return ["/", "/me"]
    return [] if kind == "" else ["/"]


class Routes(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        async def go_home(self) -> None: ...
        async def open_service(self, service_id: str) -> None: ...
        async def open_technician(self, technician_id: str) -> None: ...
        async def begin_booking(
            self, service_id: str, *, preferred_technician_id: str | None = None
        ) -> None: ...
        async def open_order(self, order_id: str) -> None: ...
        async def load_me(self) -> None: ...
        async def open_support(self) -> None: ...
        async def load_inbox(self) -> None: ...
        async def load_mall(self) -> None: ...
        async def open_wallet(self) -> None: ...
        async def open_family(self) -> None: ...
        async def open_notice_settings(self) -> None: ...

    async def open_route(self, route: str) -> None:
        """Take ``route`` as where the customer is (one step back when it is the screen
        before, else a screen opened by its address, with its parents behind it) and
        load what it shows. Waits for ``start``: a saved session decides whether an
        order or "me" can be shown."""
        await self.started.wait()
        if route != self.session.route:
            if self.session.history and self.session.history[-1] == route:
                self.session.history.pop()
            else:
                self.session.history = parents(route)
            self.session.route = route
            self.clear_messages()
            self._changed()
        await self.load_route(route)

    async def go_back(self) -> None:
        """The back arrow: the screen before, loaded when the state no longer holds it
        (the parent of a screen opened by a link)."""
        self.back()
        await self.load_route(self.session.route)

    async def load_route(self, route: str) -> None:
        """Load what the screen at ``route`` shows, unless the state holds it already."""
        kind, _, key = route.strip("/").partition("/")
        if kind in ("", "login") and not key:
            return
        if kind == "service" and key:
            if self.catalog.service is None or self.catalog.service.id != key:
                await self.open_service(key)
        elif kind == "technician" and key:
            if self.catalog.technician is None or self.catalog.technician.id != key:
                await self.open_technician(key)
        elif kind == "book" and key:
            if self.booking.draft is None or self.booking.draft.service_id != key:
                await self.begin_booking(key)
        elif kind == "order" and key:
            if self.visit.order is None or self.visit.order.id != key:
                await self.open_order(key)
        elif kind == "me" and not key:
            if not self.me.orders:
                await self.load_me()
        elif kind == "support" and not key:
            if not self.support.support_messages:
                await self.open_support()
        elif kind == "wallet" and not key:
            await self.open_wallet()
        elif kind == "family" and not key:
            await self.open_family()
        elif kind == "notice-settings" and not key:
            await self.open_notice_settings()
        elif kind == "inbox" and not key:
            if self.require_login("/inbox"):
                await self.load_inbox()
        elif kind == "mall" and not key:
            if self.require_login("/mall"):
                await self.load_mall()
        else:  # an address the app has no screen for
            await self.go_home()
