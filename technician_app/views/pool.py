"""The open grab pool: the same card as an offer; exactly one claim wins."""

from __future__ import annotations

import flet as ft

from technician_app.components.offer_card import OfferCard
from technician_app.components.widgets import MUTED, outline_button, view
from technician_app.context import go, use_app


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
        cards = [ft.Text("服务器暂未开放抢单池", size=18, color=MUTED)]
    elif not cards:
        cards = [ft.Text("暂无可抢订单", size=18, color=MUTED)]
    return view(
        "/pool",
        "抢单池",
        [ft.Row([outline_button("刷新", reload, key="pool_refresh")]), *cards],
        state,
    )
