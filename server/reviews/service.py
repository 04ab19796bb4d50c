"""Ratings both ways, complaints (→ dispute → resolution) and appeals; scores and levels."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher
from server.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.core.events import Moved
from server.core.ids import new_id
from server.core.loops import every
from server.core.masking import mask_contacts
from server.files import service as files_service
from server.notifications import inbox as notifications
from server.ops import anomalies
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.orders.models import Order
from server.reviews import levels as lv
from server.reviews.models import (
    Appeal,
    AppealRead,
    Complaint,
    ComplaintDetail,
    ComplaintIn,
    ComplaintRead,
    LevelRecord,
    Outcome,
    ResolveIn,
    Review,
    ReviewIn,
    ReviewRead,
    ScoreRead,
)
from server.rules import store as rules_store
from server.technicians import service as technicians_service

log = logging.getLogger("doorstep.reviews")
GOOD_REVIEW = 4.0  # overall at or above counts towards the good-review rate (好评率)


def _payments() -> ModuleType:
    """The payments domain's service (escrow freeze, refunds); imported late (cycle)."""
    return importlib.import_module("server.payments.service")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return "*"
    return name[0] + "*" * min(max(len(name) - 1, 1), 2)


def _attachments(session: Session, user: User, file_ids: list[str]) -> list[str]:
    for file_id in file_ids:
        files_service.ensure_owned(session=session, file_id=file_id, owner=user, kinds={"photo"})
    return list(dict.fromkeys(file_ids))


# --- reviews ---------------------------------------------------------------------------


def _review_read(review: Review, author: User | None, *, public: bool) -> ReviewRead:
    name = author.name if author else ""
    return ReviewRead(
        id=review.id,
        order_id=review.order_id,
        author_role=review.author_role,
        author_name=mask_name(name) if public else name,
        subject_id=review.subject_id,
        response=review.response,
        skill=review.skill,
        attitude=review.attitude,
        care=review.care,
        overall=review.overall,
        text=review.text,
        photo_file_ids=review.photo_file_ids,
        created_at=as_utc(review.created_at),
    )


def create_review(
    *, session: Session, user: User, order_id: str, body: ReviewIn, clock: Clock
) -> ReviewRead:
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    rules = rules_store.current_rules(session=session).reviews
    if user.role == Role.customer.value and user.id == order.customer_id:
        dims = [body.response, body.skill, body.attitude, body.care]
        if any(d is None for d in dims):
            raise Unprocessable(
                "rate all four: response, skill, attitude, care", code="review_dimensions_required"
            )
        subject = order.technician_id
        overall = round(sum(d for d in dims if d is not None) / 4, 2)
    elif user.role == Role.technician.value and user.id == order.technician_id:
        if body.overall is None:
            raise Unprocessable(
                "give the customer an overall score 1-5", code="review_overall_required"
            )
        subject = order.customer_id
        overall = float(body.overall)
    else:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    if order.status != "COMPLETED" or order.completed_at is None or subject is None:
        raise Conflict(
            "an order can be rated once it is completed",
            code="order_not_completed",
            details={"status": order.status},
        )
    if clock.now() > as_utc(order.completed_at) + timedelta(days=rules.review_window_days):
        raise Conflict(
            "the rating window has closed",
            code="review_window_closed",
            details={"review_window_days": rules.review_window_days},
        )
    review = Review(
        id=new_id("rev"),
        order_id=order.id,
        author_id=user.id,
        author_role=user.role,
        subject_id=subject,
        response=body.response if user.role == Role.customer.value else None,
        skill=body.skill if user.role == Role.customer.value else None,
        attitude=body.attitude if user.role == Role.customer.value else None,
        care=body.care if user.role == Role.customer.value else None,
        overall=overall,
        text=mask_contacts(body.text).text,
        photo_file_ids=_attachments(session, user, body.photo_file_ids),
        created_at=clock.now(),
    )
    session.add(review)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("you have already rated this order", code="review_exists") from exc
    if user.role == Role.customer.value:
        refresh_technician_stats(session=session, technician_id=subject, clock=clock)
    session.commit()
    return _review_read(review, user, public=False)


