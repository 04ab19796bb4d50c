"""通知设置 (from 我的): a switch per outside channel and per kind of notice the customer
may do without, saved as soon as it is turned; the essential kinds shown on and disabled,
with why. The state (``customer_app.state.notice_settings``) holds what the server saved."""

from __future__ import annotations

import flet as ft

from client.notice_settings import Switch, switch_words
from customer_app.components.common import act, keyed, muted, page_view, section
from customer_app.i18n import TEXTS, t
from customer_app.state import CustomerState


def _switch(
    state: CustomerState, switch: Switch, name: str, on: bool, *, locked: bool = False
) -> ft.Control:
    lang = state.session.lang
    label, hint = switch_words(TEXTS, lang, switch, name, locked=locked)
    key = f"notice-{switch}-{name}"
    turn = None if locked else act(state.set_notice_switch, switch, name, not on)
    return keyed(
        key,
        ft.ListTile(  # the whole row turns the switch, not only the switch itself
            title=ft.Text(label),
            subtitle=ft.Text(hint, size=12) if hint else None,
            trailing=ft.Switch(
                value=on, key=key, disabled=locked or state.session.busy, on_change=turn
            ),
            on_click=turn,
            dense=True,
        ),
    )


def notice_settings_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    prefs = state.me.notice_settings
    title = t(lang, "notice_settings")
    if prefs is None:
        key = (
            "notice_settings.unavailable"
            if "notice_settings" in state.session.missing
            else "notice_settings.loading"
        )
        return page_view(state, "/notice-settings", title, [muted(t(lang, key))])
    controls: list[ft.Control] = [
        section(
            t(lang, "notice_settings.channels"),
            *[_switch(state, "channel", c.channel, c.on) for c in prefs.channels],
            muted(t(lang, "notice_settings.channels_note"), 12),
        ),
        section(
            t(lang, "notice_settings.groups"),
            *[_switch(state, "group", g.group, g.on, locked=g.locked) for g in prefs.groups],
        ),
    ]
    return page_view(state, "/notice-settings", title, controls)
