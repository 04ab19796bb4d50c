"""通知设置 (home → 通知设置, beside 培训): a switch per outside channel and per kind of
notice he may do without, saved as soon as it is turned; his work alerts, a visit moved
and safety shown on and disabled, with why."""

from __future__ import annotations

import flet as ft

from client.notice_settings import Switch, switch_words
from technician_app.components.widgets import MUTED, card, view
from technician_app.context import use_app
from technician_app.i18n import TEXTS, t
from technician_app.state import TechnicianState


@ft.component
def NoticeSettingsView():  # noqa: ANN201
    state = use_app("me")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_notice_settings)

    ft.use_effect(load, [])
    lang = state.session.lang
    title = t(lang, "notice_settings")
    prefs = state.me.notice_settings
    if prefs is None:
        key = (
            "notice_settings.unavailable"
            if "notice_settings" in state.session.unavailable
            else "notice_settings.loading"
        )
        return view("/notice-settings", title, [ft.Text(t(lang, key), size=18, color=MUTED)], state)
    heading = ft.FontWeight.BOLD
    return view(
        "/notice-settings",
        title,
        [
            card(
                ft.Text(t(lang, "notice_settings.channels"), size=20, weight=heading),
                *[_switch(state, "channel", c.channel, c.on) for c in prefs.channels],
                ft.Text(t(lang, "notice_settings.channels_note"), size=15, color=MUTED),
            ),
            card(
                ft.Text(t(lang, "notice_settings.groups"), size=20, weight=heading),
                *[_switch(state, "group", g.group, g.on, locked=g.locked) for g in prefs.groups],
            ),
        ],
        state,
    )


def _switch(
    state: TechnicianState, switch: Switch, name: str, on: bool, *, locked: bool = False
) -> ft.Control:
    lang = state.session.lang
    label, hint = switch_words(TEXTS, lang, switch, name, locked=locked)

    async def turn(_e) -> None:  # noqa: ANN001
        await state.set_notice_switch(switch, name, not on)

    # the whole row turns the switch: a gloved finger need not find the switch itself
    return ft.ListTile(
        title=ft.Text(label, size=18),
        subtitle=ft.Text(hint, size=15, color=MUTED) if hint else None,
        trailing=ft.Switch(
            value=on, key=f"notice_{switch}_{name}", disabled=locked, on_change=turn
        ),
        on_click=None if locked else turn,
        key=f"notice_row_{switch}_{name}",
    )
