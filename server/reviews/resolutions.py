"""Support resolves a complaint: refund, compensation or release of the held money through
the payments domain, or a free redo visit, whose end releases what is still held; the
order leaves DISPUTED and the complaint rate is brought up to date.
"""

from __future__ import annotations

from typing import Any

from server.audit import log as audit_service
from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import Conflict, Unprocessable
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.orders.models import Order
from server.payments import service as payments_service
from server.reviews.complaints import complaint_read, get_complaint, update_complaint_rate
from server.reviews.models import Complaint, ComplaintRead, Outcome, ResolveIn


def resolve_complaint(
    uow: UnitOfWork,
    *,
    user: User,
    complaint_id: str,
    body: ResolveIn,
    ip: str | None,
) -> ComplaintRead:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    c = get_complaint(session, complaint_id)
    if c.status != "open":
        raise Conflict("this complaint is already resolved", code="complaint_resolved")
    order = orders_service.get(uow, order_id=c.order_id)
    paid = order.total + order.extras_total
    if body.outcome == Outcome.refund_partial and body.amount is not None and body.amount >= paid:
        raise Unprocessable(
            "a partial refund is less than the order total",
            code="refund_amount_invalid",
            details={"order_total": paid},
        )
    if body.outcome == Outcome.compensate and body.amount is not None and body.amount > paid:
        raise Unprocessable(
            "a compensation is at most what the customer paid",
            code="compensation_too_large",
            details={"order_total": paid},
        )
    if body.outcome == Outcome.redo and (
        body.redo_start is None or as_utc(body.redo_start) <= clock.now()
    ):
        raise Unprocessable(
            "the redo visit starts in the future",
            code="redo_start_invalid",
            details={"now": clock.now().isoformat()},
        )
    money = settle_money(uow, order, c, body, paid)
    extra: dict[str, Any] = {
        "complaint_id": c.id,
        "outcome": body.outcome.value,
        "amount": money.get("amount"),
    }
    if body.outcome == Outcome.redo and body.redo_start is not None:
        redo = orders_service.book_free_redo(
            uow,
            original=order,
            scheduled_start=body.redo_start,
            marks={"redo_of": order.id, "complaint_id": c.id},
            booked_by=user,
        )
        extra["redo_order_id"] = money["redo_order_id"] = redo.id
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.RESOLVE,
        actor=Actor(ActorKind.STAFF, user.id),
        reason=body.outcome.value,
        extra=extra,
    )
    c.status, c.outcome, c.amount = "resolved", body.outcome.value, money.get("amount")
    c.resolution_note, c.resolved_by, c.resolved_at = body.note, user.id, clock.now()
    session.add(c)
    for uid, role in ((c.customer_id, "customer"), (c.technician_id, "technician")):
        if uid:
            notifications.notify(
                uow,
                user_id=uid,
                kind="complaint.resolved",
                title="投诉已处理 / Complaint resolved",
                body=body.note,
                data={
                    "complaint_id": c.id,
                    "order_id": order.id,
                    "outcome": body.outcome.value,
                    "amount": money.get("amount"),
                    "role": role,
                },
            )
    audit_service.record(
        uow,
        actor=user,
        action="complaint.resolve",
        target_type="complaint",
        target_id=c.id,
        ip=ip,
        details={"order_id": order.id, "outcome": body.outcome.value, **money, "note": body.note},
    )
    if c.technician_id:
        update_complaint_rate(uow, technician_id=c.technician_id)
    return complaint_read(c, cipher)


def settle_money(
    uow: UnitOfWork,
    order: Order,
    c: Complaint,
    body: ResolveIn,
    paid: int,
) -> dict[str, Any]:
    """Refund / compensate / release through the payments domain; what was done."""
    payments = payments_service
    reason = f"complaint {c.id}: {body.outcome.value}"
    out: dict[str, Any] = {"amount": None}
    if body.outcome == Outcome.refund_full:
        out["amount"] = paid
    elif body.outcome in (Outcome.refund_partial, Outcome.compensate):
        out["amount"] = body.amount
    if body.outcome in (Outcome.refund_full, Outcome.refund_partial):
        payments.refund(uow, order_id=order.id, amount=out["amount"], reason=reason)
    elif body.outcome == Outcome.compensate:
        # goodwill money back to the customer (damage, lateness) beside the service they keep;
        # paid through the original payment, so never more than what was paid
        payments.refund(uow, order_id=order.id, amount=out["amount"], reason=reason)
    if c.escrow_frozen and body.outcome != Outcome.redo:
        # a redo keeps the money held until the return visit is completed (on_redo_done)
        payments.unfreeze_escrow(uow, order_id=order.id)
    return out


def on_redo_done(uow: UnitOfWork, moved: Moved) -> None:
    """A redo visit completed (or was cancelled: nothing more will be done): the original
    order's held money is released as after any resolution."""
    session = uow.session
    order = moved.order
    redo_of = (order.price_snapshot or {}).get("redo_of")
    if not redo_of or moved.action is None:
        return
    if not (order.price_snapshot or {}).get("complaint_id"):
        return  # a spot check's redo (quality) settles no complaint: nothing is held for it
    if moved.to_status not in ("COMPLETED", "CANCELLED"):
        return
    c = session.get(Complaint, (order.price_snapshot or {}).get("complaint_id") or "")
    if c is not None and not c.escrow_frozen:
        return
    payments_service.unfreeze_escrow(uow, order_id=redo_of)
    if c is not None:
        c.escrow_frozen = False
        session.add(c)
    audit_service.record(
        uow,
        actor=None,
        action="complaint.redo_done",
        target_type="complaint",
        target_id=c.id if c is not None else None,
        details={"order_id": redo_of, "redo_order_id": order.id, "redo_status": moved.to_status},
    )
