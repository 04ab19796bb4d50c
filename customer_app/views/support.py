"""Chat with customer support."""

from __future__ import annotations

import flet as ft

from client.models import ChatRead
from customer_app.components.common import act, button, field, muted, page_view, section
from customer_app.i18n import t
from customer_app.state import CustomerState


def message_bubble(msg: ChatRead, mine: bool) -> ft.Control:
    return ft.Row(
        [
            ft.Container(
                content=ft.Text(msg.text),
                padding=ft.Padding.all(8),
                border_radius=10,
                bgcolor=ft.Colors.TEAL_100 if mine else ft.Colors.GREY_200,
            )
        ],
        alignment=ft.MainAxisAlignment.END if mine else ft.MainAxisAlignment.START,
    )


def chat_panel(state: CustomerState, messages: list[ChatRead], key: str, on_send) -> ft.Control:  # noqa: ANN001
    lang = state.session.lang
    me = state.session.user.id if state.session.user else None
    bubbles = [message_bubble(m, m.sender_id == me) for m in messages[-30:]]
    return ft.Column(
        [
            *(bubbles or [muted(t(lang, "none"))]),
            ft.Row(
                [
                    field(state, f"{key}-text", t(lang, "message"), expand=True, on_submit=on_send),
                    button(f"{key}-send", t(lang, "send"), on_send),
                ]
            ),
        ],
        spacing=6,
    )


def support_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    if "support_chat" in state.session.missing:
        body: ft.Control = muted(t(lang, "unavailable"))
    else:
        body = chat_panel(
            state, state.support.support_messages, "support", act(state.submit_support)
        )
    return page_view(
        state, "/support", t(lang, "chat_support"), [section(t(lang, "chat_support"), body)]
    )
