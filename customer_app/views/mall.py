"""积分商城: the customer's points, what they can be exchanged for (with the stock left,
the per-customer limit and why an item cannot be taken now), and the exchanges made."""

from __future__ import annotations

import flet as ft

from client.models import MallItemRead, MallRedemptionRead
from customer_app.components.common import act, button, keyed, local, muted, page_view, section
from customer_app.i18n import money, t
from customer_app.state import CustomerState


def _terms(state: CustomerState, item: MallItemRead) -> str:
    lang = state.session.lang
    if item.kind == "product":
        place = state.ship_to()
        if place is None:
            return t(lang, "mall_product_no_place")
        return t(lang, "mall_product", place=f"{place.text} {place.detail}".strip())
    parts = [t(lang, "mall_coupon_terms", amount=money(item.coupon_amount), days=item.valid_days)]
    if item.coupon_threshold:
        parts.append(t(lang, "mall_coupon_threshold", threshold=money(item.coupon_threshold)))
    service = item.service_name_en if lang == "en" else item.service_name_zh
    if service:
        parts.append(t(lang, "mall_coupon_service", service=service))
    return "，".join(parts) if lang == "zh" else ", ".join(parts)


def item_tile(state: CustomerState, item: MallItemRead) -> ft.Control:
    lang = state.session.lang
    name = item.name_en if lang == "en" else item.name_zh
    limits = []
    if item.stock_left is not None:
        limits.append(t(lang, "mall_stock_left", n=item.stock_left))
    if item.my_left is not None:
        limits.append(t(lang, "mall_my_left", n=item.my_left))
    why = state.why_not(item)
    short = {
        "mall_sold_out": "mall_sold_out_short",
        "mall_limit_reached": "mall_limit_reached_short",
    }
    return keyed(
        f"mall-{item.code}",
        ft.Container(
            ft.Column(
                [
                    ft.Row(
                        [
                            ft.Text(name, size=16, weight=ft.FontWeight.BOLD, expand=True),
                            ft.Text(
                                t(lang, "mall_points", n=item.points),
                                color=ft.Colors.ORANGE_800,
                                weight=ft.FontWeight.BOLD,
                            ),
                        ]
                    ),
                    muted(_terms(state, item)),
                    *([muted(" · ".join(limits))] if limits else []),
                    ft.Row(
                        [
                            *([muted(t(lang, short.get(why, why)))] if why else []),
                            button(
                                f"redeem-{item.code}",
                                t(lang, "mall_redeem"),
                                act(state.redeem, item.code),
                                disabled=why is not None or state.session.busy,
                            ),
                        ],
                        alignment=ft.MainAxisAlignment.END,
                    ),
                ],
                spacing=4,
            ),
            padding=ft.Padding.all(12),
            border_radius=12,
            border=ft.Border.all(1, ft.Colors.GREY_200),
            bgcolor=ft.Colors.WHITE,
        ),
        label=name,
    )


def redemption_line(state: CustomerState, r: MallRedemptionRead) -> ft.Control:
    lang = state.session.lang
    status = t(lang, f"mall_status.{r.status}", no=r.tracking_no)
    name = r.name_en if lang == "en" else r.name_zh
    return ft.Text(
        f"· {name} · {t(lang, 'mall_points', n=r.points)} · {status} · {local(r.created_at)}"
    )


def mall_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    if "mall" in state.session.missing:
        return page_view(state, "/mall", t(lang, "mall"), [muted(t(lang, "unavailable"))])
    balance = state.points_balance()
    controls: list[ft.Control] = [
        ft.Text(
            t(lang, "mall_balance", n=balance if balance is not None else "—"),
            size=18,
            weight=ft.FontWeight.BOLD,
            key="mall-balance",
        ),
        *([item_tile(state, i) for i in state.me.mall_items] or [muted(t(lang, "mall_empty"))]),
    ]
    if state.me.mall_redemptions:
        lines = [redemption_line(state, r) for r in state.me.mall_redemptions]
        controls.append(section(t(lang, "mall_mine"), *lines))
    return page_view(state, "/mall", t(lang, "mall"), controls)
