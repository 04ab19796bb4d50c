"""Me: orders, coupons, points, membership level, invoices, language, sign out."""

from __future__ import annotations

import flet as ft

from client.models import CouponRead
from customer_app.components.common import (
    act,
    button,
    chip,
    field,
    keyed,
    muted,
    name_of,
    page_view,
    section,
)
from customer_app.i18n import has_text, money, status_label, t
from customer_app.state import CustomerState
from customer_app.views.order import local


def orders_section(state: CustomerState) -> ft.Control:
    lang = state.lang
    tiles = [
        keyed(
            f"order-{o.id}",
            ft.ListTile(
                key=f"order-{o.id}",
                title=ft.Text(name_of(o, lang, "service_name")),
                subtitle=ft.Text(
                    f"{local(o.scheduled_start)} · {status_label(lang, o.status)}", size=12
                ),
                trailing=ft.Text(money(o.order_value)),
                on_click=act(state.open_order, o.id),
                dense=True,
            ),
        )
        for o in state.orders
    ]
    return section(t(lang, "my_orders"), *(tiles or [muted(t(lang, "no_orders"))]))


def coupon_name(lang: str, coupon: CouponRead) -> str:
    """The coupon's label from the server, else the words for its kind (never its id)."""
    if coupon.label:
        return coupon.label
    key = f"coupon_kind_{coupon.kind}"
    return t(lang, key) if has_text(key) else t(lang, "coupon_any")


def wallet_section(state: CustomerState) -> ft.Control:
    lang = state.lang
    rows: list[ft.Control] = []
    m = state.membership
    level = m.name_zh if m else None  # the level's name as the server gives it
    rows.append(ft.Text(f"{t(lang, 'membership')}: {level or t(lang, 'unavailable')}"))
    bp = (m.discount_bp if m else 0) or 10000
    if bp < 10000:  # basis points of the price paid: 9000 = 9折 = 10% off
        rows.append(muted(f"{bp / 1000:g}折" if lang == "zh" else f"{(10000 - bp) / 100:g}% off"))
    if m and m.next_level and m.next_level_spend is not None:
        spent, target = money(m.yearly_spend), money(m.next_level_spend)
        if m.next_level_name_zh and lang == "zh":
            line = t(lang, "next_level", level=m.next_level_name_zh, spent=spent, target=target)
        else:  # no name in this language: "the next level"
            line = t(lang, "next_level_any", spent=spent, target=target)
        rows.append(muted(line))
    p = state.points or {}
    balance = p.get("balance")
    rows.append(
        ft.Text(
            f"{t(lang, 'points')}: {balance if balance is not None else t(lang, 'unavailable')}"
        )
    )
    coupons: list[ft.Control] = []
    for c in state.coupons:
        amount = f" -{money(c.amount)}" if c.amount else ""
        until = f" · {c.valid_until.isoformat()[:10]}"
        coupons.append(ft.Text(f"· {coupon_name(lang, c)}{amount}{until}"))
    if "wallet" in state.missing:
        coupons = [muted(t(lang, "unavailable"))]
    claim = ft.Row(
        [
            field(state, "coupon_code", t(lang, "coupon_code"), expand=True),
            button("claim-coupon", t(lang, "claim"), act(state.claim_coupon), kind="outlined"),
        ]
    )
    rows += [muted(t(lang, "coupons")), *(coupons or [muted(t(lang, "none"))]), claim]
    return section(t(lang, "membership"), *rows)


def invoices_section(state: CustomerState) -> ft.Control:
    lang = state.lang
    if "invoices" in state.missing:
        return section(t(lang, "invoices"), muted(t(lang, "unavailable")))
    rows: list[ft.Control] = [
        ft.Text(
            f"· {i.number} {i.title} {money(i.amount)} "
            f"({t(lang, 'invoice_ready' if i.file_id else 'invoice_pending')})"
        )
        for i in state.invoices
    ]
    have = {i.order_id for i in state.invoices}
    # invoices are issued for completed orders only
    done = [o for o in state.orders if o.status == "COMPLETED" and o.id not in have]
    if done:
        rows.append(field(state, "invoice_title", t(lang, "invoice_title")))
        rows.append(
            ft.Row(
                [
                    button(
                        f"invoice-{o.id}",
                        f"{t(lang, 'request_invoice')} {local(o.scheduled_start)}",
                        act(state.submit_invoice, o.id),
                        kind="outlined",
                    )
                    for o in done[:5]
                ],
                wrap=True,
            )
        )
    return section(t(lang, "invoices"), *(rows or [muted(t(lang, "none"))]))


def me_view(state: CustomerState) -> ft.View:
    lang = state.lang
    name = state.user.name if state.user else ""
    controls = [
        ft.Row(
            [
                ft.CircleAvatar(content=ft.Text((name or "?")[:1])),
                ft.Text(name, size=18, weight=ft.FontWeight.BOLD),
            ]
        ),
        orders_section(state),
        wallet_section(state),
        invoices_section(state),
        section(
            t(lang, "language"),
            ft.Row(
                [
                    chip("lang-zh", "中文", lang == "zh", lambda _e: state.set_lang("zh")),
                    chip("lang-en", "English", lang == "en", lambda _e: state.set_lang("en")),
                ]
            ),
        ),
        button("logout", t(lang, "logout"), act(state.logout), kind="outlined"),
    ]
    return page_view(state, "/me", t(lang, "me"), controls)
