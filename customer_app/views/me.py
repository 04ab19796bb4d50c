"""Me: the way to the inbox, the wallet (储值余额), the family account and 通知设置; orders,
coupons, points, membership level, invoices, language, sign out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from customer_app.components.common import (
    act,
    button,
    chip,
    do,
    field,
    keyed,
    local,
    muted,
    name_of,
    page_view,
    section,
)
from customer_app.i18n import (
    LANGS,
    coupon_name,
    discount_text,
    membership_name,
    money,
    status_label,
    t,
)
from customer_app.state import CustomerState


def orders_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
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
        for o in state.me.orders
    ]
    return section(t(lang, "my_orders"), *(tiles or [muted(t(lang, "no_orders"))]))


def wallet_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    rows: list[ft.Control] = []
    m = state.me.membership
    level = membership_name(lang, m.code, m.name_zh) if m else None
    rows.append(ft.Text(f"{t(lang, 'membership')}: {level or t(lang, 'unavailable')}"))
    bp = (m.discount_bp if m else 0) or 10000
    if bp < 10000:  # basis points of the price paid
        rows.append(muted(discount_text(lang, bp)))
    if m and m.next_level and m.next_level_spend is not None:
        spent, target = money(m.yearly_spend), money(m.next_level_spend)
        level = membership_name(lang, m.next_level, m.next_level_name_zh)
        line = t(lang, "next_level", level=level, spent=spent, target=target)
        rows.append(muted(line))
    p = state.me.points or {}
    balance = p.get("balance")
    rows.append(
        ft.Row(
            [
                ft.Text(
                    f"{t(lang, 'points')}: "
                    f"{balance if balance is not None else t(lang, 'unavailable')}",
                    expand=True,
                ),
                way_in("open-mall", t(lang, "open_mall"), state.open_mall, ft.Icons.REDEEM),
            ]
        )
    )
    coupons: list[ft.Control] = []
    for c in state.me.coupons:
        amount = f" -{money(c.amount)}" if c.amount else ""
        until = f" · {c.valid_until.isoformat()[:10]}"
        coupons.append(ft.Text(f"· {coupon_name(lang, c)}{amount}{until}"))
    if "wallet" in state.session.missing:
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
    lang = state.session.lang
    if "invoices" in state.session.missing:
        return section(t(lang, "invoices"), muted(t(lang, "unavailable")))
    rows: list[ft.Control] = [
        ft.Text(
            f"· {i.number} {i.title} {money(i.amount)} "
            f"({t(lang, 'invoice_ready' if i.file_id else 'invoice_pending')})"
        )
        for i in state.me.invoices
    ]
    have = {i.order_id for i in state.me.invoices}
    # invoices are issued for completed orders only
    done = [o for o in state.me.orders if o.status == "COMPLETED" and o.id not in have]
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


def way_in(
    key: str, label: str, opens: Callable[[], Awaitable[None]], icon: ft.IconData
) -> ft.Control:
    """One of the me page's ways to its other screens."""
    return button(key, label, act(opens), kind="tonal", icon=icon)


def me_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    name = state.session.user.name if state.session.user else ""
    controls = [
        ft.Row(
            [
                ft.CircleAvatar(content=ft.Text((name or "?")[:1])),
                ft.Text(name, size=18, weight=ft.FontWeight.BOLD),
            ]
        ),
        way_in(
            "open-inbox",
            t(lang, "inbox_unread", n=state.support.unread_notices)
            if state.support.unread_notices
            else t(lang, "inbox"),
            state.open_inbox,
            ft.Icons.NOTIFICATIONS,
        ),
        way_in(
            "open-wallet",
            t(lang, "wallet_open", amount=money(state.me.stored.balance))
            if state.me.stored
            else t(lang, "wallet"),
            state.open_wallet,
            ft.Icons.ACCOUNT_BALANCE_WALLET,
        ),
        way_in("open-family", t(lang, "family"), state.open_family, ft.Icons.FAMILY_RESTROOM),
        way_in(
            "open-notice-settings",
            t(lang, "notice_settings"),
            state.open_notice_settings,
            ft.Icons.NOTIFICATIONS_ACTIVE,
        ),
        orders_section(state),
        wallet_section(state),
        invoices_section(state),
        section(
            t(lang, "language"),
            ft.Row(
                [
                    chip(
                        f"lang-{code}",
                        t(lang, f"lang.{code}"),
                        lang == code,
                        do(state.set_lang, code),
                    )
                    for code in LANGS
                ]
            ),
        ),
        button("logout", t(lang, "logout"), act(state.logout), kind="outlined"),
    ]
    return page_view(state, "/me", t(lang, "me"), controls)
