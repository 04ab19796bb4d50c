"""Home: search, filters, recommendations and the three-level catalog."""

from __future__ import annotations

from typing import Any

import flet as ft

from client.models import RecommendationRead, ServiceRead, ServiceSummary
from customer_app.components.common import (
    act,
    button,
    chip,
    field,
    heading,
    keyed,
    muted,
    name_of,
    page_view,
    section,
    tags_in,
)
from customer_app.i18n import money, t
from customer_app.state import CustomerState

FILTERS = {
    "duration": (
        ("any", "any"),
        ("short", "dur_short"),
        ("half", "dur_half"),
        ("long", "dur_long"),
    ),
    "gender": (("any", "any"), ("female", "female"), ("male", "male")),
    "level": (
        ("any", "any"),
        ("junior", "level_junior"),
        ("senior", "level_senior"),
        ("expert", "level_expert"),
    ),
}
FILTER_TITLES = {"duration": "filter_duration", "gender": "filter_gender", "level": "filter_level"}


def price_from(s: ServiceSummary | ServiceRead, lang: str) -> str:
    p = s.pricing
    price = money(int(p.get("unit_price", 0)))
    if p.get("unit") == "hour":
        unit = t(lang, "hour_unit")
    else:
        unit = p.get(f"unit_name_{lang}") or p.get("unit_name_zh") or ""
    return (
        t(lang, "per_unit", price=price, unit=unit) if unit else t(lang, "from_price", price=price)
    )


def service_tile(state: CustomerState, s: ServiceSummary, key_prefix: str) -> ft.Control:
    lang = state.session.lang
    tags = " · ".join(tags_in(s, lang)[:3])
    return keyed(
        f"{key_prefix}-{s.id}",
        ft.ListTile(
            key=f"{key_prefix}-{s.id}",
            title=ft.Text(name_of(s, lang)),
            subtitle=ft.Text(tags, size=12) if tags else None,
            trailing=ft.Text(price_from(s, lang), color=ft.Colors.TEAL_800, size=13),
            on_click=act(state.open_service, s.id),
            dense=True,
        ),
    )


def rec_card(state: CustomerState, pick: RecommendationRead, group: str) -> ft.Control:
    """A recommended service with why it is there (the server's reason, in the app's
    language) and its starting price."""
    lang = state.session.lang
    s = pick.service
    reason = pick.reason_zh if lang == "zh" else pick.reason_en
    return keyed(
        f"rec-{group}-{s.id}",
        ft.Container(
            key=f"rec-{group}-{s.id}",
            content=ft.Column(
                [
                    ft.Text(name_of(s, lang), weight=ft.FontWeight.W_500, max_lines=2),
                    ft.Text(reason, size=11, color=ft.Colors.TEAL_900, max_lines=2),
                    muted(price_from(s, lang), 12),
                ],
                spacing=2,
                tight=True,
            ),
            width=160,
            padding=ft.Padding.all(10),
            border_radius=10,
            bgcolor=ft.Colors.TEAL_50,
            on_click=act(state.open_service, s.id),
            ink=True,
        ),
        button=True,
    )


def rec_title(state: CustomerState, group: str) -> str:
    """A group's heading; the seasonal one names the season in force."""
    title = t(state.session.lang, f"rec_{group}")
    if group == "seasonal" and state.catalog.seasons:
        season = state.catalog.seasons[0]
        title += f" · {season.name_zh if state.session.lang == 'zh' else season.name_en}"
    return title


def filter_row(state: CustomerState, name: str) -> ft.Control:
    lang = state.session.lang
    chips = [
        chip(
            f"filter-{name}-{value}",
            t(lang, label),
            state.catalog.filters.get(name) == value,
            act(state.set_filter, name, value),
        )
        for value, label in FILTERS[name]
    ]
    return ft.Row(
        [muted(t(lang, FILTER_TITLES[name]), 12), *chips], wrap=True, spacing=6, run_spacing=4
    )


def category_icon(name: str | None) -> ft.IconData:
    """The catalog's icon name (a Material icon, ``cleaning_services``) as an icon."""
    found = getattr(ft.Icons, (name or "").upper(), None) if name else None
    return found if found is not None else ft.Icons.HOME_REPAIR_SERVICE


