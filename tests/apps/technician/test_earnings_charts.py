"""The earnings page's charts as numbers: every day of the period present (a day without
income is a zero bar), the city's (Asia/Shanghai) day boundaries, services that add up
to the period's earned, the money split as the page's notes define it; and, against a
live server, a confirmed job's income on its day and under its service."""

from __future__ import annotations

from datetime import UTC, datetime

import flet as ft

from client.citytime import CITY_TZ
from client.models import EarningOrder, EarningsRead
from technician_app.components.earnings_charts import (
    income_by_day_chart,
    income_by_service_chart,
    money_split_bar,
)
from technician_app.state import TechnicianState
from technician_app.state.earnings_charts import (
    income_by_day,
    income_by_service,
    money_split,
    share_text,
)
from technician_app.state.live import earnings_window
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.technician.conftest import FAR, DeviceClock, do_job, onboard

# Wednesday 3 Dec 2025, 14:05 in Shanghai
NOW = datetime(2025, 12, 3, 6, 5, tzinfo=UTC)


def line(
    kind: str, amount: int, at: datetime, service: str | None = None, order: str | None = "o1"
) -> EarningOrder:
    return EarningOrder(
        order_id=order, kind=kind, amount=amount, at=at, memo="", service_name_zh=service
    )


def statement(
    period: str, lines: list[EarningOrder], *, balance: int = 0, available: int = 0
) -> EarningsRead:
    start, end = earnings_window(NOW, period)
    out = ("payout", "withdrawal")
    return EarningsRead(
        technician_id="t1",
        period_from=start.astimezone(UTC),  # the server answers in UTC
        period_to=end.astimezone(UTC),
        earned=sum(ln.amount for ln in lines if ln.kind not in out),
        paid_out=-sum(ln.amount for ln in lines if ln.kind in out),
        balance=balance,
        available=available,
        lines=lines,
        payouts=[],
    )


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 12, day, hour, minute, tzinfo=UTC)


def test_the_week_reads_monday_to_sunday_with_zero_days_present() -> None:
    earnings = statement(
        "week",
        [
            line("split", 8500, utc(2, 3), "日常保洁"),  # Tue 11:00 in Shanghai
            line("split", 4000, utc(3, 6), "空调清洗"),  # Wed 14:00
            line("payout", -8500, utc(3, 7), order=None),  # money out: not income
        ],
    )
    bars = income_by_day(earnings, "week")
    assert [b.label for b in bars] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert [b.amount for b in bars] == [0, 8500, 4000, 0, 0, 0, 0]
    assert sum(b.amount for b in bars) == earnings.earned
    assert all(b.start.tzinfo == CITY_TZ and b.start.hour == 0 for b in bars)


def test_days_follow_the_city_calendar_not_utc() -> None:
    earnings = statement(
        "week",
        [
            line("split", 100, utc(1, 15, 59)),  # Mon 23:59 in Shanghai
            line("split", 200, utc(1, 16, 0)),  # Tue 00:00 in Shanghai (still Mon in UTC)
            line("split", 300, utc(7, 15, 59)),  # Sun 23:59: the week's last minute
        ],
    )
    assert [b.amount for b in income_by_day(earnings, "week")] == [100, 200, 0, 0, 0, 0, 300]


def test_the_month_has_a_bar_per_day_and_today_a_bar_per_hour() -> None:
    nov_30 = datetime(2025, 11, 30, 23, 30, tzinfo=UTC)  # 1 Dec 07:30 in Shanghai
    month = statement("month", [line("split", 500, nov_30)])
    bars = income_by_day(month, "month")
    assert len(bars) == 31 and bars[0].label == "12/1" and bars[-1].label == "12/31"
    assert [b.amount for b in bars if b.amount] == [500]
    assert bars[0].amount == 500

    today = statement("day", [line("split", 700, utc(3, 6, 5)), line("split", 50, utc(2, 16))])
    hours = income_by_day(today, "day")
    assert len(hours) == 24 and hours[0].label == "0时" and hours[14].label == "14时"
    assert hours[14].amount == 700 and hours[0].amount == 50
    assert sum(h.amount for h in hours) == today.earned


