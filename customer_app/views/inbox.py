"""The inbox: the customer's notifications, newest first; new ones appear as they are
pushed (the live feed); a tap marks one read and opens what it is about (its order, the
family invitation)."""

from __future__ import annotations

import flet as ft

from client.models import NotificationRead
from customer_app.components.common import act, button, keyed, local, muted, page_view
from customer_app.i18n import notice_label, t
from customer_app.state import CustomerState


def notice_tile(state: CustomerState, note: NotificationRead) -> ft.Control:
    lang = state.session.lang
    unread = note.read_at is None
    title = notice_label(lang, note.kind, note.title)
    return keyed(
        f"notice-{note.id}",
        ft.ListTile(
            key=f"notice-{note.id}",
            leading=ft.Icon(
                ft.Icons.MARK_EMAIL_UNREAD if unread else ft.Icons.DRAFTS,
                color=ft.Colors.TEAL_700 if unread else ft.Colors.GREY_500,
            ),
            title=ft.Text(title, weight=ft.FontWeight.BOLD if unread else None),
            subtitle=ft.Text(f"{note.body} · {local(note.created_at)}", size=12),
            trailing=ft.Text(t(lang, "inbox_new"), color=ft.Colors.TEAL_700) if unread else None,
            on_click=act(state.open_notice, note.id),
            dense=True,
        ),
        label=title,
        selected=unread or None,
    )


def inbox_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    if "inbox" in state.session.missing:
        controls: list[ft.Control] = [muted(t(lang, "unavailable"))]
    else:
        tiles = [notice_tile(state, n) for n in state.support.notices]
        controls = [
            button(
                "inbox-read-all",
                t(lang, "inbox_read_all"),
                act(state.read_all_notices),
                kind="outlined",
                disabled=state.support.unread_notices == 0,
            ),
            *(tiles or [muted(t(lang, "inbox_empty"))]),
        ]
    return page_view(state, "/inbox", t(lang, "inbox"), controls)
