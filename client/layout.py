"""Which layout a screen gets by the window's width, for both apps; and which of the
customer app's tabs is the current one. Pure.

A phone gets the full width (the customer app: the bottom tab bar); a tablet the content
held to a readable measure in the middle; a desktop a wider column in the middle (the
customer app's tabs in the top bar), instead of the phone layout stretched across 1 280 px.
The technician app's screens are task lists: on a tablet or a desktop they keep one
column of ``TASK_WIDTH``.
"""

from __future__ import annotations

from typing import Literal

Layout = Literal["phone", "tablet", "desktop"]
Tab = Literal["home", "support", "me"]

TABLET_FROM = 600.0  # logical pixels: Material's compact / medium breakpoint
DESKTOP_FROM = 1024.0
CONTENT_WIDTH: dict[Layout, float | None] = {"phone": None, "tablet": 680.0, "desktop": 880.0}
TABS: tuple[Tab, ...] = ("home", "support", "me")
TASK_WIDTH = 720.0


def layout_for(width: float | None) -> Layout:
    """The layout of a window ``width`` logical pixels wide (unknown: a phone's)."""
    if width is None or width < TABLET_FROM:
        return "phone"
    return "tablet" if width < DESKTOP_FROM else "desktop"


def current_tab(route: str) -> Tab | None:
    """The tab a route belongs to: an order, the inbox, the wallet, the points mall and
    the family account are "me", a service and its booking belong to home; sign-in
    belongs to none."""
    if route.startswith("/support"):
        return "support"
    if route.startswith(("/me", "/order/", "/inbox", "/wallet", "/mall", "/family")):
        return "me"
    if route.startswith("/login"):
        return None
    return "home"
