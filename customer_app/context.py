"""How screens reach the app state: a Flet context, not a global (the provider in
:mod:`customer_app.main` gives every screen the one state object)."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from customer_app.state import CustomerState

# None outside ``App``
AppContext: ft.ContextProvider[CustomerState | None] = ft.create_context(None)


def use_app() -> CustomerState:
    """The state object, and a re-render of the calling screen whenever it changes."""
    state = ft.use_context(AppContext)
    if state is None:
        raise RuntimeError("use_app() called in a screen rendered outside App")
    _, set_tick = ft.use_state(0)

    def subscribe() -> Callable[[], None]:
        return state.subscribe(lambda: set_tick(lambda tick: tick + 1))

    ft.use_effect(subscribe, [])
    return state
