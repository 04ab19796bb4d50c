"""The open grab pool: the same card as an offer; exactly one claim wins."""

from __future__ import annotations

import flet as ft

from technician_app.components.offer_card import OfferCard
from technician_app.components.widgets import MUTED, outline_button, view
from technician_app.context import go, use_app
from technician_app.i18n import t


@ft.component
def PoolView():  # noqa: ANN201
    state = use_app()

    async def reload(_e) -> None:  # noqa: ANN001
        await state.load_pool()

    cards = [
        OfferCard(o, state, on_accepted=lambda oid: go(f"/order/{oid}"), full=False)
        for o in state.pool
    ]
    if "pool" in state.unavailable:
        cards = [ft.Text(t(state.lang, "pool.unavailable"), size=18, color=MUTED)]
    elif not cards:
        cards = [ft.Text(t(state.lang, "pool.empty"), size=18, color=MUTED)]
    return view(
        "/pool",
        t(state.lang, "nav.pool"),
        [
            ft.Row([outline_button(t(state.lang, "pool.refresh"), reload, key="pool_refresh")]),
            *cards,
        ],
        state,
    )
