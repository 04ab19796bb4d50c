"""Earnings per order and per period in the technician's words (local times, the
platform's fee as a percentage, what each line is for), charts of the period (by day,
by service, the money's split), why money is withdrawable, pending or frozen, payouts
and withdrawals, and the withdrawal request."""

from __future__ import annotations

import flet as ft

from technician_app.components.earnings_charts import (
    income_by_day_chart,
    income_by_service_chart,
    money_split_bar,
)
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
from technician_app.state import TechnicianState, parse_time, yuan
from technician_app.state.earnings_charts import income_by_day, income_by_service, money_split
from technician_app.state.labels import (
    city_datetime_text,
    earning_line_text,
    frozen_amount,
    money_state_notes,
    payout_text,
)

PERIODS = [("day", "今日"), ("week", "本周"), ("month", "本月")]
BY_DAY_TITLES = {"day": "今日每小时收入", "week": "本周每日收入", "month": "本月每日收入"}


def service_name(state: TechnicianState, line) -> str | None:  # noqa: ANN001
    """The job's service as the statement names it, else from the order on the device
    (never its id)."""
    if line.service_name_zh:
        return line.service_name_zh
    order = state.orders.get(line.order_id) if line.order_id else None
    return order.service_name_zh if order is not None else None


def title(text: str) -> ft.Control:
    return ft.Text(text, size=20, weight=ft.FontWeight.BOLD)


def chart_cards(e, period: str) -> list[ft.Control]:  # noqa: ANN001
    """The period's charts, one under the other: by day, by service, the money's split."""
    services = income_by_service(e)
    return [
        card(
            title(BY_DAY_TITLES.get(period, "每日收入")),
            income_by_day_chart(income_by_day(e, period), period),
        ),
        card(
            title("按服务类别"),
            *(income_by_service_chart(services) or [ft.Text("暂无", color=MUTED)]),
        ),
        card(title("资金构成"), *money_split_bar(money_split(e))),
    ]


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
    per_order: list[ft.Control] = [
        ft.Row(
            [
                ft.Column(
                    [
                        ft.Text(
                            earning_line_text(o.kind, o.memo, service_name(state, o)),
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
    payouts: list[ft.Control] = [
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
            *(chart_cards(e, state.earnings_period) if e else []),
            card(
                title("按订单"),
                *(per_order or [ft.Text("暂无", color=MUTED)]),
            ),
            card(
                title("结算与提现记录"),
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
