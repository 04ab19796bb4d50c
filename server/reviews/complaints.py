"""Complaints: the customer complains (evidence kept, held money frozen, the order
DISPUTED), the technician answers, support lists and investigates them (an audited read
with the order's timeline, the technician's location trail and the escrow). The
technician's complaint rate (read by dispatch; over the limit, a risk flag) is kept here.

Resolving one is in ``resolutions``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from server.audit import log as audit_service
from server.auth.models import User
from server.core.clock import as_utc
from server.core.crypto import FieldCipher
from server.core.errors import Conflict, NotFound
from server.core.ids import new_id
from server.core.masking import mask_contacts
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.orders.models import Order
from server.payments import service as payments_service
from server.realtime.models import TechnicianLocation
from server.reviews import ports
from server.reviews.common import attachments
from server.reviews.models import Complaint, ComplaintDetail, ComplaintIn, ComplaintRead, Outcome
from server.reviews.ratings import ensure_profile
from server.risk import service as risk
from server.rules import store as rules_store
from server.technicians import service as technicians_service


def complaint_read(
    c: Complaint, cipher: FieldCipher, *, for_technician: bool = False
) -> ComplaintRead:
    """Support reads the complaint as written; the technician with contact details masked."""
    text = cipher.decrypt(c.text_enc)
    if for_technician:
        text = mask_contacts(text).text
    answer = cipher.decrypt(c.technician_answer_enc) if c.technician_answer_enc else None
    return ComplaintRead(
        id=c.id,
        order_id=c.order_id,
        customer_id=c.customer_id,
        technician_id=c.technician_id,
        category=c.category,
        text=text,
        photo_file_ids=c.photo_file_ids,
        status=c.status,
        escrow_frozen=c.escrow_frozen,
        technician_answer=answer,
        answered_at=as_utc(c.answered_at) if c.answered_at else None,
        outcome=c.outcome,
        amount=c.amount,
        resolution_note=c.resolution_note,
        resolved_by=c.resolved_by,
        resolved_at=as_utc(c.resolved_at) if c.resolved_at else None,
        created_at=as_utc(c.created_at),
    )


def create_complaint(
    uow: UnitOfWork,
    *,
    user: User,
    order_id: str,
    body: ComplaintIn,
) -> ComplaintRead:
    """The customer complains: evidence kept, held money frozen, the order DISPUTED."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    if user.id != order.customer_id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    if session.exec(
        select(Complaint).where(Complaint.order_id == order.id, Complaint.status == "open")
    ).first():
        raise Conflict("this order already has an open complaint", code="complaint_open")
    photos = attachments(uow, user, body.photo_file_ids)
    complaint = Complaint(
        id=new_id("cmp"),
        order_id=order.id,
        customer_id=user.id,
        technician_id=order.technician_id,
        category=body.category.value,
        text_enc=cipher.encrypt(body.text),
        photo_file_ids=photos,
        created_at=clock.now(),
    )
    session.add(complaint)
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.DISPUTE,
        actor=Actor(ActorKind.CUSTOMER, user.id),
        reason=body.category.value,
        extra={"complaint_id": complaint.id},
    )
    payments_service.freeze_escrow(uow, order_id=order.id, reason=f"complaint {complaint.id}")
    complaint.escrow_frozen = True
    if order.technician_id:
        notifications.notify(
            uow,
            user_id=order.technician_id,
            kind="complaint.opened",
            title="您有一条新的投诉 / A customer complained",
            body=body.category.value,
            data={"complaint_id": complaint.id, "order_id": order.id},
        )
    return complaint_read(complaint, cipher)


def get_complaint(session: Session, complaint_id: str) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise NotFound("complaint not found", code="complaint_not_found")
    return c


def list_complaints(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    technician_id: str | None = None,
    limit: int = 100,
) -> list[ComplaintRead]:
    session = uow.session
    cipher = uow.cipher
    query = select(Complaint)
    if status:
        query = query.where(Complaint.status == status)
    if technician_id:
        query = query.where(Complaint.technician_id == technician_id)
    rows = session.exec(
        query.order_by(col(Complaint.created_at).desc()).limit(max(1, min(limit, 500)))
    ).all()
    return [complaint_read(c, cipher) for c in rows]


