"""Operators' hand on dispatch: assign a technician to a waiting order (the hard filters
still apply), or send an accepted order back to dispatch (reassign, a transfer), with its
compensation and audit entry."""

from __future__ import annotations

from server.audit import log as audit_service
from server.auth.models import User
from server.core.errors import Conflict, NotFound
from server.core.uow import UnitOfWork
from server.dispatch.common import refusal
from server.dispatch.decisions import explain, record_decision
from server.dispatch.eligibility import evaluate
from server.dispatch.models import DecisionOutcome, OrderDispatchRead, ReassignRead
from server.dispatch.world import job_facts, load_settings, load_world
from server.orders import service as orders_service
from server.orders.machine import Action, Status
from server.payments import service as payments_service


def assign(
    uow: UnitOfWork,
    *,
    user: User,
    order_id: str,
    technician_id: str,
    timezone: str,
    note: str = "",
) -> OrderDispatchRead:
    """An operator puts a technician on a waiting order; the hard filters still apply."""
    session = uow.session
    clock = uow.clock

    order = orders_service.get(uow, order_id=order_id)
    if order.status != Status.PENDING_DISPATCH.value:
        raise Conflict(
            "only an order waiting for a technician can be assigned",
            code="order_not_assignable",
            details={"status": order.status},
        )
    settings = load_settings(uow, timezone=timezone)
    world = load_world(
        uow,
        now=clock.now(),
        timezone=timezone,
        settings=settings,
        ids=[technician_id],
        exclude_order_id=order.id,
        presence=False,  # an operator may have phoned him: no offer waits on his app
    )
    tech = world.techs.get(technician_id)
    if tech is None:
        raise NotFound(
            "no verified technician with this id",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    ev = evaluate(
        tech,
        job_facts(uow, order=order),
        now=clock.now(),
        travel=world.travel,
        policy=settings.policy,
    )
    if ev.rejections:
        raise refusal(
            list(ev.rejections), "technician_ineligible", "this technician may not take the order"
        )
    record_decision(
        session,
        order=order,
        mode="manual",
        outcome=DecisionOutcome.ASSIGNED,
        now=clock.now(),
        settings=settings,
        chosen=technician_id,
        considered=1,
    )
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.ASSIGN,
        actor=orders_service.actor_for(user),
        technician_id=technician_id,
        reason=note or None,
    )
    return explain(uow, order_id=order.id)


def reassign(
    uow: UnitOfWork,
    *,
    user: User | None,
    order_id: str,
    reason: str,
    platform_fault: bool,
    ip: str | None = None,
) -> ReassignRead:
    """Staff (or the system, ``user`` None) send an accepted order back to dispatch.

    The technician who held it is never offered it again. At the platform's fault (a
    double booking, a wrong assignment) payments books their transfer compensation in
    this same transaction, and the transfer is not held against them in scoring. The
    action is audited. One transaction."""

    order = orders_service.get(uow, order_id=order_id)
    _, events = orders_service.move(
        uow,
        order_id=order.id,
        action=Action.TRANSFER,
        actor=orders_service.actor_for(user),
        reason=reason.strip() or None,
        extra={"platform_fault": platform_fault},
    )
    payload = events[-1].payload if events else {}
    previous = str(payload.get("previous_technician_id") or "")
    compensation = 0
    if events:
        compensation = payments_service.transfer_compensation(
            uow, order_id=order.id, seq=events[-1].seq
        )
    audit_service.record(
        uow,
        actor=user,
        action="order.reassign",
        target_type="order",
        target_id=order.id,
        ip=ip,
        details={
            "reason": reason.strip(),
            "platform_fault": platform_fault,
            "previous_technician_id": previous,
            "compensation": compensation,
        },
    )
    return ReassignRead(
        order_id=order.id,
        status=order.status,
        previous_technician_id=previous,
        platform_fault=platform_fault,
        compensation=compensation,
        reason=reason.strip(),
    )
