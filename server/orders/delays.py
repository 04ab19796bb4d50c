"""Moving a visit (改约): the assigned technician asks, the customer answers.

The rules are pure (``orders.delay_rules``); this module reads the facts and applies the
outcome in the caller's unit of work. An accepted request moves the booking (its
``scheduled_start``/``scheduled_end``, so the technician's calendar, which dispatch reads
from the orders, moves with it). A declined one, or one not answered in time (the
``orders.delay_expiry`` job), hands the order back to dispatch through the machine's
transfer, as the system: the technician is released, never offered it again, and the
hand-back counts as his (not the platform's fault). Each step writes the order's
timeline (the live feed tells both apps) and its notices (the notification centre).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.events import Moved
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import centre
from server.notifications import delay_notices as notices
from server.orders import delay_reads, delay_rules
from server.orders.delay_rules import DELAYABLE, PENDING, DelayRefused
from server.orders.machine import Action, Actor, ActorKind
from server.orders.models import DelayRequest, DelayRequestRead, Order
from server.orders.moves import move, record
from server.orders.reading import get, get_for
from server.rules import store as rules_store

log = logging.getLogger("doorstep.orders")

EXPIRY_JOB = "orders.delay_expiry"
EXPIRY_SECONDS = 30
_REASONS = {
    delay_rules.DECLINED: "delay request declined by the customer",
    delay_rules.EXPIRED: "delay request not answered in time",
}


def list_delay_requests(uow: UnitOfWork, *, order_id: str, user: User) -> list[DelayRequestRead]:
    """The order's requests, oldest first: to its customer and staff all of them; to a
    technician his own, even once the order went to someone else (how it ended)."""
    session = uow.session
    stmt = select(DelayRequest).where(DelayRequest.order_id == order_id)
    stmt = stmt.order_by(col(DelayRequest.created_at), col(DelayRequest.id))
    if user.role == Role.technician.value:
        stmt = stmt.where(DelayRequest.technician_id == user.id)
        rows = session.exec(stmt).all()
        if rows:
            return [delay_reads.to_read(r) for r in rows]
    get_for(uow, order_id=order_id, user=user)  # others' orders look missing
    return [delay_reads.to_read(r) for r in session.exec(stmt).all()]


def request_delay(
    uow: UnitOfWork,
    *,
    order_id: str,
    technician: User,
    scheduled_start: datetime,
    reason: str,
) -> DelayRequestRead:
    """The assigned technician asks to move the visit to ``scheduled_start`` (the same
    length); the customer is asked in the same transaction."""
    session = uow.session
    order = get_for(uow, order_id=order_id, user=technician)
    if order.technician_id != technician.id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    reason = reason.strip()
    if not reason:
        raise Unprocessable("say why the visit must move", code="reason_required")
    now = uow.clock.now()
    try:
        proposal = delay_rules.check_request(
            status=order.status,
            start=as_utc(order.scheduled_start),
            end=as_utc(order.scheduled_end),
            proposed_start=scheduled_start,
            now=now,
            pending=delay_reads.pending_for(session, order.id) is not None,
            calendar=delay_reads.calendar(session, technician.id, order.id),
            policy=delay_reads.policy_of(uow),
        )
    except DelayRefused as exc:
        raise _refusal(exc) from exc
    row = DelayRequest(
        id=new_id("dly"),
        order_id=order.id,
        technician_id=technician.id,
        status=PENDING,
        reason=reason,
        from_start=as_utc(order.scheduled_start),
        from_end=as_utc(order.scheduled_end),
        to_start=proposal.start.astimezone(UTC),
        to_end=proposal.end.astimezone(UTC),
        expires_at=proposal.expires_at,
        created_at=now,
    )
    session.add(row)
    record(
        uow,
        order=order,
        event_type="order.delay_requested",
        payload={
            "delay_request_id": row.id,
            "from_start": row.from_start.isoformat(),
            "to_start": row.to_start.isoformat(),
            "to_end": row.to_end.isoformat(),
            "expires_at": row.expires_at.isoformat(),
            "reason": reason,
        },
        actor_id=technician.id,
        actor_role="technician",
    )
    _tell(uow, order, row)
    return delay_reads.to_read(row)


def answer_delay(
    uow: UnitOfWork, *, order_id: str, request_id: str, customer: User, accept: bool
) -> DelayRequestRead:
    """The order's customer accepts (the visit moves) or declines (back to dispatch).
    An answer after the deadline finds the request lapsed: it is closed as such (kept)
    and the answer refused."""
    session = uow.session
    order = get_for(uow, order_id=order_id, user=customer)
    if order.customer_id != customer.id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    row = session.get(DelayRequest, request_id)
    if row is None or row.order_id != order.id:
        raise NotFound("delay request not found", code="delay_request_not_found")
    if row.status != PENDING:
        raise Conflict(
            "this request was already answered",
            code="delay_request_not_pending",
            details={"status": row.status},
        )
    now = uow.clock.now()
    if delay_rules.lapsed(expires_at=as_utc(row.expires_at), now=now):
        _hand_back(uow, order, row, delay_rules.EXPIRED, actor_id=None, actor_role="system")
        uow.keep()
        raise Conflict(
            "the time to answer is over; the order is being given to another technician",
            code="delay_request_expired",
        )
    if order.status not in DELAYABLE or order.technician_id != row.technician_id:
        raise Conflict(
            "the order moved on meanwhile",
            code="illegal_transition",
            details={"status": order.status},
        )
    if not accept:
        _hand_back(uow, order, row, delay_rules.DECLINED, actor_id=customer.id)
        return delay_reads.to_read(row)
    to_start, to_end = as_utc(row.to_start), as_utc(row.to_end)
    clash = delay_rules.first_clash(
        to_start, to_end, delay_reads.calendar(session, row.technician_id, order.id)
    )
    if clash is not None:  # (which visit is the technician's to know, not the customer's)
        raise Conflict("the technician has another visit at that time now", code="delay_time_taken")
    _close(session, row, delay_rules.ACCEPTED, now)
    record(
        uow,
        order=order,
        event_type="order.delay_accepted",
        payload={
            "delay_request_id": row.id,
            "from_start": as_utc(row.from_start).isoformat(),
            "to_start": to_start.isoformat(),
            "to_end": to_end.isoformat(),
        },
        actor_id=customer.id,
        actor_role="customer",
        changes={"scheduled_start": to_start, "scheduled_end": to_end},
    )
    _tell(uow, order, row, delay_rules.ACCEPTED)
    uow.flush()
    session.refresh(row)
    return delay_reads.to_read(row)


def expire_due(uow: UnitOfWork) -> list[str]:
    """Requests nobody answered in time: each order goes back to dispatch, each on its
    own (``uow.attempt``), so one refusal does not hold back the others."""
    session = uow.session
    now = uow.clock.now()
    due = session.exec(
        select(DelayRequest)
        .where(DelayRequest.status == PENDING, col(DelayRequest.expires_at) <= now)
        .order_by(col(DelayRequest.expires_at))
        .limit(200)
    ).all()
    done = []
    for row in due:
        try:
            with uow.attempt():
                order = get(uow, order_id=row.order_id)
                if order.status in DELAYABLE and order.technician_id == row.technician_id:
                    _hand_back(uow, order, row, delay_rules.EXPIRED, actor_id=None)
                else:  # the order moved on and the reaction missed it: just close it
                    _close(session, row, delay_rules.WITHDRAWN, now)
        except AppError as exc:  # the customer answered at the same moment: theirs wins
            log.info("delay request %s not expired: %s", row.id, exc.code)
            continue
        done.append(row.id)
    return done


def expiry_sweep(runtime: Any) -> list[str]:  # noqa: ANN401
    """The ``orders.delay_expiry`` job: one pass, one unit of work."""
    with UnitOfWork.begin(runtime) as uow:
        return expire_due(uow)


def withdraw_on_move(uow: UnitOfWork, moved: Moved) -> None:
    """An order-event reaction: a visit that leaves the state it could move in (the
    technician set off or handed it back, the customer cancelled) takes its open request
    with it, so nobody answers a question that no longer stands."""
    if moved.action is None or moved.from_status not in DELAYABLE:
        return
    uow.session.exec(
        update(DelayRequest)
        .where(col(DelayRequest.order_id) == moved.order.id, col(DelayRequest.status) == PENDING)
        .values(status=delay_rules.WITHDRAWN, answered_at=uow.clock.now())
    )


# --- helpers ------------------------------------------------------------------------------


def _refusal(exc: DelayRefused) -> AppError:
    return AppError(exc.message, code=exc.code, status_code=exc.status, details=exc.details)


def _close(session: Session, row: DelayRequest, outcome: str, now: datetime) -> None:
    """Close a pending request; one that was closed meanwhile is a conflict."""
    done = session.exec(
        update(DelayRequest)
        .where(col(DelayRequest.id) == row.id, col(DelayRequest.status) == PENDING)
        .values(status=outcome, answered_at=now)
    )
    if done.rowcount != 1:
        raise Conflict("this request was answered meanwhile", code="delay_request_not_pending")
    session.flush()
    session.refresh(row)


def _hand_back(
    uow: UnitOfWork,
    order: Order,
    row: DelayRequest,
    outcome: str,
    *,
    actor_id: str | None,
    actor_role: str = "customer",
) -> None:
    """Declined or lapsed: the timeline says so while the technician still holds the
    order (his app hears it), then the system transfers it back to dispatch."""
    _close(uow.session, row, outcome, uow.clock.now())
    record(
        uow,
        order=order,
        event_type=f"order.delay_{outcome}",
        payload={"delay_request_id": row.id, "to_start": as_utc(row.to_start).isoformat()},
        actor_id=actor_id,
        actor_role=actor_role if actor_id else "system",
    )
    move(
        uow,
        order_id=order.id,
        action=Action.TRANSFER,
        actor=Actor(ActorKind.SYSTEM),
        reason=_REASONS[outcome],
        extra={"platform_fault": False, "delay_request_id": row.id},
    )
    _tell(uow, order, row, outcome)


def _tell(uow: UnitOfWork, order: Order, row: DelayRequest, outcome: str | None = None) -> None:
    """The request's notices: the customer asked (no ``outcome`` yet), or who hears of
    its outcome; the centre sends each once."""
    service = catalog_service.get_service(uow, service_id=order.service_id)
    facts = notices.DelayFacts(
        request_id=row.id,
        order_id=order.id,
        customer_id=order.customer_id,
        technician_id=row.technician_id,
        service_name=service.name_zh,
        from_start=as_utc(row.from_start),
        to_start=as_utc(row.to_start),
        expires_at=as_utc(row.expires_at),
        reason=row.reason,
    )
    rules = rules_store.current_rules(uow).notifications
    timezone = uow.settings.timezone
    due = (
        notices.requested_notice(facts, rules=rules, timezone=timezone)
        if outcome is None
        else notices.answered_notices(facts, outcome, rules=rules, timezone=timezone)
    )
    for notice in due:
        centre.send(uow, notice)