def refresh_technician_stats(*, session: Session, technician_id: str, clock: Clock) -> None:
    """Write rating figures (read by dispatch scoring) into the technician profile."""
    _ensure_profile(session, technician_id, clock)
    reviews = _visible_reviews_of(session, technician_id)
    count = len(reviews)
    avg = round(sum(r.overall for r in reviews) / count, 3) if count else None
    since = clock.now() - timedelta(days=30)
    recent = [r for r in reviews if as_utc(r.created_at) >= since]
    good = (
        round(sum(1 for r in recent if r.overall >= GOOD_REVIEW) / len(recent), 4)
        if recent
        else None
    )
    dims = (
        {d: round(sum(getattr(r, d) for r in reviews) / count, 3) for d in lv.DIMENSIONS}
        if count
        else {}
    )
    technicians_service.update_review_stats(
        session=session,
        user_id=technician_id,
        rating_avg=avg,
        rating_count=count,
        good_rate_30d=good,
        reviews_30d=len(recent),
        dimensions=dims,
    )


def _ensure_profile(session: Session, technician_id: str, clock: Clock) -> None:
    user = session.get(User, technician_id)
    if user is not None:
        technicians_service.ensure_profile(session=session, user=user, clock=clock)


def _visible_reviews_of(
    session: Session,
    technician_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Review]:
    query = select(Review).where(
        Review.subject_id == technician_id,
        Review.author_role == Role.customer.value,
        Review.status == "visible",
    )
    if since:
        query = query.where(Review.created_at >= since)
    if until:
        query = query.where(Review.created_at < until)
    return list(session.exec(query.order_by(col(Review.created_at).desc())).all())


def public_reviews(*, session: Session, technician_id: str, limit: int = 50) -> list[ReviewRead]:
    subject = session.get(User, technician_id)
    if subject is None or subject.role != Role.technician.value:
        raise NotFound(
            "technician not found",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    reviews = _visible_reviews_of(session, technician_id)[: max(1, min(limit, 200))]
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_([r.author_id for r in reviews])))
    }
    return [_review_read(r, authors.get(r.author_id), public=True) for r in reviews]


def reviews_of_order(*, session: Session, user: User, order_id: str) -> list[ReviewRead]:
    orders_service.get_for(session=session, order_id=order_id, user=user)
    reviews = session.exec(select(Review).where(Review.order_id == order_id)).all()
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_([r.author_id for r in reviews])))
    }
    return [
        _review_read(
            r, authors.get(r.author_id), public=user.role not in ("operator", "support", "admin")
        )
        for r in reviews
    ]


# --- complaints ------------------------------------------------------------------------


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
    *,
    session: Session,
    user: User,
    order_id: str,
    body: ComplaintIn,
    clock: Clock,
    cipher: FieldCipher,
) -> ComplaintRead:
    """The customer complains: evidence kept, held money frozen, the order DISPUTED."""
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    if user.id != order.customer_id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    if session.exec(
        select(Complaint).where(Complaint.order_id == order.id, Complaint.status == "open")
    ).first():
        raise Conflict("this order already has an open complaint", code="complaint_open")
    photos = _attachments(session, user, body.photo_file_ids)
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
        session=session,
        order_id=order.id,
        action=Action.DISPUTE,
        actor=Actor(ActorKind.CUSTOMER, user.id),
        clock=clock,
        reason=body.category.value,
        extra={"complaint_id": complaint.id},
        commit=False,
    )
    _payments().freeze_escrow(
        session=session, order_id=order.id, reason=f"complaint {complaint.id}", clock=clock
    )
    complaint.escrow_frozen = True
    if order.technician_id:
        notifications.notify(
            session=session,
            user_id=order.technician_id,
            kind="complaint.opened",
            title="您有一条新的投诉 / A customer complained",
            body=body.category.value,
            data={"complaint_id": complaint.id, "order_id": order.id},
            clock=clock,
        )
    orders_service.finish_moves(session)
    return complaint_read(complaint, cipher)


def _get_complaint(session: Session, complaint_id: str) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise NotFound("complaint not found", code="complaint_not_found")
    return c


