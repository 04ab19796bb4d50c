"""Earnings per order and per period in the technician's words (local times, the
platform's fee as a percentage, what each line is for), charts of the period (by day,
by service, the money's split), why money is withdrawable, pending or frozen, payouts
and withdrawals, the withdrawal request, and the way to the deposit (保证金)."""

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
    language_menu,
    outline_button,
    text_field,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import t
from technician_app.state import TechnicianState, parse_time, yuan
from technician_app.state.earnings_charts import income_by_day, income_by_service, money_split
from technician_app.state.labels import (
    city_datetime_text,
    earning_line_text,
    frozen_amount,
    money_state_notes,
    payout_text,
)

PERIODS = ("day", "week", "month")


def service_name(state: TechnicianState, line) -> str | None:  # noqa: ANN001
    """The job's service as the statement names it, else from the order on the device
    (never its id)."""
    order = state.work.orders.get(line.order_id) if line.order_id else None
    if order is not None and state.session.lang == "en" and order.service_name_en:
        return order.service_name_en  # the statement names services in Chinese only
    if line.service_name_zh:
        return line.service_name_zh
    return order.service_name_zh if order is not None else None


def title(text: str) -> ft.Control:
    return ft.Text(text, size=20, weight=ft.FontWeight.BOLD)


def chart_cards(e, period: str, lang: str) -> list[ft.Control]:  # noqa: ANN001
    """The period's charts, one under the other: by day, by service, the money's split."""
    services = income_by_service(e, lang)
    by_day = f"chart.by_day.{period if period in PERIODS else 'month'}"
    return [
        card(
            title(t(lang, by_day)),
            income_by_day_chart(income_by_day(e, period, lang), period, lang),
        ),
        card(
            title(t(lang, "chart.by_service")),
            *(
                income_by_service_chart(services)
                or [ft.Text(t(lang, "earnings.none"), color=MUTED)]
            ),
        ),
        card(title(t(lang, "chart.split")), *money_split_bar(money_split(e, lang))),
    ]


@ft.component
def EarningsView():  # noqa: ANN201
    state = use_app("me", "work")
    period, set_period = ft.use_state("day")
    amount, set_amount = ft.use_state("")
    account, set_account = ft.use_state("")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_earnings_period, period)

    ft.use_effect(load, [period])
    e = state.me.earnings
    lang = state.session.lang

    async def withdraw(_e) -> None:  # noqa: ANN001
        try:
            fen = round(float(amount) * 100)
        except ValueError:
            state.notify(t(lang, "notice.amount_needed"), "error", "amount_invalid")
            return
        await state.withdraw(fen, account.replace(" ", ""))

    if "earnings" in state.session.unavailable:
        return view(
            "/earnings",
            t(lang, "earnings.title"),
            [ft.Text(t(lang, "earnings.unavailable"), size=18, color=MUTED)],
            state,
        )
    per_order: list[ft.Control] = [
        ft.Row(
            [
                ft.Column(
                    [
                        ft.Text(
                            earning_line_text(o.kind, o.memo, service_name(state, o), lang),
                            size=16,
                        ),
                        ft.Text(city_datetime_text(o.at, lang), size=14, color=MUTED),
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
                        ft.Text(payout_text(p, lang), size=16),
                        ft.Text(
                            city_datetime_text(parse_time(p.get("at")), lang), size=14, color=MUTED
                        ),
                    ],
                    spacing=2,
                    expand=True,
                ),
                ft.Text(yuan(p.get("amount")), size=16),
            ]
        )
        for p in state.me.payouts
    ]
    disputed = sum(1 for o in state.work.orders.values() if o.status == "DISPUTED")
    notes = (
        money_state_notes(
            balance=e.balance,
            available=e.available,
            frozen=frozen_amount(e.lines),
            disputed_orders=disputed,
            lang=lang,
        )
        if e
        else []
    )
    return view(
        "/earnings",
        t(lang, "earnings.title"),
        [
            ft.SegmentedButton(
                segments=[
                    ft.Segment(value=p, label=ft.Text(t(lang, f"period.{p}"), size=18))
                    for p in PERIODS
                ],
                selected=[period],
                key="period",
                on_change=lambda ev: set_period((ev.control.selected or ["day"])[0]),
            ),
            card(
                ft.Row(
                    [
                        big_number(
                            yuan(e.earned if e else None),
                            t(lang, "earnings.period_total"),
                            color=GO,
                            key="period_total",
                        ),
                        big_number(yuan(e.available if e else None), t(lang, "money.available")),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_AROUND,
                ),
                *[ft.Text(n, size=15, key=f"money_note_{i}") for i, n in enumerate(notes)],
            ),
            *(chart_cards(e, state.me.earnings_period, lang) if e else []),
            card(
                title(t(lang, "earnings.per_order")),
                *(per_order or [ft.Text(t(lang, "earnings.none"), color=MUTED)]),
            ),
            card(
                title(t(lang, "earnings.payouts")),
                *(payouts or [ft.Text(t(lang, "earnings.none"), color=MUTED)]),
            ),
            text_field(
                t(lang, "earnings.amount"),
                amount,
                set_amount,
                key="withdraw_amount",
                keyboard=ft.KeyboardType.NUMBER,
            ),
            text_field(
                t(lang, "earnings.card"),
                account,
                set_account,
                key="withdraw_account",
                keyboard=ft.KeyboardType.NUMBER,
            ),
            ft.Row([big_button(t(lang, "earnings.withdraw"), withdraw, key="withdraw", color=GO)]),
            ft.Row(
                [
                    outline_button(
                        t(lang, "deposit.open"),
                        lambda _e: go("/deposit"),
                        key="to_deposit",
                        icon=ft.Icons.SHIELD,
                    )
                ]
            ),
        ],
        state,
        actions=[
            ft.TextButton(
                content=ft.Text(t(lang, "analytics.open"), size=16),
                icon=ft.Icons.INSIGHTS,
                key="open_analytics",
                on_click=lambda _e: ft.context.page.navigate("/analytics"),
            ),
            language_menu(state),
        ],
    )