def test_services_add_up_to_the_periods_earned() -> None:
    earnings = statement(
        "month",
        [
            line("split", 8500, utc(2, 3), "日常保洁"),
            line("split", 6000, utc(3, 3), "日常保洁", order="o2"),
            line("split", 4000, utc(3, 6), "空调清洗", order="o3"),
            line("freeze", -4000, utc(4, 6), "空调清洗", order="o3"),
            line("compensation", 1500, utc(5, 6), order=None),
            line("withdrawal", -10000, utc(6, 6), order=None),
        ],
    )
    services = income_by_service(earnings)
    assert [(s.name, s.amount) for s in services] == [
        ("日常保洁", 14500),
        ("平台补贴", 1500),
        ("空调清洗", 0),
    ]
    assert sum(s.amount for s in services) == earnings.earned == 16000
    assert [share_text(s.share) for s in services] == ["91%", "9%", ""]
    assert share_text(0.001) == "<1%"


def test_the_money_split_is_the_pages_own_figures() -> None:
    earnings = statement(
        "week",
        [line("split", 8500, utc(2, 3), "日常保洁"), line("freeze", -3000, utc(3, 3))],
        balance=12000,
        available=5000,
    )
    parts = money_split(earnings)
    assert [(p.label, p.amount) for p in parts] == [
        ("可提现", 5000),
        ("待结算", 7000),
        ("冻结", 3000),
    ]


def texts(controls: list[ft.Control]) -> list[str]:
    """Every text a list of controls shows (rows' and containers' children too)."""
    found: list[str] = []
    for control in controls:
        if isinstance(control, ft.Text):
            found.append(str(control.value))
        for child in getattr(control, "controls", None) or []:
            found += texts([child])
        content = getattr(control, "content", None)
        if isinstance(content, ft.Control):
            found += texts([content])
    return found


def test_the_charts_name_days_services_and_money_in_chinese() -> None:
    earnings = statement(
        "week", [line("split", 8500, utc(2, 3), "日常保洁")], balance=8500, available=0
    )
    chart = income_by_day_chart(income_by_day(earnings, "week"), "week")
    assert chart.height == 200
    bar_chart = chart.content
    labels = [label.label.value for label in bar_chart.bottom_axis.labels]
    assert labels == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert bar_chart.groups[1].rods[0].to_y == 85 and bar_chart.groups[1].rods[0].tooltip == (
        "周二 ¥85.00"
    )
    shown = texts(income_by_service_chart(income_by_service(earnings)))
    assert shown == ["日常保洁", "¥85.00", "100%"]
    split = texts(money_split_bar(money_split(earnings)))
    assert split == ["可提现", "¥0.00", "", "待结算", "¥85.00", "100%", "冻结", "¥0.00", ""]


async def test_a_confirmed_job_shows_on_its_day_and_under_its_service(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    door = {**DEMO_ADDRESS, "lat": FAR[0], "lng": FAR[1]}  # do_job checks in at FAR
    order = live_server.assign(customer, tech.user.id, address=door)
    await tech.refresh()
    await do_job(tech, order["id"], device)
    r = live_server.call("POST", f"/orders/{order['id']}/confirm", customer)
    assert r.status_code == 200, r.text
    device.now = datetime.now(UTC)  # the phone's clock on the server's day again

    await tech.load_earnings_period("week")
    earnings = tech.me.earnings
    assert earnings is not None and tech.me.earnings_period == "week"
    (split,) = [ln for ln in earnings.lines if ln.kind == "split"]
    service = tech.order(order["id"]).service_name_zh
    assert split.service_name_zh == service  # the statement names the job's service

    bars = income_by_day(earnings, "week")
    today = split.at.astimezone(CITY_TZ).date()
    (day,) = [b for b in bars if b.start.date() == today]
    assert day.amount >= split.amount > 0
    assert day.label == ("周一", "周二", "周三", "周四", "周五", "周六", "周日")[today.weekday()]
    assert sum(b.amount for b in bars) == earnings.earned

    services = {s.name: s.amount for s in income_by_service(earnings)}
    assert services[service] == split.amount
    assert sum(services.values()) == earnings.earned
    pending = {p.key: p.amount for p in money_split(earnings)}["pending"]
    assert pending == earnings.balance - earnings.available > 0
