"""Widgets sized for a technician outdoors: buttons at least 64 px tall, key numbers
at 28 px and up (seed 003: 关键数据采用加粗24px以上字号), green for go, red for alarm.
Every interactive control has a stable ``key`` and an accessible name (its text or a
semantics label), so tests and screen readers find it by role and name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from client.layout import TASK_WIDTH, layout_for
from technician_app.i18n import DEFAULT_LANG, LANGS, t
from technician_app.state import TechnicianState
from technician_app.state.confirmations import Confirmation

GO = "#2E7D32"
STOP = "#C62828"
WARN = "#EF6C00"
PRIMARY = "#1565C0"
MUTED = "#607D8B"
BIG = 28
HUGE = 40
TOUCH = 64


def big_button(
    text: str,
    on_click: Callable[..., Any] | None,
    *,
    key: str,
    color: str = PRIMARY,
    icon: ft.IconData | None = None,
    disabled: bool = False,
    expand: bool | int = True,
    height: int = TOUCH,
) -> ft.Control:
    return ft.FilledButton(
        content=ft.Text(text, size=22, weight=ft.FontWeight.BOLD),
        icon=icon,
        key=key,
        on_click=on_click,
        disabled=disabled,
        height=height,
        expand=expand,
        style=ft.ButtonStyle(
            bgcolor=color if not disabled else None,
            color=ft.Colors.WHITE,
            shape=ft.RoundedRectangleBorder(radius=14),
        ),
    )


def outline_button(
    text: str,
    on_click: Callable[..., Any] | None,
    *,
    key: str,
    icon: ft.IconData | None = None,
    expand: bool | int = True,
    height: int = 56,
) -> ft.Control:
    return ft.OutlinedButton(
        content=ft.Text(text, size=18),
        icon=icon,
        key=key,
        on_click=on_click,
        height=height,
        expand=expand,
    )


def big_number(
    value: str, label: str, *, color: str = PRIMARY, key: str | None = None
) -> ft.Control:
    return ft.Column(
        [
            ft.Text(value, size=BIG, weight=ft.FontWeight.BOLD, color=color, key=key),
            ft.Text(label, size=14, color=MUTED),
        ],
        spacing=2,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
    )


def card(*controls: ft.Control, bgcolor: str | None = None, padding: int = 16) -> ft.Control:
    """A rounded panel; its fields as wide as the panel (a field alone stops at 300 px)."""
    return ft.Container(
        ft.Column(list(controls), spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        padding=padding,
        border_radius=16,
        bgcolor=bgcolor or ft.Colors.SURFACE_CONTAINER_LOW,
    )


def text_field(
    label: str,
    value: str,
    on_change: Callable[[str], None],
    *,
    key: str,
    password: bool = False,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    multiline: bool = False,
) -> ft.Control:
    return ft.TextField(
        label=label,
        value=value,
        key=key,
        password=password,
        can_reveal_password=password,
        keyboard_type=keyboard,
        multiline=multiline,
        text_size=20,
        on_change=lambda e: on_change(e.control.value or ""),
    )


def confirm_dialog(
    confirmation: Confirmation,
    on_confirm: Callable[[], Awaitable[Any]],
    lang: str = DEFAULT_LANG,
) -> ft.AlertDialog:
    """The "are you sure?" step: big buttons, cancel on the left, the yes in its colour."""

    def cancel(_e) -> None:  # noqa: ANN001
        ft.context.page.pop_dialog()

    async def confirm(_e) -> None:  # noqa: ANN001
        ft.context.page.pop_dialog()
        await on_confirm()

    return ft.AlertDialog(
        modal=True,
        title=ft.Text(confirmation.title, size=24, weight=ft.FontWeight.BOLD),
        content=ft.Text(confirmation.text, size=18, key="confirm_text"),
        actions=[
            outline_button(t(lang, "confirm.cancel"), cancel, key="confirm_cancel", expand=False),
            big_button(
                confirmation.confirm_label,
                confirm,
                key="confirm_ok",
                color=STOP if confirmation.danger else GO,
                expand=False,
                height=56,
            ),
        ],
        actions_alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
    )


async def confirm_then(
    confirmation: Confirmation | None,
    run: Callable[[], Awaitable[Any]],
    lang: str = DEFAULT_LANG,
) -> None:
    """Run ``run`` at once when nothing needs confirming, else after the yes."""
    if confirmation is None:
        await run()
        return
    ft.context.page.show_dialog(confirm_dialog(confirmation, run, lang))


def status_strip(state: TechnicianState) -> ft.Control | None:
    """Connection, pending-sync and rejected-sync banner, plus the latest message."""
    rows: list[ft.Control] = []
    lang = state.session.lang
    pending = len(state.waiting_actions)
    rejected = state.rejections
    if not state.sync_state.connected:
        rows.append(
            _banner(
                t(lang, "strip.offline_pending", n=pending)
                if pending
                else t(lang, "strip.offline"),
                WARN,
                key="offline_banner",
            )
        )
    elif pending:
        rows.append(
            _banner(
                t(lang, "strip.pending", n=pending),
                WARN,
                key="pending_banner",
                on_click=lambda _e: ft.context.page.navigate("/sync"),
            )
        )
    if rejected:
        rows.append(
            _banner(
                t(lang, "strip.rejected", n=len(rejected)),
                STOP,
                key="rejected_banner",
                on_click=lambda _e: ft.context.page.navigate("/sync"),
            )
        )
    if state.session.notices:
        notice = state.session.notices[-1]
        color = {"error": STOP, "success": GO}.get(notice.kind, PRIMARY)

        def dismiss(_e) -> None:  # noqa: ANN001
            state.dismiss_notices()

        def open_it(_e, route: str = notice.route or "/") -> None:  # noqa: ANN001
            dismiss(_e)
            ft.context.page.navigate(route)

        buttons = [
            ft.TextButton(
                content=ft.Text(t(lang, "strip.dismiss"), color=ft.Colors.WHITE),
                key="notice_dismiss",
                on_click=dismiss,
            )
        ]
        if notice.route:  # an alert (state/alerts.py on the web): opens what it is about
            buttons.insert(
                0,
                ft.TextButton(
                    content=ft.Text(
                        t(lang, "alert.open"), color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD
                    ),
                    key="notice_open",
                    on_click=open_it,
                ),
            )
        rows.append(
            ft.Container(
                ft.Row(
                    [
                        ft.Text(
                            notice.text,
                            color=ft.Colors.WHITE,
                            size=16,
                            expand=True,
                            key="notice_text",
                        ),
                        *buttons,
                    ]
                ),
                bgcolor=color,
                padding=ft.Padding.symmetric(horizontal=12, vertical=6),
                border_radius=10,
            )
        )
    return ft.Column(rows, spacing=6) if rows else None


def _banner(
    text: str, color: str, *, key: str, on_click: Callable[..., Any] | None = None
) -> ft.Control:
    label = ft.Text(text, color=ft.Colors.WHITE, size=16, weight=ft.FontWeight.BOLD)
    if on_click is not None:
        return ft.Container(
            ft.TextButton(content=label, key=key, on_click=on_click),
            bgcolor=color,
            border_radius=10,
        )
    return ft.Container(
        label,
        bgcolor=color,
        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
        border_radius=10,
        key=key,
    )


def view(
    route: str,
    title: str,
    controls: list[ft.Control],
    state: TechnicianState,
    *,
    back: str | None = "/",
    actions: list[ft.Control] | None = None,
    bottom: ft.BottomAppBar | None = None,
) -> ft.View:
    """The frame of every screen: app bar (with a big back button), status strip, body."""
    leading = None
    if back is not None:
        leading = ft.TextButton(
            content=ft.Text(t(state.session.lang, "back"), size=18),
            icon=ft.Icons.ARROW_BACK,
            key="back",
            on_click=lambda _e: ft.context.page.navigate(back),
        )
    strip = status_strip(state)
    # the strip keeps its slot when it has nothing to say, so a notice that comes or goes
    # never shifts the screen's controls (which would remount them and lose what is typed)
    body = [ft.Container(content=strip, visible=strip is not None, key="status_strip"), *controls]
    # One tree in every layout (a phone's column fills the width, a wider window's keeps
    # one readable column in the middle): a window crossing a breakpoint re-lays out the
    # same controls and keeps what is being typed.
    wide = layout_for(state.session.screen_width) != "phone"
    content = ft.Row(
        [
            ft.Column(
                body,
                spacing=14,
                scroll=ft.ScrollMode.AUTO,
                # fields as wide as the buttons beside them (a field alone stops at 300 px)
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                expand=not wide,
                width=TASK_WIDTH if wide else None,
            )
        ],
        alignment=ft.MainAxisAlignment.CENTER,
        vertical_alignment=ft.CrossAxisAlignment.START,
        expand=True,
    )
    return ft.View(
        route=route,
        appbar=ft.AppBar(
            title=ft.Text(title, size=22, weight=ft.FontWeight.BOLD),
            leading=leading,
            leading_width=110,
            automatically_imply_leading=False,
            actions=actions or [],
        ),
        controls=[content],
        bottom_appbar=bottom,
        padding=16,
    )


def language_menu(state: TechnicianState) -> ft.Control:
    """The 语言 / Language switch of the app bar: each language named in its own words,
    the chosen one ticked; the choice is kept on the device (``state.set_language``)."""
    return ft.PopupMenuButton(
        icon=ft.Icons.TRANSLATE,
        tooltip=t(state.session.lang, "language"),
        key="language",
        items=[
            ft.PopupMenuItem(
                content=t(state.session.lang, f"lang.{lang}"),
                checked=state.session.lang == lang,
                key=f"lang_{lang}",
                on_click=lambda _e, lang=lang: state.set_language(lang),
            )
            for lang in LANGS
        ],
    )
