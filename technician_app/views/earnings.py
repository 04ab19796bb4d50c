"""Earnings per order and per period, payouts and their status, withdrawal request."""

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
from technician_app.state import yuan

PERIODS = [("day", "今日"), ("week", "本周"), ("month", "本月")]
PAYOUT_STATUS = {"pending": "处理中", "paid": "已到账", "failed": "失败", "requested": "已申请"}


@ft.component
def EarningsView():  # noqa: ANN201
    state = use_app()
    period, set_period = ft.use_state("day")
    amount, set_amount = ft.use_state("")
    account, set_account = ft.use_state("")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_earnings, period)

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
                ft.Text(
                    f"{o.at.isoformat()[5:16]} {o.memo or o.kind}",
                    size=16,
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
                ft.Text(str(p.get("created_at", ""))[:10], size=16, expand=True),
                ft.Text(yuan(p.get("amount")), size=16),
                ft.Text(PAYOUT_STATUS.get(p.get("status"), str(p.get("status"))), size=16),
            ]
        )
        for p in state.payouts
    ]
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
                )
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