def list_complaints(
    *,
    session: Session,
    cipher: FieldCipher,
    status: str | None = None,
    technician_id: str | None = None,
    limit: int = 100,
) -> list[ComplaintRead]:
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
    *,
    session: Session,
    user: User,
    complaint_id: str,
    clock: Clock,
    cipher: FieldCipher,
    ip: str | None,
) -> ComplaintDetail:
    """Support's investigation view; the read itself is audited (it shows a customer's case)."""
    c = _get_complaint(session, complaint_id)
    order = orders_service.get(session=session, order_id=c.order_id)
    timeline = [
        orders_service.event_to_read(e).model_dump(mode="json")
        for e in orders_service.events_after(session=session, order_id=order.id)
    ]
    trail = _location_trail(session, order, cipher)
    escrow = _payments().escrow_state(session=session, order_id=order.id)
    audit_service.record(
        session=session,
        actor=user,
        action="complaint.read",
        target_type="complaint",
        target_id=c.id,
        ip=ip,
        clock=clock,
        details={"order_id": order.id},
    )
    session.commit()
    return ComplaintDetail(
        **complaint_read(c, cipher).model_dump(),
        order_status=order.status,
        order_total=order.total + order.extras_total,
        timeline=timeline,
        location_trail=trail,
        escrow=escrow,
    )


def _location_trail(
    session: Session, order: Order, cipher: FieldCipher
) -> list[dict[str, Any]] | None:
    """The technician's reported points for this order (realtime keeps them for its
    retention period); None when this deployment has no location domain."""
    if importlib.util.find_spec("server.realtime.models") is None:
        return None
    models = importlib.import_module("server.realtime.models")
    location = getattr(models, "TechnicianLocation", None)
    if location is None:
        return None
    rows = session.exec(
        select(location)
        .where(location.order_id == order.id)
        .order_by(col(location.occurred_at))
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


def resolve_complaint(
    *,
    session: Session,
    user: User,
    complaint_id: str,
    body: ResolveIn,
    clock: Clock,
    cipher: FieldCipher,
    ip: str | None,
) -> ComplaintRead:
    c = _get_complaint(session, complaint_id)
    if c.status != "open":
        raise Conflict("this complaint is already resolved", code="complaint_resolved")
    order = orders_service.get(session=session, order_id=c.order_id)
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
    money = _settle_money(session, order, c, body, paid, clock)
    extra: dict[str, Any] = {
        "complaint_id": c.id,
        "outcome": body.outcome.value,
        "amount": money.get("amount"),
    }
    if body.outcome == Outcome.redo and body.redo_start is not None:
        redo = _book_redo(session, order, c, user, body.redo_start, clock)
        extra["redo_order_id"] = money["redo_order_id"] = redo.id
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.RESOLVE,
        actor=Actor(ActorKind.STAFF, user.id),
        clock=clock,
        reason=body.outcome.value,
        extra=extra,
        commit=False,
    )
    c.status, c.outcome, c.amount = "resolved", body.outcome.value, money.get("amount")
    c.resolution_note, c.resolved_by, c.resolved_at = body.note, user.id, clock.now()
    session.add(c)
    for uid, role in ((c.customer_id, "customer"), (c.technician_id, "technician")):
        if uid:
            notifications.notify(
                session=session,
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
                clock=clock,
            )
    audit_service.record(
        session=session,
        actor=user,
        action="complaint.resolve",
        target_type="complaint",
        target_id=c.id,
        ip=ip,
        clock=clock,
        details={"order_id": order.id, "outcome": body.outcome.value, **money, "note": body.note},
    )
    if c.technician_id:
        update_complaint_rate(session=session, technician_id=c.technician_id, clock=clock)
    orders_service.finish_moves(session)
    return complaint_read(c, cipher)


