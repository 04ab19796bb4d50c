"""Earnings per order and per period in the technician's words (local times, the
platform's fee as a percentage, what each line is for), why money is withdrawable,
pending or frozen, payouts and withdrawals, and the withdrawal request."""

from __future__ import annotations

import flet as ft

from technician_app.components.widgets import (
    GO,
    MUTED,
    big_button,
    big_number,
    card,
    text_field,
    view,
)
from technician_app.context import use_app
from technician_app.state import parse_time, yuan
from technician_app.state.labels import (
    city_datetime_text,
    earning_line_text,
    frozen_amount,
    money_state_notes,
    payout_text,
)

PERIODS = [("day", "今日"), ("week", "本周"), ("month", "本月")]


def service_name(state, order_id: str | None) -> str | None:  # noqa: ANN001
    """The job's service, when the order is on the device (never its id)."""
    order = state.orders.get(order_id) if order_id else None
    return order.service_name_zh if order is not None else None


@ft.component
def EarningsView():  # noqa: ANN201
    state = use_app()
    period, set_period = ft.use_state("day")
    amount, set_amount = ft.use_state("")
    account, set_account = ft.use_state("")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_earnings_period, period)

    ft.use_effect(load, [period])
    e = state.earnings

    async def withdraw(_e) -> None:  # noqa: ANN001
        try:
            fen = round(float(amount) * 100)
        except ValueError:
            state.notify("请输入提现金额", "error", "amount_invalid")
            return
        await state.withdraw(fen, account.replace(" ", ""))

    if "earnings" in state.unavailable:
        return view(
            "/earnings",
            "我的收入",
            [ft.Text("服务器暂未开放收入查询", size=18, color=MUTED)],
            state,
        )
    per_order = [
        ft.Row(
            [
                ft.Column(
                    [
                        ft.Text(
                            earning_line_text(o.kind, o.memo, service_name(state, o.order_id)),
                            size=16,
                        ),
                        ft.Text(city_datetime_text(o.at), size=14, color=MUTED),
                    ],
                    spacing=2,
                    expand=True,
                ),
                ft.Text(yuan(o.amount), size=18, weight=ft.FontWeight.BOLD),
            ]
        )
        for o in (e.lines if e else [])
    ]
    payouts = [
        ft.Row(
            [
                ft.Column(
                    [
                        ft.Text(payout_text(p), size=16),
                        ft.Text(city_datetime_text(parse_time(p.get("at"))), size=14, color=MUTED),
                    ],
                    spacing=2,
                    expand=True,
                ),
                ft.Text(yuan(p.get("amount")), size=16),
            ]
        )
        for p in state.payouts
    ]
    disputed = sum(1 for o in state.orders.values() if o.status == "DISPUTED")
    notes = (
        money_state_notes(
            balance=e.balance,
            available=e.available,
            frozen=frozen_amount(e.lines),
            disputed_orders=disputed,
        )
        if e
        else []
    )
    return view(
        "/earnings",
        "我的收入",
        [
            ft.SegmentedButton(
                segments=[ft.Segment(value=v, label=ft.Text(t, size=18)) for v, t in PERIODS],
                selected=[period],
                key="period",
                on_change=lambda ev: set_period((ev.control.selected or ["day"])[0]),
            ),
            card(
                ft.Row(
                    [
                        big_number(
                            yuan(e.earned if e else None), "本期收入", color=GO, key="period_total"
                        ),
                        big_number(yuan(e.available if e else None), "可提现"),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_AROUND,
                ),
                *[ft.Text(n, size=15, key=f"money_note_{i}") for i, n in enumerate(notes)],
            ),
            card(
                ft.Text("按订单", size=20, weight=ft.FontWeight.BOLD),
                *(per_order or [ft.Text("暂无", color=MUTED)]),
            ),
            card(
                ft.Text("结算与提现记录", size=20, weight=ft.FontWeight.BOLD),
                *(payouts or [ft.Text("暂无", color=MUTED)]),
            ),
            text_field(
                "提现金额（元）",
                amount,
                set_amount,
                key="withdraw_amount",
                keyboard=ft.KeyboardType.NUMBER,
            ),
            text_field(
                "银行卡号",
                account,
                set_account,
                key="withdraw_account",
                keyboard=ft.KeyboardType.NUMBER,
            ),
            ft.Row([big_button("申请提现", withdraw, key="withdraw", color=GO)]),
        ],
        state,
    )
