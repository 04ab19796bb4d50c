"""What the live feed reads of orders and their event log (``realtime/replay.py``): named
reads, so the realtime domain never queries the orders' tables itself. Each returns rows
in id order (so each order's events come in ``seq`` order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, or_, select

from server.orders.models import Order, OrderEvent

TERMINAL = ("COMPLETED", "CANCELLED")


def last_event_id(session: Session) -> int:
    return int(session.exec(select(func.max(OrderEvent.id))).one() or 0)


def timeline(
    session: Session, order_id: str, *, after_seq: int = 0, upto_seq: int | None = None
) -> Sequence[OrderEvent]:
    """One order's events after ``after_seq`` (up to ``upto_seq``), in seq order."""
    stmt = select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.seq > after_seq)
    if upto_seq is not None:
        stmt = stmt.where(OrderEvent.seq <= upto_seq)
    return session.exec(stmt.order_by(col(OrderEvent.seq))).all()


def events_of(session: Session, order_ids: Iterable[str], *, limit: int) -> Sequence[OrderEvent]:
    ids = set(order_ids)
    if not ids:
        return []
    stmt = select(OrderEvent).where(col(OrderEvent.order_id).in_(ids))
    return session.exec(stmt.order_by(col(OrderEvent.id)).limit(limit)).all()


def customer_events_after(
    session: Session, customer_id: str, floor: int, *, limit: int
) -> Sequence[OrderEvent]:
    """Events of the customer's orders with an id above ``floor``."""
    stmt = (
        select(OrderEvent)
        .join(Order, col(Order.id) == col(OrderEvent.order_id))
        .where(Order.customer_id == customer_id, col(OrderEvent.id) > floor)
    )
    return session.exec(stmt.order_by(col(OrderEvent.id)).limit(limit)).all()


def open_holds(session: Session, technician_id: str) -> list[str]:
    """Orders the technician holds or is offered and that are not over."""
    stmt = select(Order.id).where(
        or_(Order.technician_id == technician_id, Order.offered_technician_id == technician_id),
        col(Order.status).notin_(TERMINAL),
    )
    return list(session.exec(stmt).all())


def orders_touching(
    session: Session, user_id: str, floor: int, *, also: Iterable[str] = ()
) -> set[str]:
    """Orders with an event above ``floor`` that the user made or that names them, and
    orders of ``also`` with any event above ``floor``."""
    touching = select(OrderEvent.order_id).where(
        col(OrderEvent.id) > floor,
        or_(
            OrderEvent.actor_id == user_id,
            cast(OrderEvent.payload, String).contains(user_id),
        ),
    )
    found = set(session.exec(touching.distinct()).all())
    held = set(also)
    if held:
        moved = select(OrderEvent.order_id).where(
            col(OrderEvent.id) > floor, col(OrderEvent.order_id).in_(held)
        )
        found |= set(session.exec(moved.distinct()).all())
    return found


def staff_events(
    session: Session,
    *,
    watch: set[str] | None,
    known: set[str],
    floor: int | None,
    limit: int,
) -> Sequence[OrderEvent]:
    """Events a staff connection may replay: of the watched orders (``None``: all) and
    those it already knows, above ``floor``; with no floor, only the known orders'."""
    stmt = select(OrderEvent)
    if watch is not None:
        stmt = stmt.where(col(OrderEvent.order_id).in_(watch | known))
    if floor is not None:
        stmt = stmt.where(or_(col(OrderEvent.id) > floor, col(OrderEvent.order_id).in_(known)))
    elif watch is None:
        stmt = stmt.where(col(OrderEvent.order_id).in_(known))
    return session.exec(stmt.order_by(col(OrderEvent.id)).limit(limit)).all()


def assigned_to(technician_id: str):  # noqa: ANN201
    """A subquery of the orders assigned to the technician (any status): whose chat they
    may replay."""
    return select(Order.id).where(Order.technician_id == technician_id)
