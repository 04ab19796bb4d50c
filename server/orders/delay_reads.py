"""Reading requests to move a visit (改约): the open one of an order, the technician's
calendar a new time is checked against, the windows dispatch keeps free for him, and
whether an order read offers ``request_delay``. No writes; ``orders.delays`` makes them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.events import Status
from server.core.uow import UnitOfWork
from server.orders import delay_rules
from server.orders.delay_rules import DELAYABLE, PENDING, Busy, DelayPolicy
from server.orders.models import DelayRequest, DelayRequestRead, Order
from server.rules import store as rules_store

# Orders that hold a technician's time (dispatch's calendar reads the same statuses).
_HOLDING = (
    Status.ACCEPTED.value,
    Status.EN_ROUTE.value,
    Status.ARRIVED.value,
    Status.IN_SERVICE.value,
)


def to_read(row: DelayRequest) -> DelayRequestRead:
    return DelayRequestRead.model_validate(
        {
            **row.model_dump(),
            **{
                k: as_utc(getattr(row, k))
                for k in ("from_start", "from_end", "to_start", "to_end", "expires_at")
            },
            "created_at": as_utc(row.created_at),
            "answered_at": as_utc(row.answered_at) if row.answered_at else None,
        }
    )


def policy_of(uow: UnitOfWork) -> DelayPolicy:
    return DelayPolicy.of(rules_store.current_rules(uow).orders)


def pending_for(session: Session, order_id: str) -> DelayRequest | None:
    return session.exec(
        select(DelayRequest).where(
            DelayRequest.order_id == order_id, DelayRequest.status == PENDING
        )
    ).first()


def calendar(session: Session, technician_id: str, order_id: str) -> list[Busy]:
    """The technician's other visits, and the windows he asked for elsewhere."""
    held = session.exec(
        select(Order.id, Order.scheduled_start, Order.scheduled_end).where(
            Order.technician_id == technician_id,
            col(Order.status).in_(_HOLDING),
            Order.id != order_id,
        )
    ).all()
    asked = session.exec(
        select(DelayRequest.order_id, DelayRequest.to_start, DelayRequest.to_end).where(
            DelayRequest.technician_id == technician_id,
            DelayRequest.status == PENDING,
            DelayRequest.order_id != order_id,
        )
    ).all()
    return [Busy(oid, as_utc(start), as_utc(end)) for oid, start, end in [*held, *asked]]


def proposed_windows(
    session: Session, technician_ids: list[str]
) -> list[tuple[str, str, datetime, datetime, float, float]]:
    """The windows these technicians asked to move visits to, still unanswered, as
    (technician, order, start, end, lat, lng): dispatch keeps them free for him."""
    if not technician_ids:
        return []
    rows = session.exec(
        select(DelayRequest, Order.lat, Order.lng)
        .join(Order, col(Order.id) == col(DelayRequest.order_id))
        .where(DelayRequest.status == PENDING, col(DelayRequest.technician_id).in_(technician_ids))
    ).all()
    return [
        (d.technician_id, d.order_id, as_utc(d.to_start), as_utc(d.to_end), lat, lng)
        for d, lat, lng in rows
    ]


def may_request(uow: UnitOfWork, *, order: Order, user: User) -> bool:
    """Whether the reader may ask to move this visit now: the order read lists
    ``request_delay`` among its ``allowed_actions`` then."""
    if user.role != Role.technician.value or order.technician_id != user.id:
        return False
    if order.status not in DELAYABLE:
        return False
    open_now = delay_rules.notice_open(
        status=order.status,
        start=as_utc(order.scheduled_start),
        now=uow.clock.now(),
        policy=policy_of(uow),
    )
    return open_now and pending_for(uow.session, order.id) is None
