"""Reading orders: who may see which order, the order as its reader sees it (address,
notes and amounts by role and time), its timeline, and counts for others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select

from server.auth.models import STAFF_ROLES, Role, User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.crypto import FieldCipher
from server.core.errors import Forbidden, NotFound, Unprocessable
from server.core.masking import mask_contacts
from server.core.points import open_point
from server.core.uow import UnitOfWork
from server.orders import delay_reads, machine, ports
from server.orders.delay_rules import REQUEST_DELAY
from server.orders.machine import Actor, ActorKind, Status
from server.orders.models import (
    Order,
    OrderEvent,
    OrderEventRead,
    OrderRead,
    SopProgress,
    SopStepState,
)
from server.rules import store as rules_store

STAFF_ACTOR_ROLES = {Role.operator.value, Role.support.value, Role.admin.value}


def actor_for(user: User | None) -> Actor:
    if user is None:
        return Actor(ActorKind.SYSTEM)
    if user.role == Role.customer.value:
        return Actor(ActorKind.CUSTOMER, user.id)
    if user.role == Role.technician.value:
        return Actor(ActorKind.TECHNICIAN, user.id)
    if user.role in STAFF_ACTOR_ROLES:
        return Actor(ActorKind.STAFF, user.id)
    raise Forbidden("your role may not change orders", code="role_forbidden")


# --- reading ---------------------------------------------------------------------------


def get(uow: UnitOfWork, *, order_id: str) -> Order:
    session = uow.session
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def is_participant(uow: UnitOfWork, *, order_id: str, user: User) -> bool:
    session = uow.session
    order = session.get(Order, order_id)
    if order is None:
        return False
    return _may_view(order, user)


def _may_view(order: Order, user: User) -> bool:
    if user.role in STAFF_ROLES:
        return True
    if user.role == Role.customer.value:
        return order.customer_id == user.id
    if user.role == Role.technician.value:
        return user.id in (order.technician_id, order.offered_technician_id)
    return False


def get_for(uow: UnitOfWork, *, order_id: str, user: User) -> Order:
    """An order the caller may see; others' orders look like missing ones (no leak)."""
    session = uow.session
    order = session.get(Order, order_id)
    if order is None or not _may_view(order, user):
        if order is not None and ports.may_view_in_pool.ask(uow, order, user):
            return order
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def known_statuses(values: list[str] | None) -> list[str] | None:
    """Status filters (repeated or comma-separated) checked against the order machine's
    vocabulary: an unknown one is a 422, not an empty list that looks like "no orders"."""
    wanted = [v for part in values or [] for v in part.split(",") if v]
    unknown = sorted(set(wanted) - {s.value for s in Status})
    if unknown:
        raise Unprocessable(
            "unknown order status",
            code="status_unknown",
            details={"unknown": unknown, "known": [s.value for s in Status]},
        )
    return wanted or None


def list_for(
    uow: UnitOfWork,
    *,
    user: User,
    status: list[str] | None = None,
    limit: int = 50,
    before: datetime | None = None,
) -> list[Order]:
    session = uow.session
    stmt = select(Order)
    if user.role == Role.customer.value:
        stmt = stmt.where(Order.customer_id == user.id)
    elif user.role == Role.technician.value:
        stmt = stmt.where(Order.technician_id == user.id)
    elif user.role not in STAFF_ROLES:
        raise Forbidden("your role may not list orders", code="role_forbidden")
    if status:
        stmt = stmt.where(col(Order.status).in_(status))
    if before:
        stmt = stmt.where(Order.created_at < before)
    return list(session.exec(stmt.order_by(col(Order.created_at).desc()).limit(limit)).all())


def address_visible_to(
    order: Order, user: User, now: datetime, *, hours_after: int | Callable[[], int] = 72
) -> bool:
    """Exact address: the customer and staff always (finance never); the technician
    from acceptance until ``hours_after`` hours after completion (a callable: asked only
    then, as it reads the rules)."""
    if user.role == Role.finance.value:
        return False
    if user.role in STAFF_ROLES or user.id == order.customer_id:
        return True
    if user.role == Role.technician.value and user.id == order.technician_id:
        if order.status in {s.value for s in machine.ASSIGNED} | {Status.DISPUTED.value}:
            return True
        if order.status == Status.COMPLETED.value and order.completed_at:
            hours = hours_after() if callable(hours_after) else hours_after
            return now <= as_utc(order.completed_at) + timedelta(hours=hours)
    return False