def complaint_detail(
    uow: UnitOfWork,
    *,
    user: User,
    complaint_id: str,
    ip: str | None,
) -> ComplaintDetail:
    """Support's investigation view; the read itself is audited (it shows a customer's case)."""
    session = uow.session
    cipher = uow.cipher
    c = get_complaint(session, complaint_id)
    order = orders_service.get(uow, order_id=c.order_id)
    timeline = [
        orders_service.event_to_read(e).model_dump(mode="json")
        for e in orders_service.events_after(uow, order_id=order.id)
    ]
    trail = _location_trail(session, order, cipher)
    escrow = payments_service.escrow_state(uow, order_id=order.id)
    audit_service.record(
        uow,
        actor=user,
        action="complaint.read",
        target_type="complaint",
        target_id=c.id,
        ip=ip,
        details={"order_id": order.id},
    )
    return ComplaintDetail(
        **complaint_read(c, cipher).model_dump(),
        order_status=order.status,
        order_total=order.total + order.extras_total,
        timeline=timeline,
        location_trail=trail,
        escrow=escrow,
    )


def _location_trail(session: Session, order: Order, cipher: FieldCipher) -> list[dict[str, Any]]:
    """The technician's reported points for this order (realtime keeps them for its
    retention period)."""
    rows = session.exec(
        select(TechnicianLocation)
        .where(TechnicianLocation.order_id == order.id)
        .order_by(col(TechnicianLocation.occurred_at))
        .limit(2000)
    ).all()
    trail = []
    for r in rows:
        lat, lng = r.point(cipher)
        trail.append(
            {
                "lat": lat,
                "lng": lng,
                "accuracy_m": r.accuracy_m,
                "occurred_at": as_utc(r.occurred_at).isoformat(),
            }
        )
    return trail


def technician_complaints(
    uow: UnitOfWork,
    *,
    user: User,
) -> list[ComplaintRead]:
    session = uow.session
    cipher = uow.cipher
    rows = session.exec(
        select(Complaint)
        .where(Complaint.technician_id == user.id)
        .order_by(col(Complaint.created_at).desc())
    ).all()
    return [complaint_read(c, cipher, for_technician=True) for c in rows]


def answer_complaint(
    uow: UnitOfWork,
    *,
    user: User,
    complaint_id: str,
    text: str,
) -> ComplaintRead:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    c = session.get(Complaint, complaint_id)
    if c is None or c.technician_id != user.id:
        raise NotFound("complaint not found", code="complaint_not_found")
    if c.status != "open":
        raise Conflict("this complaint is already resolved", code="complaint_resolved")
    c.technician_answer_enc, c.answered_at = cipher.encrypt(text), clock.now()
    session.add(c)
    return complaint_read(c, cipher, for_technician=True)


def _counted(since: datetime) -> tuple[Any, ...]:
    """The complaints a rate counts: made since ``since``, neither rejected nor voided."""
    return (
        col(Complaint.created_at) >= since,
        col(Complaint.outcome).is_distinct_from(Outcome.reject.value),
        col(Complaint.penalty_void).is_(False),
    )


def complaints_by_technician(
    session: Session, since: datetime, technician_ids: list[str] | None = None
) -> dict[str, int]:
    """Per technician (these, or all), the complaints a rate counts since ``since`` (the
    deposit rule's window, read by quality)."""
    who = (
        col(Complaint.technician_id).is_not(None)
        if technician_ids is None
        else col(Complaint.technician_id).in_(technician_ids)
    )
    rows = session.exec(
        select(Complaint.technician_id, func.count())
        .where(who, *_counted(since))
        .group_by(col(Complaint.technician_id))
    ).all()
    return {str(tid): int(n) for tid, n in rows}


def update_complaint_rate(
    uow: UnitOfWork,
    *,
    technician_id: str,
) -> float | None:
    """投诉率: complaints not rejected (nor voided on appeal) / finished orders in the window.
    Written into the technician profile for dispatch; over the limit → a risk flag."""
    session = uow.session
    clock = uow.clock
    rules = rules_store.current_rules(uow).ops.risk
    since = clock.now() - timedelta(days=rules.complaint_rate_window_days)
    orders = order_queries.finished_count(session, technician_id, ["COMPLETED", "DISPUTED"], since)
    complaints = session.exec(
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.technician_id == technician_id, *_counted(since))
    ).one()
    rate = round(complaints / orders, 4) if orders >= rules.complaint_rate_min_orders else None
    ensure_profile(uow, technician_id)
    technicians_service.update_complaint_rate(uow, user_id=technician_id, complaint_rate=rate)
    if rate is not None and rate * 10_000 > rules.complaint_rate_limit_bp:
        risk.flag(
            uow,
            subject_id=technician_id,
            kind="complaint_rate",
            details={"rate": rate, "complaints": complaints, "orders": orders},
        )
    ports.complaint_rate_changed.ask(uow, technician_id)
    return rate
