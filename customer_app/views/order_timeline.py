"""The order's timeline: what happened when, in the customer's words (dispatch's churn as
one line, a done step by its name in the customer's language)."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import keyed, local, muted, section
from customer_app.i18n import MATCHING_EVENT, event_label, t
from customer_app.model import MATCHING, customer_timeline
from customer_app.state import CustomerState


def timeline_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    # a step's event names it in Chinese only; the order's checklist names it in both
    steps = (
        {s.no: {"zh": s.title_zh, "en": s.title_en} for s in state.visit.order.sop}
        if state.visit.order
        else {}
    )
    rows = []
    for e in reversed(customer_timeline(state.visit.events)):
        kind = MATCHING_EVENT if e.type == MATCHING else e.type
        payload = dict(e.payload)
        if payload.get("step_no") in steps:
            payload["title"] = steps[payload["step_no"]]
        label = event_label(lang, kind, payload)
        rows.append(
            keyed(
                f"event-{e.seq}",
                ft.Row(
                    [
                        ft.Icon(ft.Icons.CIRCLE, size=10, color=ft.Colors.TEAL_700),
                        ft.Text(local(e.occurred_at, "%H:%M"), width=48, size=13),
                        ft.Text(label, expand=True),
                    ]
                ),
                label=f"{local(e.occurred_at, '%H:%M')} {label}",
            )
        )
    return section(t(lang, "timeline"), *(rows or [muted(t(lang, "loading"))]))
