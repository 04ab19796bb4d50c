"""Dashboards as data: the figures an operator watches, as JSON (and ``doorstep report``).

A read model over orders, reviews and complaints. Windows are [from, to) in UTC;
the default is the last 7 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlmodel import col, func, select

from server.auth.models import Role, User
from server.core.clock import Clock, as_utc
from server.core.errors import Unprocessable
from server.core.uow import UnitOfWork
from server.ops import monitoring, stats
from server.orders import anomalies
from server.orders import queries as order_queries
from server.reviews.models import Complaint, Review
from server.rules import store as rules_store


def window(
    clock: Clock, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    until = as_utc(until) if until else clock.now()
    since = as_utc(since) if since else until - timedelta(days=7)
    if since >= until:
        raise Unprocessable("'from' must be before 'to'", code="window_invalid")
    if until - since > timedelta(days=366):
        raise Unprocessable("at most one year at a time", code="window_too_long")
    return since, until


def orders_per_hour(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    session = uow.session
    times = [as_utc(t) for t in order_queries.created_times_between(session, since, until)]
    buckets = stats.hour_buckets(times, since, until)
    return {
        "from": since,
        "to": until,
        "total": len(times),
        "hours": buckets,
        "peak": max(buckets, key=lambda b: b["count"]) if buckets else None,
    }


def gmv(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    """GMV: value (fen) of the orders completed in the window, price plus approved extras."""
    session = uow.session
    rows = order_queries.completed_values_between(session, since, until)
    by_day: dict[str, int] = {}
    for completed_at, total, extras in rows:
        # the window's bounds keep only orders with a completion time
        day = as_utc(cast(datetime, completed_at)).date().isoformat()
        by_day[day] = by_day.get(day, 0) + total + extras
    total = sum(by_day.values())
    return {
        "from": since,
        "to": until,
        "gmv": total,
        "currency": "CNY",
        "orders": len(rows),
        "average_order": round(total / len(rows)) if rows else None,
        "by_day": [{"day": d, "gmv": v} for d, v in sorted(by_day.items())],
    }


def acceptance(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    """Seconds from payment (the order entering dispatch) to a technician accepting."""
    session = uow.session
    orders = order_queries.accepted_between(session, since, until)
    facts = monitoring.facts_for(session, orders)
    seconds = []
    for o in orders:
        start = facts[o.id].paid_at or as_utc(o.created_at)
        accepted_at = cast(datetime, o.accepted_at)  # the query keeps accepted orders only
        seconds.append(max(0.0, (as_utc(accepted_at) - start).total_seconds()))
    return {
        "from": since,
        "to": until,
        "orders": len(seconds),
        "p50_seconds": stats.percentile(seconds, 50),
        "p95_seconds": stats.percentile(seconds, 95),
        "max_seconds": max(seconds) if seconds else None,
    }


def on_time(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    session = uow.session
    rules = rules_store.current_rules(uow).ops.monitor
    rows = order_queries.arrivals_between(session, since, until)
    late = 0
    for start, end, arrived in rows:
        facts = anomalies.OrderFacts(
            status="ARRIVED",
            scheduled_start=as_utc(start),
            scheduled_end=as_utc(end),
            created_at=as_utc(start),
            arrived_at=as_utc(cast(datetime, arrived)),  # the query keeps arrivals only
        )
        late += bool(anomalies.was_late(facts, rules))
    return {
        "from": since,
        "to": until,
        "arrivals": len(rows),
        "late": late,
        "on_time_rate": stats.rate(len(rows) - late, len(rows)),
        "grace_minutes": rules.late_arrival_grace_minutes,
    }


def complaints(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    session = uow.session
    finished = order_queries.finished_between(session, since, until)
    rows = session.exec(
        select(Complaint.category, Complaint.outcome).where(
            Complaint.created_at >= since, Complaint.created_at < until
        )
    ).all()
    by_category: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for category, outcome in rows:
        by_category[category] = by_category.get(category, 0) + 1
        by_outcome[outcome or "open"] = by_outcome.get(outcome or "open", 0) + 1
    return {
        "from": since,
        "to": until,
        "complaints": len(rows),
        "finished_orders": finished,
        "complaint_rate": stats.rate(len(rows), finished),
        "by_category": by_category,
        "by_outcome": by_outcome,
    }


def technicians(
    uow: UnitOfWork, *, since: datetime, until: datetime, n: int = 5, min_ratings: int = 1
) -> dict[str, Any]:
    """Top and bottom technicians by mean rating in the window (with at least min_ratings)."""
    session = uow.session
    rows = session.exec(
        select(Review.subject_id, func.avg(Review.overall), func.count())
        .where(
            Review.author_role == Role.customer.value,
            Review.status == "visible",
            Review.created_at >= since,
            Review.created_at < until,
        )
        .group_by(Review.subject_id)
    ).all()
    ranked = sorted(
        ((sid, float(avg), cnt) for sid, avg, cnt in rows if cnt >= min_ratings),
        key=lambda r: (-r[1], -r[2], r[0]),
    )
    names = {
        u.id: u.name
        for u in session.exec(select(User).where(col(User.id).in_([r[0] for r in ranked])))
    }

    def item(r: tuple[str, float, int]) -> dict[str, Any]:
        return {
            "technician_id": r[0],
            "name": names.get(r[0], ""),
            "rating": round(r[1], 3),
            "ratings": r[2],
        }

    return {
        "from": since,
        "to": until,
        "top": [item(r) for r in ranked[:n]],
        "bottom": [item(r) for r in reversed(ranked[-n:])] if ranked else [],
    }


def summary(uow: UnitOfWork, *, since: datetime, until: datetime) -> dict[str, Any]:
    return {
        "from": since,
        "to": until,
        "orders_per_hour": orders_per_hour(uow, since=since, until=until),
        "gmv": gmv(uow, since=since, until=until),
        "acceptance": acceptance(uow, since=since, until=until),
        "on_time": on_time(uow, since=since, until=until),
        "complaints": complaints(uow, since=since, until=until),
        "technicians": technicians(uow, since=since, until=until),
    }
