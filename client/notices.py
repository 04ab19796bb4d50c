"""What both apps do with a notice from the inbox beyond showing it."""

from __future__ import annotations

from typing import Any


def notice_route(data: dict[str, Any]) -> str | None:
    """The app screen a notice is about: the route it names (one of the app's own), else
    its order's page, else none (a notice that is only news)."""
    route = data.get("route")
    if isinstance(route, str) and route.startswith("/") and not route.startswith("//"):
        return route
    order_id = data.get("order_id")
    return f"/order/{order_id}" if isinstance(order_id, str) and order_id else None
