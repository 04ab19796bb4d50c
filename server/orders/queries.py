"""What other domains read of orders, by name: the orders' table is queried here alone.

Dispatch, payments, realtime, reviews and ops need orders in many shapes (a
technician's held jobs, the offers out, the ones being tracked, counts for rates); each
shape is one function, so a change to the table or its indexes is made in one package.
Writes never come through here: an order changes only by ``orders.moves``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, func, select

from server.core.events import Status
from server.orders.models import Order, OrderEvent


def find(session: Session, order_id: str) -> Order | None:
    return session.get(Order, order_id)


def lock(session: Session, order_id: str) -> Order | None:
    """The order's row, locked for the rest of the transaction and read afresh (money
    races queue on it: a second checkout, a provider event)."""
    return session.get(Order, order_id, with_for_update=True, populate_existing=True)


def by_ids(session: Session, order_ids: Iterable[str]) -> dict[str, Order]:
    wanted = list(dict.fromkeys(order_ids))
    if not wanted:
        return {}
    return {o.id: o for o in session.exec(select(Order).where(col(Order.id).in_(wanted)))}


def owned_by_customer(session: Session, customer_id: str, order_ids: Iterable[str]) -> set[str]:
    """Which of these orders are the customer's."""
    wanted = list(order_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(Order.id).where(col(Order.id).in_(wanted), Order.customer_id == customer_id)
        ).all()
    )


def held_by(session: Session, technician_id: str, statuses: Iterable[str]) -> list[Order]:
    """The technician's orders in these statuses, soonest first."""
    return list(
        session.exec(
            select(Order)
            .where(Order.technician_id == technician_id, col(Order.status).in_(list(statuses)))
            .order_by(col(Order.scheduled_start))
        ).all()
    )


def held_starting_between(
    session: Session,
    technician_id: str,
    statuses: Iterable[str],
    start: datetime,
    end: datetime,
) -> list[Order]:
    """The technician's orders in these statuses that start in [start, end), soonest first."""
    return list(
        session.exec(
            select(Order)
            .where(
                Order.technician_id == technician_id,
                col(Order.status).in_(list(statuses)),
                Order.scheduled_start >= start,
                Order.scheduled_start < end,
            )
            .order_by(col(Order.scheduled_start))
        ).all()
    )


def offered_to(session: Session, technician_id: str) -> list[Order]:
    """Orders whose offer is out to the technician now."""
    return list(
        session.exec(
            select(Order).where(
                Order.offered_technician_id == technician_id,
                Order.status == Status.OFFERED.value,
            )
        ).all()
    )


def tracked_for_customer(
    session: Session, customer_id: str, statuses: Iterable[str]
) -> list[Order]:
    """The customer's orders in these (tracking) statuses that have a technician."""
    return list(
        session.exec(
            select(Order).where(
                Order.customer_id == customer_id,
                col(Order.status).in_(list(statuses)),
                col(Order.technician_id).is_not(None),
            )
        ).all()
    )


def waiting_for_dispatch(session: Session, now: datetime, limit: int) -> list[Order]:
    """Orders waiting for a technician that can still be served, soonest first."""
    return list(
        session.exec(
            select(Order)
            .where(Order.status == Status.PENDING_DISPATCH.value, Order.scheduled_end > now)
            .order_by(col(Order.scheduled_start), col(Order.created_at))
            .limit(limit)
        ).all()
    )


def held_in_window(
    session: Session,
    technician_ids: list[str],
    statuses: Iterable[str],
    after: datetime,
    before: datetime,
) -> list[Order]:
    """These technicians' orders in these statuses that overlap (after, before)."""
    return list(
        session.exec(
            select(Order).where(
                col(Order.technician_id).in_(technician_ids),
                col(Order.status).in_(list(statuses)),
                Order.scheduled_end > after,
                Order.scheduled_start < before,
            )
        ).all()
    )


def offered_to_any(session: Session, technician_ids: list[str]) -> list[Order]:
    """Orders whose offer is out to one of these technicians now."""
    return list(
        session.exec(
            select(Order).where(
                col(Order.offered_technician_id).in_(technician_ids),
                Order.status == Status.OFFERED.value,
            )
        ).all()
    )


def accepted_since(
    session: Session, technician_ids: Iterable[str], since: datetime
) -> dict[str, int]:
    """Per technician, the orders accepted since ``since`` (still held or done)."""
    return {
        tid: int(n)
        for tid, n in session.exec(
            select(Order.technician_id, func.count())
            .where(
                col(Order.technician_id).in_(list(technician_ids)),
                col(Order.accepted_at) >= since,
            )
            .group_by(col(Order.technician_id))
        ).all()
        if tid
    }


