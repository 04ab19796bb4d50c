"""Small building blocks shared by the screens.

Every interactive control carries a stable ``key`` and sits in a ``Semantics`` node with
the same ``identifier`` (the DOM attribute ``flt-semantics-identifier`` on the web), and
its visible text or ``label`` is its accessible name, so browser tests find it by role
and name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import flet as ft
from pydantic import BaseModel

from client.citytime import CITY_TZ
from client.layout import CONTENT_WIDTH, TABS, current_tab, layout_for
from client.models import ServiceRead, ServiceSummary
from customer_app.i18n import DEFAULT_LANG, money, t
from customer_app.model import parse_time

BUTTON_HEIGHT = 48  # Material's minimum touch target
# A form field's key -> the request field a refusal names, where the two differ.
FORM_KEYS = {"area": "area_m2", "addr_query": "address"}

PRIMARY = ft.Colors.TEAL_700
MUTED = ft.Colors.GREY_700


def act(
    fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
) -> Callable[[Any], Awaitable[None]]:
    """An async click handler that runs one state action."""

    async def handler(_e: Any) -> None:
        await fn(*args, **kwargs)

    return handler


def do(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[Any], None]:
    """A sync click handler that runs one state call."""

    def handler(_e: Any) -> None:
        fn(*args, **kwargs)

    return handler


def keyed(key: str, control: ft.Control, label: str | None = None, **semantics: Any) -> ft.Control:
    # the wrapper takes the child's flex so an expanding field still fills its Row; only
    # when it really expands (a flex wrapper inside a wrapping Row fails to lay out)
    return ft.Semantics(
        identifier=key,
        label=label,
        content=control,
        expand=getattr(control, "expand", None) or None,
        **semantics,
    )


def button(
    key: str,
    label: str,
    on_click: Any,
    *,
    kind: str = "filled",
    icon: Any = None,
    disabled: bool = False,
    expand: bool = False,
    selected: bool = False,
) -> ft.Control:
    """A button at least 48 px tall (a thumb's target), its words its accessible name."""
    cls = {
        "filled": ft.FilledButton,
        "outlined": ft.OutlinedButton,
        "text": ft.TextButton,
        "tonal": ft.FilledTonalButton,
    }[kind]
    control = cls(
        content=label,
        icon=icon,
        key=key,
        on_click=on_click,
        disabled=disabled,
        expand=expand,
        height=BUTTON_HEIGHT,
    )
    return keyed(key, control, selected=selected or None)


def icon_button(key: str, icon: Any, label: str, on_click: Any) -> ft.Control:
    return keyed(key, ft.IconButton(icon=icon, tooltip=label, key=key, on_click=on_click))


def field(
    state: Any,
    key: str,
    label: str,
    *,
    password: bool = False,
    multiline: bool = False,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    width: int | None = None,
    expand: bool = False,
    on_submit: Any = None,
    on_change: Callable[[], Awaitable[Any]] | None = None,
    ref: ft.Ref | None = None,
) -> ft.Control:
    """A text field whose value lives in ``state.session.form[key]`` (survives re-renders);
    ``on_change`` runs after each edit is kept."""

    async def changed(e: Any) -> None:
        state.session.form[key] = e.control.value
        if key in state.session.field_errors:  # edited: the refusal no longer describes it
            state.session.field_errors = {
                k: v for k, v in state.session.field_errors.items() if k != key
            }
        if on_change is not None:
            await on_change()

    return keyed(
        key,
        ft.TextField(
            label=label,
            key=key,
            value=state.session.form.get(key, ""),
            password=password,
            can_reveal_password=password,
            multiline=multiline,
            min_lines=3 if multiline else None,
            max_lines=5 if multiline else 1,
            keyboard_type=keyboard,
            width=width,
            expand=expand,
            on_change=changed,
            on_submit=on_submit,
            ref=ref,
            dense=True,
            error=state.session.field_errors.get(FORM_KEYS.get(key, key)),
        ),
    )


@ft.component
def KeyboardField(state: Any, key: str, label: str) -> ft.Control:
    """A text field that takes the keyboard as it appears: the next thing to type, with
    no tap (the door number once a place is picked)."""
    box: ft.MutableRef[ft.Ref[ft.TextField]] = ft.use_ref(ft.Ref[ft.TextField])

    async def take_keyboard() -> None:
        control = box.current.current if box.current is not None else None
        if control is not None:
            await control.focus()

    ft.use_effect(take_keyboard, [])
    return field(state, key, label, ref=box.current)


def chip(
    key: str, label: str, selected: bool, on_click: Any, *, disabled: bool = False
) -> ft.Control:
    return keyed(
        key,
        ft.Chip(
            label=ft.Text(label),
            key=key,
            selected=selected,
            on_select=on_click,
            disabled=disabled,
            show_checkmark=False,
            selected_color=ft.Colors.TEAL_100,
        ),
    )


def checkbox(key: str, label: str, value: bool, on_change: Any) -> ft.Control:
    return keyed(key, ft.Checkbox(label=label, key=key, value=value, on_change=on_change))


def heading(text: str, size: int = 16) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(text, size=size, weight=ft.FontWeight.BOLD))


