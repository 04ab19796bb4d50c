"""The inbox: reminders to set off, certificates to renew, decisions on complaints. New ones
appear as they are pushed (the live feed); a tap marks one read and opens its order."""

from __future__ import annotations

from datetime import datetime

import flet as ft

from client.citytime import CITY_TZ
from client.notices import notice_route
from technician_app.components.widgets import GO, MUTED, outline_button, view
from technician_app.context import use_app
from technician_app.i18n import notice_label, t


def _when(moment: datetime) -> str:
    return moment.astimezone(CITY_TZ).strftime("%m-%d %H:%M")


@ft.component
def InboxView():  # noqa: ANN201
    state = use_app("live")

    def load_on_opening():  # noqa: ANN202
        ft.context.page.run_task(state.load_inbox)

    ft.use_effect(load_on_opening, [])
    lang = state.session.lang

    async def read_all(_e) -> None:  # noqa: ANN001
        await state.read_all_notices()

    rows: list[ft.Control] = []
    for note in state.live.inbox:
        unread = note.read_at is None

        async def open_it(_e, nid=note.id, unread=unread, data=note.data) -> None:  # noqa: ANN001
            """Read, and what it is about opened (its order), the inbox behind it."""
            if unread:
                await state.read_notice(nid)
            route = notice_route(data)
            if route is not None:
                ft.context.page.navigate(route)

        title = notice_label(lang, note.kind, note.title)
        rows.append(
            ft.ListTile(
                key=f"notice-{note.id}",
                leading=ft.Icon(
                    ft.Icons.MARK_EMAIL_UNREAD if unread else ft.Icons.DRAFTS,
                    color=GO if unread else MUTED,
                ),
                title=ft.Text(title, size=18, weight=ft.FontWeight.BOLD if unread else None),
                subtitle=ft.Text(f"{note.body} · {_when(note.created_at)}", size=15),
                trailing=ft.Text(t(lang, "inbox_new"), color=GO) if unread else None,
                on_click=open_it,
            )
        )
    if "inbox" in state.session.unavailable:
        rows = [ft.Text(t(lang, "inbox_unavailable"), size=18, color=MUTED)]
    elif not rows:
        rows = [ft.Text(t(lang, "inbox_empty"), size=18, color=MUTED)]
    return view(
        "/inbox",
        t(lang, "inbox"),
        [
            ft.Row([outline_button(t(lang, "inbox_read_all"), read_all, key="inbox_read_all")]),
            *rows,
        ],
        state,
    )
