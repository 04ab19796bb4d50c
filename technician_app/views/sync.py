"""Pending-sync and rejected actions: nothing done offline is ever hidden."""

from __future__ import annotations

import flet as ft

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
from technician_app.i18n import t
from technician_app.state import ACTION_LABELS
from technician_app.state.action_words import action_summary


@ft.component
def SyncView():  # noqa: ANN201
    state = use_app("work")

    async def sync(_e) -> None:  # noqa: ANN001
        await state.sync()

    lang = state.session.lang
    actions = ACTION_LABELS[lang]

    pending: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.SCHEDULE, color=WARN),
                ft.Text(
                    action_summary(a, state.work.orders.get(a.order_id or ""), lang),
                    size=16,
                    expand=True,
                ),
                ft.Text(t(lang, "sync.pending"), color=WARN),
            ]
        )
        for a in state.pending_actions
    ]
    rejected = [
        card(
            ft.Text(
                t(lang, "sync.rejected", action=actions.get(a.kind, a.kind)),
                size=18,
                weight=ft.FontWeight.BOLD,
                color=STOP,
            ),
            ft.Text(state.refusal_text(a), size=16),
            ft.Text(
                action_summary(a, state.work.orders.get(a.order_id or ""), lang),
                size=14,
                color=MUTED,
            ),
            ft.Row(
                [
                    outline_button(
                        t(lang, "sync.ack"),
                        lambda _e, aid=a.id: state.acknowledge(aid),
                        key=f"ack_{a.id}",
                    )
                ]
            ),
        )
        for a in state.rejections
    ]
    return view(
        "/sync",
        t(lang, "sync.title"),
        [
            ft.Text(
                t(lang, "sync.connected" if state.sync_state.connected else "sync.offline"),
                size=26,
                weight=ft.FontWeight.BOLD,
                color=GO if state.sync_state.connected else WARN,
                key="connection_state",
            ),
            ft.Row([big_button(t(lang, "sync.now"), sync, key="sync_now")]),
            ft.Text(t(lang, "sync.pending"), size=22, weight=ft.FontWeight.BOLD),
            *(pending or [ft.Text(t(lang, "sync.no_pending"), color=MUTED)]),
            ft.Text(t(lang, "sync.rejected_title"), size=22, weight=ft.FontWeight.BOLD),
            *(rejected or [ft.Text(t(lang, "sync.no_rejected"), color=MUTED)]),
        ],
        state,
    )