def muted(text: str, size: int = 13) -> ft.Control:
    return ft.Text(text, size=size, color=MUTED)


def field_error(state: Any, field_name: str) -> list[ft.Control]:
    """A refusal's line under a choice that is not a text field (the time slots): the
    same words a text field shows under itself."""
    said = state.session.field_errors.get(field_name)
    return (
        [ft.Text(said, size=12, color=ft.Colors.RED_700, key=f"error-{field_name}")] if said else []
    )


def section(title: str, *controls: ft.Control) -> ft.Control:
    return ft.Container(
        content=ft.Column([heading(title), *controls], spacing=6, tight=True),
        padding=ft.Padding.all(12),
        border_radius=12,
        bgcolor=ft.Colors.WHITE,
        border=ft.Border.all(1, ft.Colors.GREY_200),
    )


def price_line(
    label: str, amount: int, *, bold: bool = False, detail: str | None = None
) -> ft.Control:
    weight = ft.FontWeight.BOLD if bold else None
    left: list[ft.Control] = [ft.Text(label, weight=weight)]
    if detail:
        left.append(muted(detail, 12))
    return ft.Row(
        [
            ft.Column(left, spacing=0, tight=True, expand=True),
            ft.Text(money(amount), weight=weight),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def banner(state: Any) -> list[ft.Control]:
    """Error and notice lines from the last action."""
    out: list[ft.Control] = []
    if state.session.error:
        msg = state.session.error  # already in the customer's words (client.error_texts)
        out.append(
            keyed(
                "error",
                ft.Container(
                    content=ft.Text(msg, color=ft.Colors.RED_800),
                    bgcolor=ft.Colors.RED_50,
                    padding=ft.Padding.all(10),
                    border_radius=8,
                ),
                label=None,
                live_region=True,
            )
        )
    if state.session.notice:
        out.append(
            keyed(
                "notice",
                ft.Container(
                    content=ft.Text(
                        t(state.session.lang, state.session.notice), color=ft.Colors.TEAL_900
                    ),
                    bgcolor=ft.Colors.TEAL_50,
                    padding=ft.Padding.all(10),
                    border_radius=8,
                ),
                live_region=True,
            )
        )
    return out


def local(ts: object, fmt: str = "%m-%d %H:%M") -> str:
    """A server time as the city's clock reads it (06-02 10:00)."""
    dt = parse_time(ts)
    return dt.astimezone(CITY_TZ).strftime(fmt) if dt else ""


def name_of(item: BaseModel | Mapping[str, Any], lang: str, base: str = "name") -> str:
    """The item's name in ``lang`` (``name_en``), else in Chinese, else its plain ``name``:
    a server model's fields, or a free-form catalog entry (an add-on, a rate card line)."""
    for key in (f"{base}_{lang}", f"{base}_zh", base):
        value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
        if value:
            return str(value)
    return ""


def catalog_names(service: ServiceRead | None, lang: str) -> dict[str, str]:
    """A service's add-ons and rate-card items by code, each named in ``lang``: the
    server words price lines and extra work in Chinese only."""
    if service is None:
        return {}
    entries = [*service.addons, *service.rate_card]
    return {str(e["code"]): name_of(e, lang) for e in entries if e.get("code")}


def tags_in(s: ServiceSummary | ServiceRead, lang: str) -> list[str]:
    """A service's tags (3小时, 含清洁剂): the catalog words them in Chinese only, so
    English shows none rather than Chinese."""
    return s.tags if lang == DEFAULT_LANG else []


_TAB_ICONS = {"home": ft.Icons.HOME, "support": ft.Icons.SUPPORT_AGENT, "me": ft.Icons.PERSON}
_TAB_LABELS = {"home": "home", "support": "chat_support", "me": "me"}


def _tab_actions(state: Any) -> dict[str, Any]:
    return {
        "home": act(state.go_home),
        "support": act(state.open_support),
        "me": act(state.load_me),
    }


def nav_tabs(state: Any) -> list[ft.Control]:
    """The three tabs; the current one drawn filled (and announced as selected)."""
    lang, here, actions = state.session.lang, current_tab(state.session.route), _tab_actions(state)
    return [
        button(
            f"nav-{tab}",
            t(lang, _TAB_LABELS[tab]),
            actions[tab],
            kind="tonal" if tab == here else "text",
            icon=_TAB_ICONS[tab],
            selected=tab == here,
        )
        for tab in TABS
    ]


def bottom_bar(state: Any) -> ft.BottomAppBar:
    """The phone's and tablet's tabs, at the thumb."""
    return ft.BottomAppBar(
        content=ft.Row(nav_tabs(state), alignment=ft.MainAxisAlignment.SPACE_AROUND),
        height=64,
        padding=ft.Padding.symmetric(horizontal=4, vertical=0),
    )


def page_view(
    state: Any,
    route: str,
    title: str,
    controls: list[ft.Control],
    *,
    back: bool = True,
    nav: bool = True,
    actions: list[ft.Control] | None = None,
    bottom: ft.BottomAppBar | None = None,
) -> ft.View:
    """A screen: the app bar, the banners, ``controls`` in a centred column, the tabs.
    With ``bottom`` (a bar of the screen's own, in place of the tabs) the column scrolls
    by itself and the page does not, so the bar and the column's top stay put."""
    leading = (
        icon_button("back", ft.Icons.ARROW_BACK, t(state.session.lang, "back"), act(state.go_back))
        if back
        else None
    )
    layout = layout_for(getattr(state, "screen_width", None))
    body: ft.Control = ft.Column(
        [*banner(state), *controls],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        width=CONTENT_WIDTH[layout],
        expand=layout == "phone",  # a phone's column takes the whole width
    )
    # one tree in every layout (only the column's width changes), so a window crossing a
    # breakpoint keeps what is being typed
    body = ft.Row(
        [body],
        alignment=ft.MainAxisAlignment.CENTER,
        vertical_alignment=ft.CrossAxisAlignment.START,
        expand=bottom is not None,
    )
    tabs_on_top = layout == "desktop" and nav  # a desktop's tabs sit in the top bar
    return ft.View(
        route=route,
        appbar=ft.AppBar(
            title=ft.Text(title),
            leading=leading,
            automatically_imply_leading=False,
            bgcolor=ft.Colors.TEAL_50,
            actions=[*(nav_tabs(state) if tabs_on_top else []), *(actions or [])],
        ),
        controls=[body],
        scroll=None if bottom is not None else ft.ScrollMode.AUTO,
        padding=ft.Padding.all(12),
        bgcolor=ft.Colors.GREY_50,
        bottom_appbar=bottom or (bottom_bar(state) if nav and not tabs_on_top else None),
    )