def _settle_money(
    session: Session, order: Order, c: Complaint, body: ResolveIn, paid: int, clock: Clock
) -> dict[str, Any]:
    """Refund / compensate / release through the payments domain; what was done."""
    payments = _payments()
    reason = f"complaint {c.id}: {body.outcome.value}"
    out: dict[str, Any] = {"amount": None}
    if body.outcome == Outcome.refund_full:
        out["amount"] = paid
    elif body.outcome in (Outcome.refund_partial, Outcome.compensate):
        out["amount"] = body.amount
    if body.outcome in (Outcome.refund_full, Outcome.refund_partial):
        payments.refund(
            session=session, order_id=order.id, amount=out["amount"], reason=reason, clock=clock
        )
    elif body.outcome == Outcome.compensate:
        # goodwill money back to the customer (damage, lateness) beside the service they keep;
        # paid through the original payment, so never more than what was paid
        payments.refund(
            session=session, order_id=order.id, amount=out["amount"], reason=reason, clock=clock
        )
    if c.escrow_frozen and body.outcome != Outcome.redo:
        # a redo keeps the money held until the return visit is completed (on_redo_done)
        payments.unfreeze_escrow(session=session, order_id=order.id, clock=clock)
    return out


REDO_LINE = {"code": "redo", "label": "返工（免费）", "amount": 0}


def _book_redo(
    session: Session, order: Order, c: Complaint, user: User, start: datetime, clock: Clock
) -> Order:
    """The free return visit: same customer, service and address, the original technician
    preferred; nothing to pay, so it goes straight to dispatch."""
    redo = orders_service.create_follow_up(
        session=session,
        original=order,
        scheduled_start=start,
        lines=[dict(REDO_LINE)],
        snapshot={"redo_of": order.id, "complaint_id": c.id},
        preferred_technician_id=order.technician_id,
        actor_id=user.id,
        actor_role=user.role,
        clock=clock,
    )
    orders_service.move(
        session=session,
        order_id=redo.id,
        action=Action.PAYMENT_SUCCEEDED,
        actor=Actor(ActorKind.SYSTEM),
        clock=clock,
        reason="redo",
        extra={"redo_of": order.id, "complaint_id": c.id},
        commit=False,
    )
    return redo


class _MoveClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def on_redo_done(session: Session, moved: Moved) -> None:
    """A redo visit completed (or was cancelled: nothing more will be done): the original
    order's held money is released as after any resolution."""
    order = moved.order
    redo_of = (order.price_snapshot or {}).get("redo_of")
    if not redo_of or moved.action is None:
        return
    if moved.to_status not in ("COMPLETED", "CANCELLED"):
        return
    clock = _MoveClock(as_utc(order.updated_at))
    c = session.get(Complaint, (order.price_snapshot or {}).get("complaint_id") or "")
    if c is not None and not c.escrow_frozen:
        return
    _payments().unfreeze_escrow(session=session, order_id=redo_of, clock=clock)
    if c is not None:
        c.escrow_frozen = False
        session.add(c)
    audit_service.record(
        session=session,
        actor=None,
        action="complaint.redo_done",
        target_type="complaint",
        target_id=c.id if c is not None else None,
        clock=clock,
        details={"order_id": redo_of, "redo_order_id": order.id, "redo_status": moved.to_status},
    )


def technician_complaints(
    *, session: Session, user: User, cipher: FieldCipher
) -> list[ComplaintRead]:
    rows = session.exec(
        select(Complaint)
        .where(Complaint.technician_id == user.id)
        .order_by(col(Complaint.created_at).desc())
    ).all()
    return [complaint_read(c, cipher, for_technician=True) for c in rows]


def answer_complaint(
    *, session: Session, user: User, complaint_id: str, text: str, clock: Clock, cipher: FieldCipher
) -> ComplaintRead:
    c = session.get(Complaint, complaint_id)
    if c is None or c.technician_id != user.id:
        raise NotFound("complaint not found", code="complaint_not_found")
    if c.status != "open":
        raise Conflict("this complaint is already resolved", code="complaint_resolved")
    c.technician_answer_enc, c.answered_at = cipher.encrypt(text), clock.now()
    session.add(c)
    session.commit()
    return complaint_read(c, cipher, for_technician=True)


