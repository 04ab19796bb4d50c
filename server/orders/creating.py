"""Creating orders: from a taken quote (the booking), directly (tests, demo) and as a
follow-up visit (a redo or a second visit) that keeps its parent's terms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.auth.models import User
from server.core.clock import as_utc
from server.core.events import Moved, order_events
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.orders import machine
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import (
    Order,
    OrderCreate,
)
from server.orders.moves import append_events, move
from server.pricing import service as pricing_service

# --- writing ---------------------------------------------------------------------------


def create(
    uow: UnitOfWork,
    *,
    customer: User,
    body: OrderCreate,
    timezone: str,
) -> Order:
    """An order from the quote the customer saw, or from the booking quoted here and now."""

    quote_id = body.quote_id
    if quote_id is None:
        quote_id = pricing_service.create_quote(
            uow, customer=customer, body=body.quote_request(), timezone=timezone
        ).id
    return create_from_quote(
        uow,
        customer=customer,
        quote_id=quote_id,
        notes=body.notes,
        preferred_technician_id=body.preferred_technician_id,
    )


def create_from_quote(
    uow: UnitOfWork,
    *,
    customer: User,
    quote_id: str,
    notes: str,
    preferred_technician_id: str | None,
) -> Order:
    """Create an order that keeps the quote's price snapshot forever."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock

    now = clock.now()
    quote = pricing_service.take_quote(uow, quote_id=quote_id, customer_id=customer.id, now=now)
    order = Order(
        id=new_id("ord"),
        customer_id=customer.id,
        service_id=quote.service_id,
        quote_id=quote.id,
        preferred_technician_id=preferred_technician_id,
        status=Status.PENDING_PAYMENT.value,
        scheduled_start=quote.scheduled_start,
        scheduled_end=quote.scheduled_end,
        address_enc=quote.address_enc,
        point_enc=quote.point_enc,
        lat=quote.lat,
        lng=quote.lng,
        district=quote.district,
        notes_enc=cipher.encrypt(notes) if notes else None,
        currency=quote.currency,
        total=quote.total,
        price_snapshot=quote.snapshot(),
        created_at=now,
        updated_at=now,
        last_seq=1,
    )
    session.add(order)
    event = append_events(
        session,
        order,
        [
            machine.EventSpec(
                "order.created", {"total": order.total, "service_id": order.service_id}
            )
        ],
        actor_id=customer.id,
        actor_role=customer.role,
        occurred_at=now,
        received_at=now,
    )
    session.flush()  # the order and its first event, in one go: the quote's row points at it
    pricing_service.mark_quote_used(uow, quote=quote, order_id=order.id)
    moved = Moved(
        order=order,
        action=None,
        from_status="",
        to_status=order.status,
        events=event,
        actor_id=customer.id,
        actor_role=customer.role,
    )
    order_events.run_in_transaction(uow, moved)
    order_events.run_after_commit(uow, moved)
    return order


def create_follow_up(
    uow: UnitOfWork,
    *,
    original: Order,
    scheduled_start: datetime,
    lines: list[dict[str, Any]],
    snapshot: dict[str, Any],
    preferred_technician_id: str | None,
    actor_id: str | None,
    actor_role: str,
) -> Order:
    """A new order for the same customer, service and address as ``original`` (a redo
    visit, for example), priced by ``lines`` alone, with the same duration and the same
    notes (the door code still opens the door; the snapshot says what it follows up).
    In the caller's unit of work."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    start = as_utc(scheduled_start)
    duration = as_utc(original.scheduled_end) - as_utc(original.scheduled_start)
    total = sum(int(line["amount"]) for line in lines)
    order = Order(
        id=new_id("ord"),
        customer_id=original.customer_id,
        service_id=original.service_id,
        quote_id=None,
        preferred_technician_id=preferred_technician_id,
        status=Status.PENDING_PAYMENT.value,
        scheduled_start=start,
        scheduled_end=start + duration,
        address_enc=original.address_enc,
        point_enc=original.point_enc,
        lat=original.lat,
        lng=original.lng,
        district=original.district,
        notes_enc=original.notes_enc,
        currency=original.currency,
        total=total,
        price_snapshot={
            "lines": lines,
            "total": total,
            "currency": original.currency,
            "priced_at": now.isoformat(),
            **snapshot,
        },
        created_at=now,
        updated_at=now,
        last_seq=1,
    )
    session.add(order)
    session.flush()
    events = append_events(
        session,
        order,
        [
            machine.EventSpec(
                "order.created", {"total": order.total, "service_id": order.service_id, **snapshot}
            )
        ],
        actor_id=actor_id,
        actor_role=actor_role,
        occurred_at=now,
        received_at=now,
    )
    moved = Moved(
        order=order,
        action=None,
        from_status="",
        to_status=order.status,
        events=events,
        actor_id=actor_id,
        actor_role=actor_role,
    )
    order_events.run_in_transaction(uow, moved)
    order_events.run_after_commit(uow, moved)
    return order


REDO_LINE = {"code": "redo", "label": "返工（免费）", "amount": 0}


def book_free_redo(
    uow: UnitOfWork,
    *,
    original: Order,
    scheduled_start: datetime,
    marks: dict[str, Any],
    booked_by: User,
) -> Order:
    """The free return visit (a complaint's redo, a failed spot check's): same customer,
    service and address, the technician who did the work preferred; nothing to pay, so it
    goes straight to dispatch. ``marks`` say what it follows up (in its price snapshot and
    on its paid event)."""
    redo = create_follow_up(
        uow,
        original=original,
        scheduled_start=scheduled_start,
        lines=[dict(REDO_LINE)],
        snapshot=marks,
        preferred_technician_id=original.technician_id,
        actor_id=booked_by.id,
        actor_role=booked_by.role,
    )
    move(
        uow,
        order_id=redo.id,
        action=Action.PAYMENT_SUCCEEDED,
        actor=Actor(ActorKind.SYSTEM),
        reason="redo",
        extra=marks,
    )
    return redo
