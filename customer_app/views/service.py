"""Service page (what is included, SOP, price rules in plain words, reviews) and the
technician page (photo, experience, certificates, ratings by dimension, past work)."""

from __future__ import annotations

import flet as ft

from client.i18n import rating_text
from client.models import PublicTechnicianRead, ReviewRead, ServiceRead
from customer_app.components.common import (
    act,
    button,
    keyed,
    muted,
    name_of,
    page_view,
    section,
    tags_in,
)
from customer_app.i18n import money, t
from customer_app.state import REVIEW_DIMENSIONS as DIMENSIONS
from customer_app.state import CustomerState


def price_rules(service: ServiceRead, lang: str) -> list[ft.Control]:
    p = service.pricing  # free-form by pricing model: unit, unit_price, min_units ...
    lines: list[str] = []
    price = money(int(p.get("unit_price", 0)))
    if p.get("unit") == "hour":
        lines.append(
            t(
                lang,
                "rule_hourly",
                price=price,
                min=p.get("min_units", 1),
                max=p.get("max_units", 1),
            )
        )
    else:
        unit = p.get(f"unit_name_{lang}") or p.get("unit_name_zh") or ""
        lines.append(t(lang, "rule_item", unit=unit, price=price, min=p.get("min_units", 1)))
    if p.get("area_band_m2"):
        lines.append(
            t(
                lang,
                "rule_area",
                band=p["area_band_m2"],
                step=p.get("area_step_m2"),
                price=money(int(p.get("area_step_price", 0))),
            )
        )
    lines.append(t(lang, "rule_night"))
    out: list[ft.Control] = [ft.Text(line) for line in lines]
    if service.addons:  # catalog entries: {code, name_zh, name_en, price}
        out.append(muted(t(lang, "rule_addons")))
        out += [ft.Text(f"· {name_of(a, lang)}  {money(int(a['price']))}") for a in service.addons]
    if service.rate_card:
        out.append(muted(t(lang, "rule_rate_card")))
        out += [
            ft.Text(f"· {name_of(r, lang)}  {money(int(r['price']))}") for r in service.rate_card
        ]
    return out


def review_tile(r: ReviewRead, lang: str) -> ft.Control:
    rating = round(r.overall)
    stars = "★" * rating + "☆" * (5 - rating)
    parts: list[ft.Control] = [
        ft.Row([ft.Text(stars, color=ft.Colors.AMBER_800), muted(r.author_name, 12)])
    ]
    if r.text:
        parts.append(ft.Text(r.text))
    return ft.Column(parts, spacing=2, tight=True)


def service_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    s = state.catalog.service
    if s is None:
        return page_view(
            state, state.session.route, t(lang, "loading"), [muted(t(lang, "loading"))]
        )
    materials = (
        t(lang, "materials_platform")
        if s.materials == "platform"
        else t(lang, "materials_customer")
    )
    controls: list[ft.Control] = [
        ft.Text(name_of(s, lang), size=20, weight=ft.FontWeight.BOLD),
        ft.Row([_tag(tag) for tag in tags_in(s, lang)], wrap=True),
        section(
            t(lang, "included"),
            ft.Text(name_of(s, lang, "description")),
            muted(materials),
            muted(t(lang, "duration_min", minutes=s.duration_minutes)),
        ),
        section(
            t(lang, "sop"),
            *[
                ft.Text(
                    f"{step.no}. {name_of(step, lang, 'title')}"
                    + (t(lang, "photo_evidence") if step.photo else "")
                )
                for step in s.sop
            ],
        ),
        section(t(lang, "price_rules"), *price_rules(s, lang)),
        section(t(lang, "acceptance"), ft.Text(name_of(s, lang, "acceptance_criteria"))),
    ]
    if state.catalog.service_technicians:
        techs = [
            keyed(
                f"tech-{x.id}",
                ft.ListTile(
                    key=f"tech-{x.id}",
                    title=ft.Text(x.name),
                    subtitle=ft.Text(_tech_line(x, lang), size=12),
                    on_click=act(state.open_technician, x.id),
                    leading=ft.CircleAvatar(content=ft.Text((x.name or "?")[:1])),
                    dense=True,
                ),
            )
            for x in state.catalog.service_technicians[:10]
        ]
        controls.append(section(t(lang, "technicians"), *techs))
    reviews = [review_tile(r, lang) for r in state.catalog.service_reviews[:10]]
    controls.append(section(t(lang, "reviews"), *(reviews or [muted(t(lang, "no_reviews"))])))
    controls.append(
        button("book-now", t(lang, "book_now"), act(state.begin_booking, s.id), expand=True)
    )
    return page_view(state, state.session.route, name_of(s, lang), controls)


