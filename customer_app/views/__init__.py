"""One screen per file; ``view_for(state)`` picks the screen for ``state.route``."""

from __future__ import annotations

import flet as ft

from customer_app.state import CustomerState
from customer_app.views.auth import login_view
from customer_app.views.book import book_view
from customer_app.views.home import home_view
from customer_app.views.me import me_view
from customer_app.views.order import order_view
from customer_app.views.service import service_view, technician_view
from customer_app.views.support import support_view

_PREFIXES = (
    ("/login", login_view),
    ("/service/", service_view),
    ("/technician/", technician_view),
    ("/book/", book_view),
    ("/order/", order_view),
    ("/me", me_view),
    ("/support", support_view),
)


def view_for(state: CustomerState) -> ft.View:
    for prefix, build in _PREFIXES:
        if state.route.startswith(prefix):
            return build(state)
    return home_view(state)
