"""Later days' jobs (明日, 后天, a date), listed apart from today's route: the home
screen puts ``*upcoming_section(state)`` under today's jobs."""

from __future__ import annotations

import flet as ft

from client.citytime import CITY_TZ
from technician_app.components.widgets import MUTED, card, outline_button
from technician_app.context import go
from technician_app.state import STATUS_LABELS, TechnicianState


def upcoming_section(state: TechnicianState) -> list[ft.Control]:
    """A heading and one row per later job (nothing when there is none)."""
    jobs = state.upcoming()
    if not jobs:
        return []
    rows: list[ft.Control] = [ft.Text("以后的订单", size=22, weight=ft.FontWeight.BOLD)]
    for label, order in jobs:
        rows.append(
            card(
                ft.Text(
                    f"{label} {order.scheduled_start.astimezone(CITY_TZ):%H:%M}",
                    size=20,
                    weight=ft.FontWeight.BOLD,
                ),
                ft.Text(
                    f"{order.service_name_zh} · {order.district} · "
                    f"{STATUS_LABELS.get(order.status, '')}",
                    size=16,
                    color=MUTED,
                ),
                ft.Row(
                    [
                        outline_button(
                            "查看订单",
                            lambda _e, oid=order.id: go(f"/order/{oid}"),
                            key=f"open_upcoming_{order.id}",
                        )
                    ]
                ),
            )
        )
    return rows
