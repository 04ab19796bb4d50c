"""Pending-sync and rejected actions: nothing done offline is ever hidden."""

from __future__ import annotations

import flet as ft

from client.citytime import CITY_TZ
from technician_app.components.widgets import (
    GO,
    MUTED,
    STOP,
    WARN,
    big_button,
    card,
    outline_button,
    view,
)
from technician_app.context import use_app
from technician_app.state import ACTION_LABELS


@ft.component
def SyncView():  # noqa: ANN201
    state = use_app()

    async def sync(_e) -> None:  # noqa: ANN001
        await state.sync()

    pending: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.SCHEDULE, color=WARN),
                ft.Text(
                    f"{ACTION_LABELS.get(a.kind, a.kind)} · "
                    f"{a.occurred_at.astimezone(CITY_TZ):%H:%M:%S}",
                    size=16,
                    expand=True,
                ),
                ft.Text("待同步", color=WARN),
            ]
        )
        for a in state.pending_actions
    ]
    rejected = [
        card(
            ft.Text(
                f"{ACTION_LABELS.get(a.kind, a.kind)}被拒绝",
                size=18,
                weight=ft.FontWeight.BOLD,
                color=STOP,
            ),
            ft.Text(state._refusal_text(a), size=16),
            ft.Text(
                f"操作时间 {a.occurred_at.astimezone(CITY_TZ):%m-%d %H:%M:%S} · "
                f"订单 {a.order_id or '—'}",
                size=14,
                color=MUTED,
            ),
            ft.Row(
                [
                    outline_button(
                        "我知道了", lambda _e, aid=a.id: state.acknowledge(aid), key=f"ack_{a.id}"
                    )
                ]
            ),
        )
        for a in state.rejections
    ]
    return view(
        "/sync",
        "同步记录",
        [
            ft.Text(
                "已连接" if state.connected else "离线",
                size=26,
                weight=ft.FontWeight.BOLD,
                color=GO if state.connected else WARN,
                key="connection_state",
            ),
            ft.Row([big_button("立即同步", sync, key="sync_now")]),
            ft.Text("待同步", size=22, weight=ft.FontWeight.BOLD),
            *(pending or [ft.Text("没有待同步的操作", color=MUTED)]),
            ft.Text("被拒绝的操作", size=22, weight=ft.FontWeight.BOLD),
            *(rejected or [ft.Text("没有被拒绝的操作", color=MUTED)]),
        ],
        state,
    )