def update_complaint_rate(*, session: Session, technician_id: str, clock: Clock) -> float | None:
    """投诉率: complaints not rejected (nor voided on appeal) / finished orders in the window.
    Written into the technician profile for dispatch; over the limit → a risk flag."""
    from server.ops import risk

    rules = rules_store.current_rules(session=session).ops.risk
    since = clock.now() - timedelta(days=rules.complaint_rate_window_days)
    orders = session.exec(
        select(func.count())
        .select_from(Order)
        .where(
            Order.technician_id == technician_id,
            col(Order.status).in_(["COMPLETED", "DISPUTED"]),
            Order.finished_at >= since,
        )
    ).one()
    complaints = session.exec(
        select(func.count())
        .select_from(Complaint)
        .where(
            Complaint.technician_id == technician_id,
            Complaint.created_at >= since,
            col(Complaint.outcome).is_distinct_from(Outcome.reject.value),
            Complaint.penalty_void.is_(False),
        )
    ).one()
    rate = round(complaints / orders, 4) if orders >= rules.complaint_rate_min_orders else None
    _ensure_profile(session, technician_id, clock)
    technicians_service.update_complaint_rate(
        session=session, user_id=technician_id, complaint_rate=rate
    )
    if rate is not None and rate * 10_000 > rules.complaint_rate_limit_bp:
        risk.flag(
            session=session,
            subject_id=technician_id,
            kind="complaint_rate",
            clock=clock,
            details={"rate": rate, "complaints": complaints, "orders": orders},
        )
    return rate


# --- score, levels, appeals ----------------------------------------------------------------


def _penalties(
    session: Session, technician_id: str, since: datetime, until: datetime
) -> list[lv.Penalty]:
    rules = rules_store.current_rules(session=session)
    out = []
    for c in session.exec(
        select(Complaint).where(
            Complaint.technician_id == technician_id,
            Complaint.status == "resolved",
            col(Complaint.outcome) != Outcome.reject.value,
            Complaint.penalty_void.is_(False),
            Complaint.resolved_at >= since,
            Complaint.resolved_at < until,
        )
    ).all():
        out.append(lv.penalty_for("upheld_complaint", c.id, rules.reviews))
    late = session.exec(
        select(Order).where(
            Order.technician_id == technician_id,
            col(Order.arrived_at).is_not(None),
            Order.arrived_at >= since,
            Order.arrived_at < until,
        )
    ).all()
    for o in late:
        facts = anomalies.OrderFacts(
            status=o.status,
            scheduled_start=as_utc(o.scheduled_start),
            scheduled_end=as_utc(o.scheduled_end),
            created_at=as_utc(o.created_at),
            arrived_at=as_utc(o.arrived_at),
        )
        if anomalies.was_late(facts, rules.ops.monitor):
            out.append(lv.penalty_for("late_arrival", o.id, rules.reviews))
    return out


def score_card(
    *, session: Session, technician_id: str, since: datetime, until: datetime
) -> tuple[lv.ScoreCard, list[Review]]:
    rules = rules_store.current_rules(session=session).reviews
    reviews = _visible_reviews_of(session, technician_id, since, until)
    ratings = [
        lv.Rating(r.id, r.response or 0, r.skill or 0, r.attitude or 0, r.care or 0)
        for r in reviews
    ]
    return lv.score(ratings, _penalties(session, technician_id, since, until), rules), reviews


def explain_score(*, session: Session, user: User, clock: Clock) -> ScoreRead:
    """What the technician's score and level are made of (trailing 90 days)."""
    profile = technicians_service.ensure_profile(session=session, user=user, clock=clock)
    now = clock.now()
    since = now - timedelta(days=90)
    card, reviews = score_card(
        session=session, technician_id=user.id, since=since, until=now + timedelta(seconds=1)
    )
    rules = rules_store.current_rules(session=session).reviews
    explanation = [
        f"{card.ratings} ratings in the last 90 days; weighted mean {card.weighted_mean} "
        f"(weights response {rules.weight_response}, skill {rules.weight_skill}, "
        f"attitude {rules.weight_attitude}, care {rules.weight_care}).",
        f"Smoothed with {rules.prior_ratings} virtual ratings of {rules.prior_mean}: "
        f"{card.smoothed_mean} → {card.rating_score} points of 100.",
        f"Penalties: {card.penalty_points} points ({len(card.penalties)} items).",
        f"Score {card.score} → level {card.level}"
        + (
            f"; for {card.next_level} you need {card.next_level_needs}." if card.next_level else "."
        ),
        f"Level in force: {profile.level} (set each quarter from the previous quarter's score).",
    ]
    history = session.exec(
        select(LevelRecord)
        .where(LevelRecord.technician_id == user.id)
        .order_by(col(LevelRecord.quarter).desc())
        .limit(8)
    ).all()
    return ScoreRead(
        technician_id=user.id,
        level=profile.level,
        computed_level=card.level,
        score=card.score,
        ratings=card.ratings,
        dimension_means=card.dimension_means,
        weighted_mean=card.weighted_mean,
        smoothed_mean=card.smoothed_mean,
        rating_score=card.rating_score,
        penalty_points=card.penalty_points,
        penalties=[
            {"kind": p.kind, "ref_id": p.ref_id, "points": p.points} for p in card.penalties
        ],
        next_level=card.next_level,
        next_level_needs=card.next_level_needs,
        explanation=explanation,
        contributing_reviews=[
            {
                "review_id": r.id,
                "order_id": r.order_id,
                "overall": r.overall,
                "response": r.response,
                "skill": r.skill,
                "attitude": r.attitude,
                "care": r.care,
                "mean": round(
                    lv.rating_mean(
                        lv.Rating(
                            r.id, r.response or 0, r.skill or 0, r.attitude or 0, r.care or 0
                        ),
                        rules,
                    ),
                    3,
                ),
                "created_at": as_utc(r.created_at).isoformat(),
            }
            for r in reviews
        ],
        level_history=[{"quarter": h.quarter, "level": h.level, "score": h.score} for h in history],
    )


