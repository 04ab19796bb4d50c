"""The order screen's 申请改约 panel: the newest request and how it stands (pushed when the
customer answers), and, while the server offers it (``request_delay``), a new day and
time from two lists and the reason the customer reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from client.models import DelayRequestRead
from technician_app.components.offer_card import local_time
from technician_app.components.widgets import GO, MUTED, STOP, WARN, card, outline_button
from technician_app.components.widgets import text_field as field
from technician_app.i18n import t
from technician_app.state import TechnicianState

Handler = Callable[[Any], Awaitable[None]]
Form = dict[str, tuple[str, Callable[[str], None]]]
_COLOURS = {"pending": WARN, "accepted": GO, "declined": STOP, "expired": STOP}


def delay_status(lang: str, request: DelayRequestRead) -> str:
    """Where the newest request stands, in the technician's words."""
    return t(
        lang,
        f"delay.status.{request.status}",
        when=local_time(request.to_start),
        until=local_time(request.expires_at),
    )


def delay_panel(state: TechnicianState, order_id: str, form: Form, submit: Handler) -> ft.Control:
    """The panel itself. ``form``: each field's value and setter by name (``day``,
    ``time``, ``reason``); ``submit`` sends the request."""
    lang = state.session.lang
    (day, set_day), (at, set_at), (reason, set_reason) = form["day"], form["time"], form["reason"]

    def pick_day(e) -> None:  # noqa: ANN001
        set_day(e.control.value or day)
        set_at("")  # the times differ by day (today's past ones are not offered)

    rows: list[ft.Control] = [ft.Text(t(lang, "delay.title"), size=20, weight=ft.FontWeight.BOLD)]
    last = state.last_delay(order_id)
    if last is not None:
        rows.append(
            ft.Text(
                delay_status(lang, last),
                size=18,
                weight=ft.FontWeight.BOLD,
                color=_COLOURS.get(last.status, MUTED),
                key="delay_status",
            )
        )
        rows.append(ft.Text(t(lang, "delay.reason_line", text=last.reason), size=16))
    if state.may_request_delay(order_id):
        times = state.delay_times(day)
        rows += [
            ft.Text(t(lang, "delay.hint"), size=15, color=MUTED),
            ft.Dropdown(
                label=t(lang, "delay.day"),
                value=day,
                options=[ft.DropdownOption(key=iso, text=name) for iso, name in state.delay_days()],
                key="delay_day",
                on_select=pick_day,
            ),
            ft.Dropdown(
                label=t(lang, "delay.time"),
                value=at if at in times else None,
                options=[ft.DropdownOption(key=hhmm, text=hhmm) for hhmm in times],
                key="delay_time",
                on_select=lambda e: set_at(e.control.value or ""),
            ),
            field(t(lang, "delay.reason"), reason, set_reason, key="delay_reason", multiline=True),
            ft.Row(
                [
                    outline_button(
                        t(lang, "delay.submit"), submit, key="request_delay", icon=ft.Icons.SCHEDULE
                    )
                ]
            ),
        ]
    return card(*rows)


@ft.component
def DelayPanel(state: TechnicianState, order_id: str):  # noqa: ANN201
    day, set_day = ft.use_state(state.delay_days()[1][0])  # tomorrow, the usual move
    at, set_at = ft.use_state("")
    reason, set_reason = ft.use_state("")

    async def submit(_e) -> None:  # noqa: ANN001
        if await state.request_delay(order_id, day, at, reason) is not None:
            set_at("")
            set_reason("")

    form: Form = {"day": (day, set_day), "time": (at, set_at), "reason": (reason, set_reason)}
    return delay_panel(state, order_id, form, submit)
