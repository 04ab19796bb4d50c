"""How screens reach the app state: a Flet context, not a global (ARCHITECTURE.md §8)."""

from __future__ import annotations

import flet as ft

from technician_app.state import TechnicianState

# None outside ``App`` (the provider in main.py gives every screen the one state object).
AppContext: ft.ContextProvider[TechnicianState | None] = ft.create_context(None)


def use_app(*stores: str) -> TechnicianState:
    """The state object, and a re-render of the calling screen when one of the named
    stores (``technician_app.state.stores``) changes, or the session or the sync store
    that every screen's status strip reads."""
    state = ft.use_context(AppContext)
    if state is None:
        raise RuntimeError("use_app() called in a screen rendered outside App")
    _, set_tick = ft.use_state(0)

    def subscribe():  # noqa: ANN202
        return state.subscribe(
            lambda: set_tick(lambda tick: tick + 1), ("session", "sync", *stores)
        )

    ft.use_effect(subscribe, [])
    return state


def go(route: str) -> None:
    ft.context.page.navigate(route)