def recompute_levels(
    *,
    session: Session,
    operator: User | None,
    clock: Clock,
    ip: str | None,
    quarter_of: date | None = None,
) -> list[dict[str, Any]]:
    """The quarterly level review: score each technician on the previous (or given) quarter,
    keep the record, write the level into the profile; each change audited."""
    day = quarter_of or clock.now().date()
    name, start, end = lv.previous_quarter(day) if quarter_of is None else lv.quarter_of(day)
    since = datetime(start.year, start.month, start.day, tzinfo=clock.now().tzinfo)
    until = datetime(end.year, end.month, end.day, tzinfo=clock.now().tzinfo)
    technicians = session.exec(select(User).where(User.role == Role.technician.value)).all()
    operator_id = operator.id if operator is not None else None
    results = []
    for tech in technicians:
        tech_id = tech.id
        profile = technicians_service.ensure_profile(session=session, user=tech, clock=clock)
        card, _ = score_card(session=session, technician_id=tech_id, since=since, until=until)
        record = session.exec(
            select(LevelRecord).where(
                LevelRecord.technician_id == tech_id, LevelRecord.quarter == name
            )
        ).first()
        payload = {
            "score": card.score,
            "ratings": card.ratings,
            "penalty_points": card.penalty_points,
            "dimension_means": card.dimension_means,
        }
        if record is None:
            record = LevelRecord(
                id=new_id("lvl"),
                technician_id=tech_id,
                quarter=name,
                level=card.level,
                score=card.score,
                card=payload,
                computed_at=clock.now(),
                computed_by=operator_id,
            )
        else:
            record.level, record.score, record.card = card.level, card.score, payload
            record.computed_at, record.computed_by = clock.now(), operator_id
        session.add(record)
        old = profile.level
        audit_service.record(
            session=session,
            actor=operator,
            action="technician.level",
            target_type="technician",
            target_id=tech_id,
            ip=ip,
            clock=clock,
            details={"quarter": name, "old": old, "new": card.level, "score": card.score},
        )
        if old != card.level:
            notifications.notify(
                session=session,
                user_id=tech_id,
                kind="level.changed",
                title=f"等级调整 {old}→{card.level}",
                data={"quarter": name, "score": card.score},
                clock=clock,
            )
        technicians_service.set_level(
            session=session,
            operator=operator,
            technician_id=tech_id,
            level=technicians_service.Level(card.level),
            reason="",
            clock=clock,
        )
        results.append(
            {
                "technician_id": tech_id,
                "quarter": name,
                "old": old,
                "level": card.level,
                "score": card.score,
            }
        )
    session.commit()
    return results


QUARTERLY_ACTION = "levels.quarterly"


