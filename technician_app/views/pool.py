"""The open grab pool: the same card as an offer; exactly one claim wins.

The screen follows the server by itself: it loads the pool when it opens, and the live
feed's pool messages (an order entering the pool, or taken by someone else) reload it
(``state/live.py``); 刷新 is only for a technician who wants to be sure."""

from __future__ import annotations

import flet as ft

from technician_app.components.offer_card import OfferCard
from technician_app.components.widgets import MUTED, outline_button, view
from technician_app.context import go, use_app
from technician_app.i18n import t


@ft.component
def PoolView():  # noqa: ANN201
    state = use_app("work", "live")

    async def reload(_e) -> None:  # noqa: ANN001
        await state.load_pool()

    def load_on_opening():  # noqa: ANN202
        ft.context.page.run_task(state.load_pool)

    ft.use_effect(load_on_opening, [])

    cards = [
        OfferCard(o, state, on_accepted=lambda oid: go(f"/order/{oid}"), full=False)
        for o in state.work.pool
    ]
    if "pool" in state.session.unavailable:
        cards = [ft.Text(t(state.session.lang, "pool.unavailable"), size=18, color=MUTED)]
    elif not cards:
        cards = [ft.Text(t(state.session.lang, "pool.empty"), size=18, color=MUTED)]
    return view(
        "/pool",
        t(state.session.lang, "nav.pool"),
        [
            ft.Row(
                [outline_button(t(state.session.lang, "pool.refresh"), reload, key="pool_refresh")]
            ),
            *cards,
        ],
        state,
    )
