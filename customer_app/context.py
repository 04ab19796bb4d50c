"""How screens reach the app state: a Flet context, not a global (the provider in
:mod:`customer_app.main` gives every screen the one state object), and the stores a
screen follows."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from customer_app.state import CustomerState

# None outside ``App``
AppContext: ft.ContextProvider[CustomerState | None] = ft.create_context(None)


def use_app(*stores: str) -> CustomerState:
    """The state object, and a re-render of the calling screen when the session or one
    of the named stores (``customer_app.state.stores``) changes."""
    state = ft.use_context(AppContext)
    if state is None:
        raise RuntimeError("use_app() called in a screen rendered outside App")
    _, set_tick = ft.use_state(0)

    def subscribe() -> Callable[[], None]:
        return state.subscribe(lambda: set_tick(lambda tick: tick + 1), ("session", *stores))

    ft.use_effect(subscribe, [])
    return state