def category_grid(state: CustomerState) -> ft.Control:
    """The top categories as icons (保洁, 保姆, 月嫂 ...): one tap lists their services."""
    lang = state.session.lang
    tiles = [
        keyed(
            f"grid-{top.id}",
            ft.Container(
                content=ft.Column(
                    [
                        ft.Icon(category_icon(top.icon), size=30, color=ft.Colors.TEAL_700),
                        ft.Text(name_of(top, lang), size=13, text_align=ft.TextAlign.CENTER),
                    ],
                    spacing=4,
                    horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                    tight=True,
                ),
                width=76,
                padding=ft.Padding.symmetric(vertical=8),
                border_radius=12,
                bgcolor=ft.Colors.TEAL_50 if state.catalog.category is top else None,
                on_click=act(state.browse_category, top.id),
            ),
            label=name_of(top, lang),
            button=True,
        )
        for top in state.catalog.categories
    ]
    return ft.Row(tiles, wrap=True, spacing=4, run_spacing=4)


def category_tree(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    tiles: list[ft.Control] = []
    for top in state.catalog.categories:
        children: list[ft.Control] = []
        for child in top.children or []:
            services = [service_tile(state, s, "svc") for s in child.services or []]
            for grand in child.children or []:
                services += [service_tile(state, s, "svc") for s in grand.services or []]
            children.append(
                ft.Column([muted(name_of(child, lang), 13), *services], spacing=0, tight=True)
            )
        children += [service_tile(state, s, "svc") for s in top.services or []]
        tiles.append(
            keyed(
                f"cat-{top.id}",
                ft.ExpansionTile(
                    key=f"cat-{top.id}",
                    leading=ft.Icon(category_icon(top.icon), color=ft.Colors.TEAL_700),
                    title=ft.Text(name_of(top, lang)),
                    controls=children,
                    dense=True,
                ),
            )
        )
    return section(t(lang, "categories"), *tiles) if tiles else muted(t(lang, "loading"))


def home_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    controls: list[Any] = [
        ft.Row(
            [
                field(
                    state,
                    "search",
                    t(lang, "search"),
                    expand=True,
                    on_submit=act(state.submit_search),
                ),
                button("search-go", t(lang, "search_button"), act(state.submit_search)),
            ]
        ),
        ft.Column([filter_row(state, n) for n in FILTERS], spacing=2),
    ]
    if state.catalog.categories:  # under the search box, as the app's front door
        controls.insert(1, category_grid(state))
    home = state.default_address()
    if home is not None and home.district:  # where the prices and technicians are for
        controls.insert(
            0,
            ft.Row(
                [ft.Icon(ft.Icons.PLACE, size=18, color=ft.Colors.TEAL_700), muted(home.district)],
                spacing=4,
            ),
        )
    if state.catalog.results is not None:
        tiles = [service_tile(state, s, "result") for s in state.catalog.results]
        category = state.catalog.category
        controls.append(
            section(
                f"{name_of(category, lang) if category else t(lang, 'results')} ({len(tiles)})",
                *(tiles or [muted(state.no_results_text())]),
            )
        )
    for group in ("repeat", "seasonal", "nearby", "popular"):
        items = state.catalog.recommendations.get(group) or []
        if items:
            controls.append(
                ft.Column(
                    [
                        heading(rec_title(state, group), 15),
                        ft.Row(
                            [rec_card(state, pick, group) for pick in items],
                            scroll=ft.ScrollMode.AUTO,
                            spacing=8,
                        ),
                    ],
                    spacing=6,
                )
            )
    controls.append(category_tree(state))
    actions = [
        button(
            "lang-toggle",
            t(lang, "lang.switch"),
            lambda _e: state.set_lang("en" if lang == "zh" else "zh"),
            kind="text",
        )
    ]
    if not state.signed_in:
        actions.append(
            button("open-login", t(lang, "login"), lambda _e: state.go("/login"), kind="text")
        )
    return page_view(state, "/", t(lang, "app_title"), controls, back=False, actions=actions)
