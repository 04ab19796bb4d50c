"""Appeals: a technician contests a rating or an upheld complaint within the window; staff
decide, and an upheld appeal removes the rating or voids the penalty (the figures follow).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.errors import Conflict, Forbidden, NotFound
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.reviews.complaints import update_complaint_rate
from server.reviews.models import Appeal, AppealRead, Complaint, Outcome, Review
from server.reviews.ratings import refresh_technician_stats
from server.rules import store as rules_store


def appeal_read(a: Appeal) -> AppealRead:
    return AppealRead(
        id=a.id,
        technician_id=a.technician_id,
        target_type=a.target_type,
        target_id=a.target_id,
        reason=a.reason,
        status=a.status,
        decision_note=a.decision_note,
        decided_by=a.decided_by,
        decided_at=as_utc(a.decided_at) if a.decided_at else None,
        created_at=as_utc(a.created_at),
    )


def create_appeal(
    uow: UnitOfWork,
    *,
    user: User,
    target_type: str,
    target_id: str,
    reason: str,
) -> AppealRead:
    session = uow.session
    clock = uow.clock
    rules = rules_store.current_rules(uow).reviews
    if target_type == "review":
        review = session.get(Review, target_id)
        if (
            review is None
            or review.subject_id != user.id
            or review.author_role != Role.customer.value
        ):
            raise NotFound("review not found", code="review_not_found")
        when = as_utc(review.created_at)
    else:
        complaint = session.get(Complaint, target_id)
        if complaint is None or complaint.technician_id != user.id:
            raise NotFound("complaint not found", code="complaint_not_found")
        if complaint.status != "resolved" or complaint.outcome == Outcome.reject.value:
            raise Conflict(
                "only an upheld complaint (a penalty) can be appealed", code="appeal_not_applicable"
            )
        when = as_utc(complaint.resolved_at or complaint.created_at)
    if clock.now() > when + timedelta(days=rules.appeal_window_days):
        raise Conflict("the appeal window has closed", code="appeal_window_closed")
    if session.exec(
        select(Appeal).where(Appeal.target_id == target_id, Appeal.technician_id == user.id)
    ).first():
        raise Conflict("this has already been appealed", code="appeal_exists")
    appeal = Appeal(
        id=new_id("apl"),
        technician_id=user.id,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        created_at=clock.now(),
    )
    session.add(appeal)
    return appeal_read(appeal)


def list_appeals(
    uow: UnitOfWork, *, user: User | None = None, status: str | None = None
) -> list[AppealRead]:
    session = uow.session
    query = select(Appeal)
    if user is not None:
        query = query.where(Appeal.technician_id == user.id)
    if status:
        query = query.where(Appeal.status == status)
    return [
        appeal_read(a)
        for a in session.exec(query.order_by(col(Appeal.created_at).desc()).limit(200)).all()
    ]


def decide_appeal(
    uow: UnitOfWork,
    *,
    user: User,
    appeal_id: str,
    decision: str,
    note: str,
    ip: str | None,
) -> AppealRead:
    session = uow.session
    clock = uow.clock
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("appeal not found", code="appeal_not_found")
    if appeal.status != "pending":
        raise Conflict("this appeal is already decided", code="appeal_decided")
    if user.id == appeal.technician_id:
        raise Forbidden("you may not decide your own appeal", code="appeal_own")
    effect: dict[str, Any] = {}
    if decision == "upheld":
        if appeal.target_type == "review":
            review = session.get(Review, appeal.target_id)
            if review is None:  # an appeal is only ever made on an existing review
                raise LookupError(f"appeal {appeal.id}: review {appeal.target_id} is missing")
            review.status = "removed"
            session.add(review)
            session.flush()
            refresh_technician_stats(uow, technician_id=appeal.technician_id)
            effect = {"review_removed": review.id}
        else:
            complaint = session.get(Complaint, appeal.target_id)
            if complaint is None:  # an appeal is only ever made on an existing complaint
                raise LookupError(f"appeal {appeal.id}: complaint {appeal.target_id} is missing")
            complaint.penalty_void = True
            session.add(complaint)
            session.flush()
            rate = update_complaint_rate(uow, technician_id=appeal.technician_id)
            effect = {"penalty_voided": complaint.id, "complaint_rate": rate}
    appeal.status, appeal.decision_note, appeal.decided_by, appeal.decided_at = (
        decision,
        note,
        user.id,
        clock.now(),
    )
    session.add(appeal)
    notifications.notify(
        uow,
        user_id=appeal.technician_id,
        kind="appeal.decided",
        title="申诉结果 / Appeal decided",
        body=note,
        data={"appeal_id": appeal.id, "decision": decision, "effect": effect},
    )
    audit_service.record(
        uow,
        actor=user,
        action="appeal.decide",
        target_type="appeal",
        target_id=appeal.id,
        ip=ip,
        details={
            "decision": decision,
            "note": note,
            "target_type": appeal.target_type,
            "target_id": appeal.target_id,
            "effect": effect,
        },
    )
    return appeal_read(appeal)
