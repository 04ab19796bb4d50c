"""Later days' jobs (明日, 后天, a date), listed apart from today's route: the home
screen puts ``*upcoming_section(state)`` under today's jobs."""

from __future__ import annotations

import flet as ft

from client.citytime import CITY_TZ
from technician_app.components.widgets import MUTED, card, outline_button
from technician_app.context import go
from technician_app.i18n import local_name, t
from technician_app.state import STATUS_LABELS, TechnicianState


def upcoming_section(state: TechnicianState) -> list[ft.Control]:
    """A heading and one row per later job (nothing when there is none)."""
    jobs = state.upcoming()
    if not jobs:
        return []
    lang = state.session.lang
    rows: list[ft.Control] = [ft.Text(t(lang, "home.upcoming"), size=22, weight=ft.FontWeight.BOLD)]
    for label, order in jobs:
        rows.append(
            card(
                ft.Text(
                    f"{label} {order.scheduled_start.astimezone(CITY_TZ):%H:%M}",
                    size=20,
                    weight=ft.FontWeight.BOLD,
                ),
                ft.Text(
                    f"{local_name(lang, order.service_name_zh, order.service_name_en)} · "
                    f"{order.district} · {STATUS_LABELS[lang].get(order.status, '')}",
                    size=16,
                    color=MUTED,
                ),
                ft.Row(
                    [
                        outline_button(
                            t(lang, "home.view_order"),
                            lambda _e, oid=order.id: go(f"/order/{oid}"),
                            key=f"open_upcoming_{order.id}",
                        )
                    ]
                ),
            )
        )
    return rows
