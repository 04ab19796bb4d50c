"""知识库: the list with its search, and a service's article (SOP steps in order with a
picture each, common faults and their fixes, safety notes). Both read what the state
keeps, so they work without signal for every article saved on the phone."""

from __future__ import annotations

import flet as ft

from client.models import KnowledgeArticle
from technician_app.components.widgets import (
    MUTED,
    PRIMARY,
    STOP,
    WARN,
    card,
    outline_button,
    text_field,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import local_name, t
from technician_app.state.knowledge import step_picture


def _icon(name: str | None, default: ft.IconData) -> ft.IconData:
    """A Material icon by the catalog's name (``cleaning_services``)."""
    found = getattr(ft.Icons, (name or "").upper(), None) if name else None
    return found if found is not None else default


@ft.component
def KnowledgeView():  # noqa: ANN201
    state = use_app("me", "work")
    typed, set_typed = ft.use_state(state.me.knowledge_query)

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_knowledge)

    ft.use_effect(load, [])
    lang = state.session.lang

    async def search(_e) -> None:  # noqa: ANN001
        await state.search_knowledge(typed)

    async def clear(_e) -> None:  # noqa: ANN001
        set_typed("")
        await state.search_knowledge("")

    shown = state.knowledge_shown()
    rows: list[ft.Control] = []
    for a in shown:
        service_id = a.service_id
        subtitle = a.hint or a.category_zh
        if state.kept_offline(service_id):
            subtitle += "  ·  " + t(lang, "knowledge.saved")
        rows.append(
            ft.ListTile(
                leading=ft.Icon(_icon(a.icon, ft.Icons.MENU_BOOK), color=PRIMARY),
                title=ft.Text(local_name(lang, a.name_zh, a.name_en), size=20),
                subtitle=ft.Text(subtitle, size=15, color=MUTED),
                key=f"article_{service_id}",
                on_click=lambda _e, sid=service_id: go(f"/knowledge/{sid}"),
            )
        )
    top: list[ft.Control] = [
        text_field(t(lang, "knowledge.search"), typed, set_typed, key="knowledge_q"),
        ft.Row(
            [
                outline_button(
                    t(lang, "knowledge.search_button"),
                    search,
                    key="knowledge_search",
                    icon=ft.Icons.SEARCH,
                ),
                outline_button(t(lang, "knowledge.clear"), clear, key="knowledge_all"),
            ]
        ),
    ]
    if not state.sync_state.connected:
        top.append(ft.Text(t(lang, "knowledge.offline"), size=16, color=WARN))
    if state.me.knowledge_found is not None:
        top.append(ft.Text(t(lang, "knowledge.found", n=len(shown)), size=16, color=MUTED))
    if not rows:
        empty = "knowledge.none" if state.me.knowledge_found is not None else "knowledge.empty"
        rows.append(ft.Text(t(lang, empty), size=18, color=MUTED))
    return view("/knowledge", t(lang, "nav.knowledge"), [*top, *rows], state)


@ft.component
def ArticleView():  # noqa: ANN201
    state = use_app("me", "work")
    service_id = ft.use_route_params().get("service_id", "")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_article, service_id)

    ft.use_effect(load, [service_id])
    lang = state.session.lang
    article = state.me.articles.get(service_id)
    route = f"/knowledge/{service_id}"
    if article is None:
        body: list[ft.Control] = [ft.Text(t(lang, "knowledge.not_saved"), size=18, color=MUTED)]
        return view(route, t(lang, "nav.knowledge"), body, state, back="/knowledge")
    return view(
        route,
        local_name(lang, article.name_zh, article.name_en),
        _article(article, lang),
        state,
        back="/knowledge",
    )


def _article(a: KnowledgeArticle, lang: str) -> list[ft.Control]:
    date = a.updated_at.date().isoformat()
    steps = [
        ft.Row(
            [
                ft.Icon(
                    _icon(step_picture(s.title_zh, s.photo), ft.Icons.CHECK), size=32, color=PRIMARY
                ),
                ft.Column(
                    [
                        ft.Text(t(lang, "knowledge.step", no=s.no), size=14, color=MUTED),
                        ft.Text(local_name(lang, s.title_zh, s.title_en), size=18),
                        *(
                            [ft.Text(t(lang, "knowledge.photo"), size=14, color=WARN)]
                            if s.photo
                            else []
                        ),
                    ],
                    spacing=2,
                    expand=True,
                ),
            ],
            key=f"step_{s.no}",
        )
        for s in a.sop
    ]
    faults = [
        ft.Column(
            [
                ft.Text(f.problem, size=18, weight=ft.FontWeight.BOLD),
                ft.Text(t(lang, "knowledge.fix", fix=f.fix), size=16),
            ],
            spacing=2,
        )
        for f in a.faults
    ]
    safety = [
        ft.Row(
            [ft.Icon(ft.Icons.WARNING_AMBER, color=STOP), ft.Text(n, size=16, expand=True)],
        )
        for n in a.safety
    ]
    return [
        ft.Text(t(lang, "knowledge.updated", category=a.category_zh, date=date), color=MUTED),
        card(ft.Text(t(lang, "knowledge.sop"), size=22, weight=ft.FontWeight.BOLD), *steps),
        card(ft.Text(t(lang, "knowledge.faults"), size=22, weight=ft.FontWeight.BOLD), *faults),
        card(
            ft.Text(t(lang, "knowledge.safety"), size=22, weight=ft.FontWeight.BOLD, color=STOP),
            *safety,
        ),
    ]
