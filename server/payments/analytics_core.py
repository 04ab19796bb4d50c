"""A technician's business figures as plain arithmetic (pure: no I/O): the periods a
range is cut into on the city's calendar, his finished orders and income per period and
per service category, where his customers are (a coarse grid, never an address), and his
district's average beside his own.

The income is the ledger's: the same lines as the earnings statement, so the two pages
always agree. A line's period is the day it was booked in the city's zone.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from server.core.errors import Unprocessable

# How far back each grouping looks, in its own units: two weeks of days, a quarter of
# weeks, half a year of months.
SPANS = {"day": 14, "week": 12, "month": 6}
# Customers' homes are counted on a grid of this many degrees (about 1 km north-south in
# China): enough to see where the work is, too coarse to point at a home.
GRID_DEG = 0.01


@dataclass(frozen=True)
class Work:
    """One finished order of a technician: when it finished, where (the order's coarse
    point), its district and its service category."""

    finished_at: datetime
    lat: float
    lng: float
    district: str
    category_id: str


@dataclass(frozen=True)
class Income:
    """One earning line of the ledger (fen; negative for a refund or deduction)."""

    at: datetime
    amount: int
    category_id: str | None  # None: a line with no order (a compensation)


@dataclass(frozen=True)
class Bucket:
    start: datetime  # aware, the period's first instant in the city's zone
    orders: int
    income: int


@dataclass(frozen=True)
class Spot:
    lat: float  # the grid cell's centre
    lng: float
    orders: int


def periods(by: str, now: datetime, tz: ZoneInfo) -> list[datetime]:
    """The starts of the last ``SPANS[by]`` days, weeks (from Monday) or months up to and
    including the one holding ``now``, then the end of the last: len = span + 1."""
    if by not in SPANS:
        raise Unprocessable("group by day, week or month", code="analytics_grouping_invalid")
    if now.tzinfo is None:
        raise Unprocessable("times must carry a zone", code="naive_datetime")
    today = now.astimezone(tz).date()
    n = SPANS[by]
    if by == "day":
        days = [today - timedelta(days=n - 1 - i) for i in range(n + 1)]
    elif by == "week":
        monday = today - timedelta(days=today.weekday())
        days = [monday - timedelta(weeks=n - 1 - i) for i in range(n + 1)]
    else:
        days = [_add_months(today.replace(day=1), i - (n - 1)) for i in range(n + 1)]
    return [datetime.combine(d, time(0), tzinfo=tz) for d in days]


def _add_months(first: date, k: int) -> date:
    m = first.month - 1 + k
    return date(first.year + m // 12, m % 12 + 1, 1)


def _index(edges: Sequence[datetime], at: datetime) -> int | None:
    """Which period ``at`` falls in (None: outside them all)."""
    if at < edges[0] or at >= edges[-1]:
        return None
    lo, hi = 0, len(edges) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if at >= edges[mid]:
            lo = mid
        else:
            hi = mid
    return lo


def buckets(
    edges: Sequence[datetime], work: Iterable[Work], income: Iterable[Income]
) -> list[Bucket]:
    """Orders finished and income booked per period; what falls outside is left out."""
    orders = [0] * (len(edges) - 1)
    money = [0] * (len(edges) - 1)
    for w in work:
        i = _index(edges, w.finished_at)
        if i is not None:
            orders[i] += 1
    for line in income:
        i = _index(edges, line.at)
        if i is not None:
            money[i] += line.amount
    return [Bucket(edges[i], orders[i], money[i]) for i in range(len(edges) - 1)]


def by_category(
    work: Iterable[Work], income: Iterable[Income]
) -> dict[str | None, tuple[int, int]]:
    """Per service category: (orders, income). Order-less income sits under None."""
    orders: Counter[str | None] = Counter(w.category_id for w in work)
    money: defaultdict[str | None, int] = defaultdict(int)
    for line in income:
        money[line.category_id] += line.amount
    return {k: (orders.get(k, 0), money.get(k, 0)) for k in set(orders) | set(money)}


def spots(work: Iterable[Work]) -> list[Spot]:
    """Finished orders counted per grid cell (its centre), busiest first."""
    cells: Counter[tuple[int, int]] = Counter(
        (math.floor(w.lat / GRID_DEG), math.floor(w.lng / GRID_DEG)) for w in work
    )
    return [
        Spot(round((i + 0.5) * GRID_DEG, 4), round((j + 0.5) * GRID_DEG, 4), n)
        for (i, j), n in sorted(cells.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def home_district(work: Iterable[Work]) -> str | None:
    """Where most of his orders were (ties: the first by name); None without any."""
    counts = Counter(w.district for w in work if w.district)
    if not counts:
        return None
    return min(counts, key=lambda d: (-counts[d], d))


class DistrictComparison(BaseModel):
    """His orders and income in the district, and the average per technician who worked
    there in the range (finished an order or was paid for one; him included)."""

    district: str
    technicians: int
    my_orders: int
    my_income: int
    average_orders: float
    average_income: float


def district_figures(
    district: str, me: str, orders: dict[str, int], income: dict[str, int]
) -> DistrictComparison:
    """``orders``/``income``: per technician, in the district and the range."""
    people = set(orders) | set(income) | {me}
    n = len(people)
    return DistrictComparison(
        district=district,
        technicians=n,
        my_orders=orders.get(me, 0),
        my_income=income.get(me, 0),
        average_orders=round(sum(orders.values()) / n, 2),
        average_income=round(sum(income.values()) / n, 2),
    )