def _tag(text: str) -> ft.Control:
    """A label to read, not to tap (a chip without a handler is drawn greyed out)."""
    return ft.Container(
        ft.Text(text, size=12),
        bgcolor=ft.Colors.TEAL_50,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
        border_radius=8,
    )


def _tech_line(x: PublicTechnicianRead, lang: str) -> str:
    parts = [t(lang, "experience_years", years=x.experience_years)]
    if x.rating_avg:
        parts.append(f"★{rating_text(x.rating_avg)}")
    if x.level:
        parts.append(t(lang, "tech_level", level=x.level))
    return " · ".join(parts)


def technician_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    x = state.catalog.technician
    if x is None:
        return page_view(
            state, state.session.route, t(lang, "technician"), [muted(t(lang, "unavailable"))]
        )
    # the initial, under the photo: it shows when there is none, or one that cannot be
    # drawn (an empty circle otherwise); a photo covers it
    initial = ft.CircleAvatar(content=ft.Text((x.name or "?")[:1], size=24), radius=32)
    header = ft.Row(
        [
            ft.Stack(
                [
                    initial,
                    ft.Image(
                        src=state.catalog.technician_photo,
                        width=64,
                        height=64,
                        fit=ft.BoxFit.COVER,
                        border_radius=32,
                    ),
                ],
                width=64,
                height=64,
            )
            if state.catalog.technician_photo
            else initial,
            ft.Column(
                [
                    ft.Text(x.name, size=20, weight=ft.FontWeight.BOLD),
                    muted(_tech_line(x, lang)),
                ],
                spacing=2,
                tight=True,
            ),
        ]
    )
    certs: list[ft.Control] = [
        ft.Text(
            f"· {name_of(c, lang) or c.type}"
            + (f"  ({c.expires_on.isoformat()})" if c.expires_on else "")
        )
        for c in x.certificates
        if c.status == "verified"
    ]
    ratings = x.rating_dimensions
    dims: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(t(lang, f"dim_{d}"), width=90),
                ft.ProgressBar(value=float(ratings[d]) / 5, expand=True, color=ft.Colors.AMBER_700),
                ft.Text(rating_text(float(ratings[d]))),
            ]
        )
        for d in DIMENSIONS
        if ratings.get(d) is not None
    ]
    past: list[ft.Control] = [ft.Text(t(lang, "completed_orders", n=x.completed_orders))]
    if x.good_rate_30d is not None:
        past.append(muted(t(lang, "good_rate_30d", percent=f"{x.good_rate_30d * 100:.0f}")))
    if x.bio:
        past.append(ft.Text(x.bio))
    reviews = [review_tile(r, lang) for r in state.catalog.technician_reviews[:10]]
    skills = x.skills
    controls: list[ft.Control] = [
        header,
        section(t(lang, "certificates"), *(certs or [muted(t(lang, "none"))])),
        section(t(lang, "ratings"), *(dims or [muted(t(lang, "no_reviews"))])),
    ]
    # the profile lists skills by code: each named by the catalog (a code it does not
    # name is left out rather than shown raw)
    named = [
        name_of(state.catalog.skill_terms[sk], lang)
        for sk in skills
        if sk in state.catalog.skill_terms
    ]
    if named:
        controls.append(section(t(lang, "skills"), ft.Row([_tag(n) for n in named], wrap=True)))
    controls.append(section(t(lang, "past_work"), *(past or [muted(t(lang, "none"))])))
    controls.append(section(t(lang, "reviews"), *(reviews or [muted(t(lang, "no_reviews"))])))
    if state.catalog.service:
        controls.append(
            button(
                "choose-technician",
                t(lang, "choose_technician"),
                act(state.begin_booking, state.catalog.service.id, preferred_technician_id=x.id),
                expand=True,
            )
        )
    return page_view(state, state.session.route, x.name or t(lang, "technician"), controls)