def run_quarterly_levels(
    *, session: Session, clock: Clock, timezone: str = "Asia/Shanghai"
) -> str | None:
    """The scheduled quarterly review: once per (local) quarter, score every technician on
    the previous quarter. The run is kept as an audit entry whose target is the quarter;
    a quarter that already has one is left alone. The quarter run, or None."""
    today = technicians_service.local_today(clock.now(), timezone)
    current, _, _ = lv.quarter_of(today)
    if audit_service.search(
        session=session, action=QUARTERLY_ACTION, target_type="quarter", target_id=current, limit=1
    ):
        session.rollback()
        return None
    scored, start, _ = lv.previous_quarter(today)
    results = recompute_levels(
        session=session, operator=None, clock=clock, ip=None, quarter_of=start
    )
    audit_service.record(
        session=session,
        actor=None,
        action=QUARTERLY_ACTION,
        target_type="quarter",
        target_id=current,
        clock=clock,
        details={"scored_quarter": scored, "technicians": len(results)},
    )
    session.commit()
    return current


LEVELS_SWEEP_SECONDS = 3600


def quarterly_levels_once(app) -> str | None:  # noqa: ANN001
    """One check, wholly in the worker thread (the session never lives on the event loop)."""
    from server.core.db import session_scope

    with session_scope(app.state.engine) as session:
        return run_quarterly_levels(
            session=session, clock=app.state.clock, timezone=app.state.settings.timezone
        )


async def quarterly_levels_task(app) -> None:  # noqa: ANN001
    """Background loop (``server.app._background_tasks``): the quarterly level review."""

    def report(quarter: object) -> None:
        if quarter:
            log.info("quarterly levels recomputed for %s", quarter)

    await every(
        LEVELS_SWEEP_SECONDS,
        lambda: quarterly_levels_once(app),
        what="quarterly level review",
        report=report,
    )


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
    *, session: Session, user: User, target_type: str, target_id: str, reason: str, clock: Clock
) -> AppealRead:
    rules = rules_store.current_rules(session=session).reviews
    if target_type == "review":
        target = session.get(Review, target_id)
        if (
            target is None
            or target.subject_id != user.id
            or target.author_role != Role.customer.value
        ):
            raise NotFound("review not found", code="review_not_found")
        when = as_utc(target.created_at)
    else:
        target = session.get(Complaint, target_id)
        if target is None or target.technician_id != user.id:
            raise NotFound("complaint not found", code="complaint_not_found")
        if target.status != "resolved" or target.outcome == Outcome.reject.value:
            raise Conflict(
                "only an upheld complaint (a penalty) can be appealed", code="appeal_not_applicable"
            )
        when = as_utc(target.resolved_at or target.created_at)
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
    session.commit()
    return appeal_read(appeal)


def list_appeals(
    *, session: Session, user: User | None = None, status: str | None = None
) -> list[AppealRead]:
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
    *,
    session: Session,
    user: User,
    appeal_id: str,
    decision: str,
    note: str,
    clock: Clock,
    ip: str | None,
) -> AppealRead:
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
            review.status = "removed"
            session.add(review)
            session.flush()
            refresh_technician_stats(
                session=session, technician_id=appeal.technician_id, clock=clock
            )
            effect = {"review_removed": review.id}
        else:
            complaint = session.get(Complaint, appeal.target_id)
            complaint.penalty_void = True
            session.add(complaint)
            session.flush()
            rate = update_complaint_rate(
                session=session, technician_id=appeal.technician_id, clock=clock
            )
            effect = {"penalty_voided": complaint.id, "complaint_rate": rate}
    appeal.status, appeal.decision_note, appeal.decided_by, appeal.decided_at = (
        decision,
        note,
        user.id,
        clock.now(),
    )
    session.add(appeal)
    notifications.notify(
        session=session,
        user_id=appeal.technician_id,
        kind="appeal.decided",
        title="申诉结果 / Appeal decided",
        body=note,
        data={"appeal_id": appeal.id, "decision": decision, "effect": effect},
        clock=clock,
    )
    audit_service.record(
        session=session,
        actor=user,
        action="appeal.decide",
        target_type="appeal",
        target_id=appeal.id,
        ip=ip,
        clock=clock,
        details={
            "decision": decision,
            "note": note,
            "target_type": appeal.target_type,
            "target_id": appeal.target_id,
            "effect": effect,
        },
    )
    session.commit()
    return appeal_read(appeal)
