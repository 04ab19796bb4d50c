"""Applying machine moves: one transaction each, a conditional update on ``version``
(optimistic locking), the ``OrderEvent`` rows with gap-free sequence numbers, and the
order events told to the other domains (in the transaction, then after commit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from server.core.events import Moved, order_events
from server.core.observability import ORDER_TRANSITIONS
from server.core.points import open_point
from server.core.uow import UnitOfWork
from server.geo.coords import haversine_m
from server.orders import machine
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import (
    Order,
    OrderEvent,
    SopProgress,
)
from server.orders.reading import get
from server.pricing import service as pricing_service
from server.rules import store as rules_store
from server.rules.orders import OrderRules


def append_events(
    session: Session,
    order: Order,
    specs: list[machine.EventSpec] | tuple[machine.EventSpec, ...],
    *,
    actor_id: str | None,
    actor_role: str,
    occurred_at: datetime,
    received_at: datetime,
    first_seq: int = 1,
) -> list[OrderEvent]:
    rows = []
    for offset, spec in enumerate(specs):
        row = OrderEvent(
            order_id=order.id,
            seq=first_seq + offset,
            type=spec.type,
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=occurred_at,
            received_at=received_at,
            payload=spec.payload,
        )
        session.add(row)
        rows.append(row)
    return rows


def save_version(
    session: Session, order: Order, expected_version: int, changes: dict[str, Any]
) -> None:
    """Conditional update: the row must still be at the version we read."""
    changes = {**changes, "version": expected_version + 1}
    result = session.exec(
        update(Order)
        .where(col(Order.id) == order.id, col(Order.version) == expected_version)
        .values(**changes)
        # the session's copy is set below: no search of the session for rows to update
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        current = session.get(Order, order.id)
        if current is None:
            raise NotFound("order not found", code="order_not_found")
        session.refresh(current)
        raise Conflict(
            "the order changed meanwhile; reload and try again",
            code="conflict",
            details={"status": current.status, "version": current.version},
        )
    for key, value in changes.items():
        set_committed_value(order, key, value)  # already written; don't flush it twice


def _view(uow: UnitOfWork, order: Order) -> machine.OrderView:
    session = uow.session
    service = catalog_service.get_service(uow, service_id=order.service_id)
    required = tuple(s.no for s in machine.sop_steps(service.sop) if s.required)
    done = tuple(
        session.exec(select(SopProgress.step_no).where(SopProgress.order_id == order.id)).all()
    )

    return machine.OrderView(
        status=Status(order.status),
        customer_id=order.customer_id,
        technician_id=order.technician_id,
        offered_technician_id=order.offered_technician_id,
        work_order_confirmed=order.work_order_confirmed_at is not None,
        sop_required_steps=required,
        sop_done_steps=done,
        completed_at=as_utc(order.completed_at) if order.completed_at else None,
        pending_change_requests=pricing_service.pending_change_requests(uow, order_id=order.id),
    )


_TIMESTAMP_FIELDS = {
    Status.ACCEPTED: "accepted_at",
    Status.ARRIVED: "arrived_at",
    Status.IN_SERVICE: "started_at",
    Status.AWAITING_CONFIRMATION: "finished_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
}


def device_time(
    occurred_at: datetime | None, *, now: datetime, rules: OrderRules
) -> datetime | None:
    """A device's ``occurred_at`` as aware UTC. Naive times are refused (whose zone?),
    and so are times too far ahead of the server or too old for an offline queue: they
    would put the timeline out of order."""
    if occurred_at is None:
        return None
    details = {"occurred_at": occurred_at.isoformat()}
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Unprocessable(
            "occurred_at needs a time zone offset (e.g. Z or +08:00)",
            code="time_without_offset",
            details=details,
        )
    at = occurred_at.astimezone(UTC)
    if at > now + timedelta(seconds=rules.device_time_max_future_seconds):
        raise Unprocessable(
            "occurred_at is in the future; check the device clock",
            code="occurred_at_in_future",
            details=details,
        )
    if at < now - timedelta(hours=rules.device_time_max_age_hours):
        raise Unprocessable(
            "occurred_at is too long ago", code="occurred_at_too_old", details=details
        )
    return at


def move(
    uow: UnitOfWork,
    *,
    order_id: str,
    action: Action,
    actor: Actor,
    occurred_at: datetime | None = None,
    location: tuple[float, float] | None = None,
    technician_id: str | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[Order, list[OrderEvent]]:
    """Apply one machine action in the unit of work; the other domains react in it and,
    once it commits, after it."""
    session = uow.session
    clock = uow.clock

    order = get(uow, order_id=order_id)
    rules = rules_store.current_rules(uow).orders
    now = clock.now()
    occurred_at = device_time(occurred_at, now=now, rules=rules)
    distance = None
    if location is not None:  # the geofence is measured to the door, not to the block
        distance = haversine_m(*location, *open_point(uow.cipher, order.point_enc))
    ctx = machine.Context(
        now=now,
        distance_to_address_m=distance,
        checkin_radius_m=rules.checkin_radius_m,
        after_sale_days=rules.after_sale_days,
        technician_id=technician_id,
        reason=reason,
    )
    try:
        decision = machine.decide(_view(uow, order), action, actor, ctx)
    except machine.TransitionError as exc:
        raise transition_error(exc) from exc

    changes: dict[str, Any] = {
        "status": decision.to_status.value,
        "technician_id": decision.technician_id,
        "offered_technician_id": decision.offered_technician_id,
        "updated_at": now,
    }
    if decision.to_status in _TIMESTAMP_FIELDS:
        changes[_TIMESTAMP_FIELDS[decision.to_status]] = now
    if action == Action.CANCEL:
        changes["cancel_reason"] = reason or ""
    if decision.to_status not in (Status.PENDING_DISPATCH, Status.OFFERED):
        changes["anomaly"] = None
    expected = order.version
    specs = list(decision.events)
    if extra:
        specs = [machine.EventSpec(s.type, {**s.payload, **extra}) for s in specs]
    # The sequence numbers are claimed by the same conditional update.
    first_seq = order.last_seq + 1
    changes["last_seq"] = order.last_seq + len(specs)
    save_version(session, order, expected, changes)
    role = "system" if actor.kind == ActorKind.SYSTEM else _role_of(session, actor)
    events = append_events(
        session,
        order,
        specs,
        actor_id=actor.id,
        actor_role=role,
        occurred_at=occurred_at or now,
        received_at=now,
        first_seq=first_seq,
    )
    moved = Moved(
        order=order,
        action=action.value,
        from_status=decision.from_status.value,
        to_status=decision.to_status.value,
        events=events,
        actor_id=actor.id,
        actor_role=role,
        context={"reason": reason, "technician_id": technician_id, **(extra or {})},
    )
    order_events.run_in_transaction(uow, moved)
    order_events.run_after_commit(uow, moved)
    return order, events


def count_transition(moved: Moved) -> None:
    if moved.action is not None:  # events recorded without a transition are not moves
        ORDER_TRANSITIONS.labels(moved.action).inc()


def record(
    uow: UnitOfWork,
    *,
    order: Order,
    event_type: str,
    payload: dict[str, Any],
    actor_id: str | None,
    actor_role: str,
    occurred_at: datetime | None = None,
    changes: dict[str, Any] | None = None,
) -> list[OrderEvent]:
    """Append a non-transition event (SOP step, change request, work order...) in the
    caller's unit of work, with the same optimistic lock; live listeners hear of it once
    the unit of work commits."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    seq = order.last_seq + 1
    save_version(
        session, order, order.version, {**(changes or {}), "last_seq": seq, "updated_at": now}
    )
    events = append_events(
        session,
        order,
        [machine.EventSpec(event_type, payload)],
        actor_id=actor_id,
        actor_role=actor_role,
        occurred_at=occurred_at or now,
        received_at=now,
        first_seq=seq,
    )
    recorded = Moved(
        order=order,
        action=None,
        from_status=order.status,
        to_status=order.status,
        events=events,
        actor_id=actor_id,
        actor_role=actor_role,
    )
    order_events.run_after_commit(uow, recorded)
    return events


def _role_of(session: Session, actor: Actor) -> str:
    if actor.kind == ActorKind.CUSTOMER:
        return "customer"
    if actor.kind == ActorKind.TECHNICIAN:
        return "technician"
    user = session.get(User, actor.id) if actor.id else None
    return user.role if user else "staff"


# Guards that refuse what the request carries (or lacks) rather than the order's state.
_UNPROCESSABLE_GUARDS = frozenset(
    {"location_required", "sop_photo_required", "sop_step_unknown", "reason_required"}
)


def transition_error(exc: machine.TransitionError) -> AppError:
    details = {"status": exc.status.value, **exc.details}
    if isinstance(exc, machine.NotAllowed):
        return Forbidden(exc.message, code=exc.code, details=details)
    if isinstance(exc, machine.GuardFailed):
        status_code = 422 if exc.code in _UNPROCESSABLE_GUARDS else 409
        return AppError(exc.message, code=exc.code, details=details, status_code=status_code)
    return Conflict(exc.message, code=exc.code, details=details)