def arrived_between(
    session: Session, technician_id: str, since: datetime, until: datetime
) -> list[Order]:
    """The technician's orders he arrived at in [since, until)."""
    return list(
        session.exec(
            select(Order).where(
                Order.technician_id == technician_id,
                col(Order.arrived_at).is_not(None),
                col(Order.arrived_at) >= since,
                col(Order.arrived_at) < until,
            )
        ).all()
    )


def finished_count(
    session: Session, technician_id: str, statuses: Iterable[str], since: datetime
) -> int:
    """How many of the technician's orders in these statuses were finished since ``since``."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Order)
            .where(
                Order.technician_id == technician_id,
                col(Order.status).in_(list(statuses)),
                col(Order.finished_at) >= since,
            )
        ).one()
    )


def finished_counts(
    session: Session,
    statuses: Iterable[str],
    since: datetime,
    technician_ids: list[str] | None = None,
) -> dict[str, int]:
    """Per technician (these, or all), how many of his orders in these statuses were
    finished since ``since`` (``finished_count`` for many technicians at once)."""
    who = (
        col(Order.technician_id).is_not(None)
        if technician_ids is None
        else col(Order.technician_id).in_(technician_ids)
    )
    rows = session.exec(
        select(Order.technician_id, func.count())
        .where(
            who,
            col(Order.status).in_(list(statuses)),
            col(Order.finished_at) >= since,
        )
        .group_by(col(Order.technician_id))
    ).all()
    return {str(tid): int(n) for tid, n in rows}


def cancelled_since(session: Session, customer_id: str, since: datetime) -> int:
    """How many of the customer's orders were cancelled since ``since``."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Order)
            .where(
                Order.customer_id == customer_id,
                Order.status == Status.CANCELLED.value,
                col(Order.cancelled_at) >= since,
            )
        ).one()
    )


# --- the operators' reports -----------------------------------------------------------------


def created_times_between(session: Session, since: datetime, until: datetime) -> list[datetime]:
    return list(
        session.exec(
            select(Order.created_at).where(
                col(Order.created_at) >= since, col(Order.created_at) < until
            )
        ).all()
    )


def completed_values_between(
    session: Session, since: datetime, until: datetime
) -> list[tuple[datetime | None, int, int]]:
    """(completed at, price, approved extras) of the orders completed in [since, until)."""
    return [
        (completed_at, total, extras)
        for completed_at, total, extras in session.exec(
            select(Order.completed_at, Order.total, Order.extras_total).where(
                Order.status == Status.COMPLETED.value,
                col(Order.completed_at) >= since,
                col(Order.completed_at) < until,
            )
        ).all()
    ]


def accepted_between(session: Session, since: datetime, until: datetime) -> list[Order]:
    return list(
        session.exec(
            select(Order).where(
                col(Order.accepted_at).is_not(None),
                col(Order.accepted_at) >= since,
                col(Order.accepted_at) < until,
            )
        ).all()
    )


def arrivals_between(
    session: Session, since: datetime, until: datetime
) -> list[tuple[datetime, datetime, datetime | None]]:
    """(scheduled start, scheduled end, arrived at) of the arrivals in [since, until)."""
    return [
        (start, end, arrived)
        for start, end, arrived in session.exec(
            select(Order.scheduled_start, Order.scheduled_end, Order.arrived_at).where(
                col(Order.arrived_at).is_not(None),
                col(Order.arrived_at) >= since,
                col(Order.arrived_at) < until,
            )
        ).all()
    ]


def finished_between(session: Session, since: datetime, until: datetime) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Order)
            .where(
                col(Order.finished_at).is_not(None),
                col(Order.finished_at) >= since,
                col(Order.finished_at) < until,
            )
        ).one()
    )


def for_monitor(
    session: Session,
    *,
    statuses: list[str] | None,
    district: str | None,
    technician_id: str | None,
    customer_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
) -> list[Order]:
    """The operators' filtered list, newest first (``limit`` None: every match)."""
    query = select(Order)
    if statuses:
        query = query.where(col(Order.status).in_(statuses))
    if district:
        query = query.where(Order.district == district)
    if technician_id:
        query = query.where(Order.technician_id == technician_id)
    if customer_id:
        query = query.where(Order.customer_id == customer_id)
    if since:
        query = query.where(Order.created_at >= since)
    if until:
        query = query.where(Order.created_at < until)
    query = query.order_by(col(Order.created_at).desc())
    return list(session.exec(query if limit is None else query.limit(limit)).all())


