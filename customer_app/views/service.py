"""Service page (what is included, SOP, price rules in plain words, reviews) and the
technician page (photo, experience, certificates, ratings by dimension, past work)."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import act, button, keyed, muted, name_of, page_view, section
from customer_app.i18n import money, t
from customer_app.state import REVIEW_DIMENSIONS as DIMENSIONS
from customer_app.state import CustomerState


def price_rules(service: dict, lang: str) -> list[ft.Control]:
    p = service.get("pricing", {})
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
    if service.get("addons"):
        out.append(muted(t(lang, "rule_addons")))
        out += [
            ft.Text(f"· {name_of(a, lang)}  {money(int(a['price']))}") for a in service["addons"]
        ]
    if service.get("rate_card"):
        out.append(muted(t(lang, "rule_rate_card")))
        out += [
            ft.Text(f"· {name_of(r, lang)}  {money(int(r['price']))}") for r in service["rate_card"]
        ]
    return out


def review_tile(r: dict, lang: str) -> ft.Control:
    stars = "★" * int(r.get("rating", 0)) + "☆" * (5 - int(r.get("rating", 0)))
    parts: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(stars, color=ft.Colors.AMBER_800),
                muted(r.get("customer_name") or r.get("author") or "", 12),
            ]
        )
    ]
    if r.get("comment") or r.get("text"):
        parts.append(ft.Text(r.get("comment") or r.get("text")))
    return ft.Column(parts, spacing=2, tight=True)


def service_view(state: CustomerState) -> ft.View:
    lang = state.lang
    s = state.service or {}
    if not s:
        return page_view(state, state.route, t(lang, "loading"), [muted(t(lang, "loading"))])
    materials = (
        t(lang, "materials_platform")
        if s.get("materials") == "platform"
        else t(lang, "materials_customer")
    )
    controls: list[ft.Control] = [
        ft.Text(name_of(s, lang), size=20, weight=ft.FontWeight.BOLD),
        ft.Row(
            [
                ft.Container(
                    ft.Text(tag, size=12),
                    bgcolor=ft.Colors.TEAL_50,
                    padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                    border_radius=8,
                )
                for tag in s.get("tags", [])
            ],
            wrap=True,
        ),
        section(
            t(lang, "included"),
            ft.Text(name_of(s, lang, "description")),
            muted(materials),
            muted(t(lang, "duration_min", minutes=s.get("duration_minutes", 0))),
        ),
        section(
            t(lang, "sop"),
            *[
                ft.Text(
                    f"{step['no']}. {name_of(step, lang, 'title')}"
                    + (t(lang, "photo_evidence") if step.get("photo") else "")
                )
                for step in s.get("sop", [])
            ],
        ),
        section(t(lang, "price_rules"), *price_rules(s, lang)),
        section(t(lang, "acceptance"), ft.Text(name_of(s, lang, "acceptance_criteria"))),
    ]
    if state.service_technicians:
        techs = [
            keyed(
                f"tech-{x['id']}",
                ft.ListTile(
                    key=f"tech-{x['id']}",
                    title=ft.Text(x.get("name", "")),
                    subtitle=ft.Text(_tech_line(x, lang), size=12),
                    on_click=act(state.open_technician, x["id"]),
                    leading=ft.CircleAvatar(content=ft.Text((x.get("name") or "?")[:1])),
                    dense=True,
                ),
            )
            for x in state.service_technicians[:10]
        ]
        controls.append(section(t(lang, "technicians"), *techs))
    reviews = [review_tile(r, lang) for r in state.service_reviews[:10]]
    controls.append(section(t(lang, "reviews"), *(reviews or [muted(t(lang, "no_reviews"))])))
    controls.append(
        button("book-now", t(lang, "book_now"), act(state.begin_booking, s["id"]), expand=True)
    )
    return page_view(state, state.route, name_of(s, lang), controls)


def _tech_line(x: dict, lang: str) -> str:
    parts = []
    if x.get("experience_years") is not None:
        parts.append(t(lang, "experience_years", years=x["experience_years"]))
    rating = x.get("rating") or x.get("rating_avg")
    if rating:
        parts.append(f"★{float(rating):.1f}")
    if x.get("level"):
        parts.append(str(x["level"]))
    return " · ".join(parts)


def technician_view(state: CustomerState) -> ft.View:
    lang = state.lang
    x = state.technician or {}
    if not x:
        return page_view(state, state.route, t(lang, "technician"), [muted(t(lang, "unavailable"))])
    header = ft.Row(
        [
            ft.Image(
                src=state.technician_photo,
                width=64,
                height=64,
                fit=ft.BoxFit.COVER,
                border_radius=32,
            )
            if state.technician_photo
            else ft.CircleAvatar(content=ft.Text((x.get("name") or "?")[:1], size=24), radius=32),
            ft.Column(
                [
                    ft.Text(x.get("name", ""), size=20, weight=ft.FontWeight.BOLD),
                    muted(_tech_line(x, lang)),
                ],
                spacing=2,
                tight=True,
            ),
        ]
    )
    certs = [
        ft.Text(
            f"· {c.get('name_' + lang) or c.get('name_zh') or c.get('type')}"
            + (f"  ({c['expires_on']})" if c.get("expires_on") else "")
        )
        for c in x.get("certificates", [])
        if c.get("status", "verified") == "verified"
    ]
    ratings = x.get("rating_dimensions") or {}
    dims = [
        ft.Row(
            [
                ft.Text(t(lang, f"dim_{d}"), width=90),
                ft.ProgressBar(value=float(ratings[d]) / 5, expand=True, color=ft.Colors.AMBER_700),
                ft.Text(f"{float(ratings[d]):.1f}"),
            ]
        )
        for d in DIMENSIONS
        if ratings.get(d) is not None
    ]
    past: list[ft.Control] = [ft.Text(t(lang, "completed_orders", n=x.get("completed_orders", 0)))]
    if x.get("good_rate_30d") is not None:
        past.append(muted(f"30d ✓ {float(x['good_rate_30d']) * 100:.0f}%"))
    if x.get("bio"):
        past.append(ft.Text(x["bio"]))
    reviews = [review_tile(r, lang) for r in state.technician_reviews[:10]]
    skills = x.get("skills") or []
    controls: list[ft.Control] = [
        header,
        section(t(lang, "certificates"), *(certs or [muted(t(lang, "none"))])),
        section(t(lang, "ratings"), *(dims or [muted(t(lang, "no_reviews"))])),
    ]
    if skills:
        controls.append(ft.Row([ft.Chip(label=ft.Text(str(sk))) for sk in skills], wrap=True))
    controls.append(section(t(lang, "past_work"), *(past or [muted(t(lang, "none"))])))
    controls.append(section(t(lang, "reviews"), *(reviews or [muted(t(lang, "no_reviews"))])))
    if state.service:
        controls.append(
            button(
                "choose-technician",
                t(lang, "choose_technician"),
                act(state.begin_booking, state.service["id"], preferred_technician_id=x.get("id")),
                expand=True,
            )
        )
    return page_view(state, state.route, x.get("name", t(lang, "technician")), controls)