def address_visible(uow: UnitOfWork, *, order_id: str, user: User, now: datetime) -> bool:
    """``address_visible_to`` under the current rules, for things that carry the address
    (the order's files: work-order PDF, site photos)."""
    session = uow.session
    order = session.get(Order, order_id)
    if order is None:
        return False
    return address_visible_to(order, user, now, hours_after=_window_hours(uow))


def _window_hours(uow: UnitOfWork) -> Callable[[], int]:
    """How long after completion the technician still sees the address, when asked."""

    return lambda: rules_store.current_rules(uow).orders.exact_address_hours_after_completion


def to_read(uow: UnitOfWork, *, order: Order, user: User, now: datetime) -> OrderRead:
    session = uow.session
    cipher = uow.cipher
    service = catalog_service.get_service(uow, service_id=order.service_id)
    visible = address_visible_to(order, user, now, hours_after=_window_hours(uow))
    home = open_point(cipher, order.point_enc) if visible else None
    status = Status(order.status)
    done: dict[int, SopProgress] = {}
    if status in machine.SERVICE_STARTED:
        done = {
            p.step_no: p
            for p in session.exec(select(SopProgress).where(SopProgress.order_id == order.id))
        }
    sop = [
        SopStepState(
            no=s["no"],
            title_zh=s["title_zh"],
            title_en=s["title_en"],
            photo=s["photo"],
            done_at=done[s["no"]].done_at if s["no"] in done else None,
            photo_file_id=done[s["no"]].photo_file_id if s["no"] in done else None,
        )
        for s in service.sop
    ]
    try:
        allowed = [a.value for a in machine.allowed_actions_for(status, actor_for(user).kind)]
    except Forbidden:  # a role that makes no moves (finance)
        allowed = []
    if delay_reads.may_request(uow, order=order, user=user):  # not a move: the visit's time
        allowed.append(REQUEST_DELAY)
    return OrderRead(
        **order.model_dump(exclude={"address_enc", "point_enc", "lat", "lng", "notes_enc"}),
        notes=_notes_for(order, user, cipher, visible=visible),
        service_name_zh=service.name_zh,
        service_name_en=service.name_en,
        address=cipher.decrypt(order.address_enc) if visible else order.district,
        address_visible=visible,
        lat=home[0] if home else None,
        lng=home[1] if home else None,
        order_value=order.total + order.extras_total,
        amount_due=amount_owed(uow, order),
        sop=sop,
        allowed_actions=allowed,
        status_groups=machine.status_groups(status),
    )


def amount_owed(uow: UnitOfWork, order: Order) -> int:
    """What the customer must still pay: the booked price until it is paid, then approved
    extras not yet paid; nothing on a cancelled order (refunds are the ledger's)."""
    if order.status == Status.PENDING_PAYMENT.value:
        return order.total
    if order.status == Status.CANCELLED.value or not order.extras_total:
        return 0
    return max(0, order.extras_total - ports.extras_paid.ask(uow, order.id))


def _notes_for(order: Order, user: User, cipher: FieldCipher, *, visible: bool) -> str:
    """The notes go with the address: nothing outside its window (before acceptance, after
    it, to finance); its author reads them as written; to the technician phone numbers and
    other contacts are masked as in chat (calls go through the virtual number)."""
    if not visible or not order.notes_enc:
        return ""
    notes = cipher.decrypt(order.notes_enc)
    if user.id == order.customer_id or user.role in STAFF_ROLES:
        return notes
    return mask_contacts(notes).text


def events_after(
    uow: UnitOfWork, *, order_id: str, after_seq: int = 0, limit: int = 500
) -> list[OrderEvent]:
    session = uow.session
    stmt = (
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.seq > after_seq)
        .order_by(col(OrderEvent.seq))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def event_to_read(event: OrderEvent) -> OrderEventRead:
    return OrderEventRead(**event.model_dump())


def counted_orders(customer_id: Any) -> Any:  # noqa: ANN401
    """A statement counting a customer's orders that count against "first order" (cancelled
    ones don't); pricing composes it into a quote's facts."""
    return (
        select(func.count())
        .select_from(Order)
        .where(Order.customer_id == customer_id, Order.status != Status.CANCELLED.value)
    )


def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    session = uow.session
    rows = session.exec(select(Order.status, func.count()).group_by(Order.status)).all()
    return {status: count for status, count in rows}
