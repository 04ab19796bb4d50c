"""The order page's section for the technician's request to move the visit (改约): the
booked and the new time, his reason and the deadline, with 同意 / 拒绝 while it waits;
afterwards one line saying what became of it."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import act, button, keyed, local, muted, section
from customer_app.i18n import t
from customer_app.state import CustomerState


def delay_section(state: CustomerState) -> ft.Control | None:
    lang = state.session.lang
    request = state.pending_delay()
    if request is None:
        done = state.delay_outcome()
        if done is None:
            return None
        words = t(lang, f"delay_{done.status}", when=local(done.to_start))
        return keyed("delay-outcome", muted(words), label=words)
    new_time = t(lang, "delay_to", when=local(request.to_start))
    return section(
        t(lang, "delay_title"),
        ft.Text(t(lang, "delay_from", when=local(request.from_start))),
        keyed(
            "delay-new-time",
            ft.Text(new_time, weight=ft.FontWeight.BOLD, color=ft.Colors.TEAL_800),
            label=new_time,
        ),
        ft.Text(t(lang, "delay_reason", reason=request.reason)),
        muted(t(lang, "delay_deadline", until=local(request.expires_at))),
        ft.Row(
            [
                button("delay-accept", t(lang, "delay_accept"), act(state.answer_delay, True)),
                button(
                    "delay-decline",
                    t(lang, "delay_decline"),
                    act(state.answer_delay, False),
                    kind="outlined",
                ),
            ],
            alignment=ft.MainAxisAlignment.END,
            wrap=True,
        ),
    )
