"""Where an urgent alert goes: a system notification on a device, a banner in the app on
the web. The state decides *when* (``technician_app.state.alerts``); a ``Notifier`` only
delivers. Each alert carries a route as its payload (``/`` for an offer, ``/order/...`` for
an order's news, ``/inbox`` for a notice): tapping it opens that screen.

``technician_app.alerts.SystemNotifier`` is the device's (flet-notifications, only in a
built app); :class:`InAppNotifier` the web build's (the status strip's notice with an
open button); :class:`RecordingNotifier` the state tests'; :class:`SilentNotifier` the
default of a state with no screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Alert:
    """One notification as the technician reads it; ``payload`` is the route it opens."""

    title: str
    body: str
    payload: str


class Notifier(Protocol):
    async def notify(self, title: str, body: str, payload: str) -> None:
        """Show one alert; never raises (an alert that cannot be shown is logged)."""
        ...

    async def ask_permission(self) -> bool:
        """Ask the system for the right to notify (the dialog, where there is one)."""
        ...


class SilentNotifier:
    """Delivers nothing: a state with no screen (scripts, the simulation)."""

    async def notify(self, title: str, body: str, payload: str) -> None:
        return None

    async def ask_permission(self) -> bool:
        return False


@dataclass
class RecordingNotifier:
    """Keeps what it was asked to show, for tests."""

    granted: bool = True
    sent: list[Alert] = field(default_factory=list)
    permission_asks: int = 0

    async def notify(self, title: str, body: str, payload: str) -> None:
        self.sent.append(Alert(title, body, payload))

    async def ask_permission(self) -> bool:
        self.permission_asks += 1
        return self.granted


class InAppNotifier:
    """The web build: the browser's notifications are out of Flet's reach, so the alert
    becomes the status strip's notice on whatever screen is open, with a button to the
    screen it concerns. There is nothing to ask permission for."""

    def __init__(self, show: Callable[[Alert], None]) -> None:
        self._show = show

    async def notify(self, title: str, body: str, payload: str) -> None:
        self._show(Alert(title, body, payload))

    async def ask_permission(self) -> bool:
        return True
