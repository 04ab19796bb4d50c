"""The earnings page's charts as plain numbers: income by day (by hour for today) on the
city's calendar, income by service, and the money's split into 可提现 / 待结算 / 冻结.
Pure functions of the statement the app already loads (``EarningsRead``), so the
figures are tested without a screen and always add up to the page's own totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from client.citytime import CITY_TZ
from client.models import EarningOrder, EarningsRead
from technician_app.i18n import DEFAULT_LANG, t
from technician_app.state.labels import frozen_amount

# Money going out, not earned: the statement's ``earned`` leaves these out, so do the charts.
OUT_KINDS = frozenset({"payout", "withdrawal"})
# A line without a job (or whose job names no service): what it is instead.
NO_SERVICE_KEYS = {"compensation": "earning.compensation", "cancellation": "earning.cancellation"}


@dataclass(frozen=True)
class IncomeBar:
    """One bar of the by-day chart: its label under the bar and its income in fen."""

    label: str
    start: datetime  # the bucket's first instant, in the city's zone
    amount: int


@dataclass(frozen=True)
class ServiceIncome:
    """One service's income in the period and its share of the period's gross income
    (``None`` when it nets to nothing or less: a complaint held it back)."""

    name: str
    amount: int
    share: float | None


@dataclass(frozen=True)
class MoneyPart:
    """One part of the money's split: 可提现, 待结算 or 冻结."""

    key: str
    label: str
    amount: int


def income_lines(lines: Iterable[EarningOrder]) -> list[EarningOrder]:
    """The lines the period's ``earned`` counts (everything but money paid out)."""
    return [line for line in lines if line.kind not in OUT_KINDS]


def _city_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CITY_TZ)


def _buckets(earnings: EarningsRead, period: str, lang: str) -> list[tuple[str, datetime]]:
    """The chart's buckets over the statement's own window: the hours of today, or
    every city day of the week (周一 … 周日) or month (12/1 … 12/31)."""
    first = earnings.period_from.astimezone(CITY_TZ)
    end = earnings.period_to.astimezone(CITY_TZ)
    if period == "day":
        midnight = _city_midnight(first.date())
        return [(t(lang, "chart.hour", h=h), midnight + timedelta(hours=h)) for h in range(24)]
    buckets: list[tuple[str, datetime]] = []
    day = first.date()
    while _city_midnight(day) < end:
        label = (
            t(lang, f"weekday.{day.weekday()}") if period == "week" else f"{day.month}/{day.day}"
        )
        buckets.append((label, _city_midnight(day)))
        day += timedelta(days=1)
    return buckets


def income_by_day(earnings: EarningsRead, period: str, lang: str = DEFAULT_LANG) -> list[IncomeBar]:
    """The period's income per city day (per hour for ``day``), every day present:
    a day without income is a zero bar, so the week always reads 周一 to 周日."""
    buckets = _buckets(earnings, period, lang)
    totals = [0] * len(buckets)
    starts = [start for _, start in buckets]
    for line in income_lines(earnings.lines):
        at = line.at.astimezone(CITY_TZ)
        for i in range(len(starts) - 1, -1, -1):
            if at >= starts[i]:
                totals[i] += line.amount
                break
    return [
        IncomeBar(label, start, amount)
        for (label, start), amount in zip(buckets, totals, strict=True)
    ]


def _service_of(line: EarningOrder, lang: str) -> str:
    if line.service_name_zh:
        return line.service_name_zh
    return t(lang, NO_SERVICE_KEYS.get(line.kind, "money.other_income"))


def income_by_service(earnings: EarningsRead, lang: str = DEFAULT_LANG) -> list[ServiceIncome]:
    """The period's income per service, largest first; the amounts add up to the
    period's ``earned``. A held-back (frozen) amount counts against its job's service."""
    totals: dict[str, int] = {}
    for line in income_lines(earnings.lines):
        name = _service_of(line, lang)
        totals[name] = totals.get(name, 0) + line.amount
    gross = sum(amount for amount in totals.values() if amount > 0)
    return [
        ServiceIncome(name, amount, amount / gross if amount > 0 else None)
        for name, amount in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]


def money_split(earnings: EarningsRead, lang: str = DEFAULT_LANG) -> list[MoneyPart]:
    """The money as the page's notes define it: 可提现 (settled), 待结算 (the balance
    not yet settled, T+1) and 冻结 (held by open complaints in the period)."""
    return [
        MoneyPart("available", t(lang, "money.available"), earnings.available),
        MoneyPart(
            "pending",
            t(lang, "money.pending"),
            max(0, earnings.balance - earnings.available),
        ),
        MoneyPart("frozen", t(lang, "money.frozen"), frozen_amount(earnings.lines)),
    ]


def share_text(share: float | None) -> str:
    """A share as the legend reads it: 62%, <1% for a sliver, nothing without one."""
    if share is None:
        return ""
    percent = round(share * 100)
    return "<1%" if percent == 0 and share > 0 else f"{percent}%"
