"""``GET /technician/analytics``: a technician's orders and income by day, week or month,
by service category, where his customers are and his district's average
(``analytics_core`` does the arithmetic; this reads the orders and the ledger)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from server.auth.models import User
from server.catalog.models import Category, Service
from server.core.clock import as_utc
from server.core.uow import UnitOfWork
from server.orders.models import Order
from server.payments import analytics_core as core
from server.payments import ledger
from server.payments.models import JournalEntry, JournalLine

OUT_KINDS = ("payout", "withdrawal")  # money leaving his account, not earned
PAYABLE_PREFIX = ledger.payable("")
OTHER = ("其他收入", "Other income")  # income with no order: a compensation


class AnalyticsBucket(BaseModel):
    start: datetime
    orders: int
    income: int


class AnalyticsCategory(BaseModel):
    category_id: str | None  # None: income with no order (a compensation)
    name_zh: str
    name_en: str
    orders: int
    income: int


class AnalyticsSpot(BaseModel):
    lat: float
    lng: float
    orders: int


class AnalyticsRead(BaseModel):
    by: str
    period_from: datetime
    period_to: datetime
    orders: int
    income: int
    buckets: list[AnalyticsBucket]
    categories: list[AnalyticsCategory]
    spots: list[AnalyticsSpot]
    district: core.DistrictComparison | None


def analytics(uow: UnitOfWork, *, technician: User, by: str, timezone: str) -> AnalyticsRead:
    tz = ZoneInfo(timezone)
    edges = core.periods(by, uow.clock.now(), tz)
    start, end = edges[0], edges[-1]
    work = _work(uow, technician.id, start, end)
    income = _income(uow, technician.id, start, end)
    buckets = core.buckets(edges, work, income)
    names = _category_names(uow)
    categories = [
        AnalyticsCategory(
            category_id=cid,
            name_zh=names.get(cid, OTHER)[0],
            name_en=names.get(cid, OTHER)[1],
            orders=n,
            income=fen,
        )
        for cid, (n, fen) in sorted(
            core.by_category(work, income).items(), key=lambda kv: (-kv[1][1], kv[0] or "")
        )
    ]
    district = core.home_district(work)
    return AnalyticsRead(
        by=by,
        period_from=start,
        period_to=end,
        orders=sum(b.orders for b in buckets),
        income=sum(b.income for b in buckets),
        buckets=[AnalyticsBucket(start=b.start, orders=b.orders, income=b.income) for b in buckets],
        categories=categories,
        spots=[AnalyticsSpot(lat=s.lat, lng=s.lng, orders=s.orders) for s in core.spots(work)],
        district=None if district is None else _district(uow, district, technician.id, start, end),
    )


def _work(uow: UnitOfWork, technician_id: str, start: datetime, end: datetime) -> list[core.Work]:
    rows = uow.session.execute(
        sa_select(
            col(Order.finished_at),
            col(Order.lat),
            col(Order.lng),
            col(Order.district),
            col(Service.top_category_id),
        )
        .join(Service, col(Service.id) == col(Order.service_id))
        .where(
            col(Order.technician_id) == technician_id,
            col(Order.finished_at) >= start,
            col(Order.finished_at) < end,
        )
    ).all()
    return [core.Work(as_utc(at), lat, lng, district, cat) for at, lat, lng, district, cat in rows]


def _income(
    uow: UnitOfWork, technician_id: str, start: datetime, end: datetime
) -> list[core.Income]:
    """His earning lines, as the earnings statement lists them (credit to his account)."""
    rows = uow.session.execute(
        sa_select(
            col(JournalLine.created_at), col(JournalLine.amount), col(Service.top_category_id)
        )
        .join(JournalEntry, col(JournalEntry.id) == col(JournalLine.entry_id))
        .outerjoin(Order, col(Order.id) == col(JournalLine.order_id))
        .outerjoin(Service, col(Service.id) == col(Order.service_id))
        .where(
            col(JournalLine.account) == ledger.payable(technician_id),
            col(JournalLine.created_at) >= start,
            col(JournalLine.created_at) < end,
            col(JournalEntry.kind).not_in(OUT_KINDS),
        )
    ).all()
    return [core.Income(as_utc(at), -amount, cat) for at, amount, cat in rows]


def _district(
    uow: UnitOfWork, district: str, me: str, start: datetime, end: datetime
) -> core.DistrictComparison:
    session = uow.session
    orders = session.execute(
        sa_select(col(Order.technician_id), func.count())
        .where(
            col(Order.district) == district,
            col(Order.finished_at) >= start,
            col(Order.finished_at) < end,
            col(Order.technician_id).is_not(None),
        )
        .group_by(col(Order.technician_id))
    ).all()
    income = session.execute(
        sa_select(col(JournalLine.account), func.sum(JournalLine.amount))
        .join(JournalEntry, col(JournalEntry.id) == col(JournalLine.entry_id))
        .join(Order, col(Order.id) == col(JournalLine.order_id))
        .where(
            col(Order.district) == district,
            col(JournalLine.account).startswith(PAYABLE_PREFIX),
            col(JournalLine.created_at) >= start,
            col(JournalLine.created_at) < end,
            col(JournalEntry.kind).not_in(OUT_KINDS),
        )
        .group_by(col(JournalLine.account))
    ).all()
    return core.district_figures(
        district,
        me,
        {str(tid): int(n) for tid, n in orders},
        {acc.removeprefix(PAYABLE_PREFIX): -int(total) for acc, total in income},
    )


def _category_names(uow: UnitOfWork) -> dict[str | None, tuple[str, str]]:
    rows = uow.session.exec(select(Category).where(Category.level == 1)).all()
    return {c.id: (c.name_zh, c.name_en) for c in rows}