def first_events(
    session: Session, order_ids: list[str], event_types: list[str]
) -> list[tuple[str, str, datetime, int]]:
    """Per order and event type: when it first happened and how many times."""
    return [
        (order_id, type_, first, int(count))
        for order_id, type_, first, count in session.exec(
            select(
                OrderEvent.order_id, OrderEvent.type, func.min(OrderEvent.received_at), func.count()
            )
            .where(col(OrderEvent.order_id).in_(order_ids))
            .where(col(OrderEvent.type).in_(event_types))
            .group_by(OrderEvent.order_id, OrderEvent.type)
        ).all()
    ]


def paid_between(
    session: Session, since: datetime, until: datetime
) -> list[tuple[Order, datetime]]:
    """The orders first paid in [since, until), with when (the what-if replay's period)."""
    first_paid = (
        select(OrderEvent.order_id, func.min(OrderEvent.received_at).label("paid_at"))
        .where(OrderEvent.type == "order.paid")
        .group_by(OrderEvent.order_id)
        .subquery()
    )
    rows = session.exec(
        select(Order, first_paid.c.paid_at)
        .join(first_paid, first_paid.c.order_id == Order.id)
        .where(first_paid.c.paid_at >= since, first_paid.c.paid_at < until)
        .order_by(first_paid.c.paid_at, Order.id)
    ).all()
    return [(order, paid_at) for order, paid_at in rows]


_NOT_BOOKED = (Status.PENDING_PAYMENT.value, Status.CANCELLED.value)


def booked_by_customer(session: Session, customer_id: str, limit: int = 200) -> list[Order]:
    """The customer's paid orders, newest first (cancelled ones and unpaid drafts left out)."""
    return list(
        session.exec(
            select(Order)
            .where(Order.customer_id == customer_id, col(Order.status).not_in(_NOT_BOOKED))
            .order_by(col(Order.created_at).desc())
            .limit(limit)
        )
    )


def booked_in_box(
    session: Session,
    box: tuple[float, float, float, float],
    since: datetime,
    *,
    except_customer: str | None,
    limit: int = 5000,
) -> list[tuple[str, float, float]]:
    """(service id, lat, lng) of the paid orders placed since ``since`` whose address lies
    in ``box`` (lat lo, lat hi, lng lo, lng hi), newest first; not the given customer's."""
    lat_lo, lat_hi, lng_lo, lng_hi = box
    query = select(Order.service_id, Order.lat, Order.lng).where(
        col(Order.created_at) >= since,
        col(Order.status).not_in(_NOT_BOOKED),
        col(Order.lat).between(lat_lo, lat_hi),
        col(Order.lng).between(lng_lo, lng_hi),
    )
    if except_customer is not None:
        query = query.where(Order.customer_id != except_customer)
    rows = session.exec(query.order_by(col(Order.created_at).desc()).limit(limit)).all()
    return [(sid, lat, lng) for sid, lat, lng in rows]


def best_sellers(session: Session, since: datetime, limit: int) -> list[str]:
    """Service ids by how many paid orders they had since ``since``, most first."""
    count = func.count(col(Order.id))
    rows = session.exec(
        select(Order.service_id, count)
        .where(col(Order.created_at) >= since, col(Order.status).not_in(_NOT_BOOKED))
        .group_by(col(Order.service_id))
        .order_by(count.desc(), col(Order.service_id))
        .limit(limit)
    ).all()
    return [sid for sid, _ in rows]


def starting_between(
    session: Session, since: datetime, until: datetime, statuses: Iterable[str]
) -> list[Order]:
    """Orders in ``statuses`` whose visit starts in [since, until): the notification
    checks' reminders and delay notices."""
    return list(
        session.exec(
            select(Order).where(
                col(Order.status).in_(list(statuses)),
                col(Order.scheduled_start) >= since,
                col(Order.scheduled_start) < until,
            )
        ).all()
    )


def in_service_started_since(session: Session, since: datetime) -> list[Order]:
    """Visits under way (begun at or after ``since``): the notification checks' overruns."""
    return list(
        session.exec(
            select(Order).where(
                Order.status == Status.IN_SERVICE.value, col(Order.started_at) >= since
            )
        ).all()
    )


def unpaid_since(session: Session, since: datetime) -> list[Order]:
    """Bookings still waiting for their payment, made at or after ``since``."""
    return list(
        session.exec(
            select(Order).where(
                Order.status == Status.PENDING_PAYMENT.value, col(Order.created_at) >= since
            )
        ).all()
    )
