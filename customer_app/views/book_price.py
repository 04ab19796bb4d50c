"""Booking's price: the breakdown of the quote (each line worded for the customer and
explained) and the bar at the bottom that keeps the total and the order button in sight."""

from __future__ import annotations

import flet as ft

from client.models import QuoteLineRead
from customer_app.components.common import (
    act,
    button,
    catalog_names,
    keyed,
    muted,
    price_line,
    section,
)
from customer_app.i18n import line_label, money, t
from customer_app.state import CITY_TZ, CustomerState


def _price_note(state: CustomerState) -> str | None:
    """What the shown price is waiting for: the new price on its way, or a time."""
    lang = state.session.lang
    if state.booking.quote is None:
        waiting = state.session.busy or not state.booking_problems()
        return t(lang, "quote_working" if waiting else "quote_pending")
    if state.price_updating:
        return t(lang, "price_needs_slot" if state.booking_problems() else "price_updating")
    return None


def quote_section(state: CustomerState) -> ft.Control:
    """The breakdown of the price the bar at the bottom totals."""
    lang = state.session.lang
    q = state.booking.quote
    note = _price_note(state)
    if q is None:
        controls: list[ft.Control] = [muted(note or "")]
        if state.session.error and not state.booking_problems() and not state.session.busy:
            # the last price could not be had: ask again by hand
            controls.append(
                button("get-quote", t(lang, "get_quote"), act(state.submit_quote), kind="outlined")
            )
        return section(t(lang, "quote"), *controls)
    controls = [muted(note, 12)] if note else []
    names = catalog_names(state.catalog.service, lang)
    controls += [
        price_line(line_label(lang, line, names), line.amount, detail=_line_detail(line, lang))
        for line in q.lines
    ]
    controls += [ft.Divider(), price_line(t(lang, "total"), q.total, bold=True)]
    if q.expires_at and not note:
        expires = q.expires_at.astimezone(CITY_TZ).strftime("%H:%M")
        controls.append(muted(t(lang, "quote_expires", time=expires), 12))
    return section(t(lang, "quote"), *controls)


def price_bar(state: CustomerState) -> ft.BottomAppBar:
    """Always in sight at the bottom: 合计 ¥X as the options change (the last price,
    marked, while the new one is on its way) and the button that places the order."""
    lang = state.session.lang
    q = state.booking.quote
    total = f"{t(lang, 'total')} {money(q.total)}" if q is not None else t(lang, "total")
    note = _price_note(state)
    if note is None and state.coupon_saving():
        note = f"{t(lang, 'coupon')} {money(-state.coupon_saving())}"
    summary: list[ft.Control] = [
        ft.Semantics(
            identifier="quote-total",
            label=total,
            content=ft.Text(
                total,
                size=18,
                weight=ft.FontWeight.BOLD,
                color=ft.Colors.GREY_500 if state.price_updating else None,
            ),
        )
    ]
    if note:
        summary.append(keyed("price-note", muted(note, 12), label=note))
    return ft.BottomAppBar(
        content=ft.Row(
            [
                ft.Column(summary, spacing=0, tight=True, expand=True),
                button(
                    "submit-order",
                    t(lang, "submit_order"),
                    act(state.place_order),
                    disabled=state.session.busy or q is None or bool(state.booking_problems()),
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        height=72,
        bgcolor=ft.Colors.WHITE,
        padding=ft.Padding.symmetric(horizontal=12, vertical=0),
    )


def _line_detail(line: QuoteLineRead, lang: str) -> str | None:
    detail = line.detail or {}  # free-form by the pricing rule that made the line
    explain = detail.get(f"explain_{lang}") or detail.get("explain") or detail.get(f"text_{lang}")
    if explain:
        return str(explain)
    if detail.get("units") is not None and detail.get("unit_price") is not None:
        return f"{detail['units']} × {money(int(detail['unit_price']))}"
    if detail.get("rate_bp") is not None:
        return f"{int(detail['rate_bp']) / 100:g}%"
    return None
