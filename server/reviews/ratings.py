"""Ratings both ways: the customer rates the technician on four dimensions, the technician
rates the customer overall, once per completed order and within the window. The technician's
rating figures (read by dispatch scoring) follow each rating; the public page shows the
ratings with the authors' names masked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.masking import mask_contacts, mask_name
from server.core.uow import UnitOfWork
from server.orders import service as orders_service
from server.reviews import levels as lv
from server.reviews.common import attachments
from server.reviews.models import Review, ReviewIn, ReviewRead
from server.rules import store as rules_store
from server.technicians import service as technicians_service

GOOD_REVIEW = 4.0  # overall at or above counts towards the good-review rate (好评率)


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
    uow: UnitOfWork,
    *,
    user: User,
    order_id: str,
    body: ReviewIn,
) -> ReviewRead:
    session = uow.session
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    rules = rules_store.current_rules(uow).reviews
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
        photo_file_ids=attachments(uow, user, body.photo_file_ids),
        created_at=clock.now(),
    )
    session.add(review)
    try:
        session.flush()
    except IntegrityError as exc:
        uow.undo()
        raise Conflict("you have already rated this order", code="review_exists") from exc
    if user.role == Role.customer.value:
        refresh_technician_stats(uow, technician_id=subject)
    return _review_read(review, user, public=False)


def refresh_technician_stats(
    uow: UnitOfWork,
    *,
    technician_id: str,
) -> None:
    """Write rating figures (read by dispatch scoring) into the technician profile."""
    session = uow.session
    clock = uow.clock
    ensure_profile(uow, technician_id)
    reviews = visible_reviews_of(session, technician_id)
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
        uow,
        user_id=technician_id,
        rating_avg=avg,
        rating_count=count,
        good_rate_30d=good,
        reviews_30d=len(recent),
        dimensions=dims,
    )


def ensure_profile(
    uow: UnitOfWork,
    technician_id: str,
) -> None:
    session = uow.session
    user = session.get(User, technician_id)
    if user is not None:
        technicians_service.ensure_profile(uow, user=user)


def visible_reviews_of(
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


def public_reviews(uow: UnitOfWork, *, technician_id: str, limit: int = 50) -> list[ReviewRead]:
    session = uow.session
    subject = session.get(User, technician_id)
    if subject is None or subject.role != Role.technician.value:
        raise NotFound(
            "technician not found",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    reviews = visible_reviews_of(session, technician_id)[: max(1, min(limit, 200))]
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_([r.author_id for r in reviews])))
    }
    return [_review_read(r, authors.get(r.author_id), public=True) for r in reviews]


def reviews_of_order(uow: UnitOfWork, *, user: User, order_id: str) -> list[ReviewRead]:
    session = uow.session
    orders_service.get_for(uow, order_id=order_id, user=user)
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


def customer_ratings_since(
    session: Session, technician_ids: list[str], since: datetime
) -> dict[str, list[tuple[float, datetime]]]:
    """Each technician's visible customer ratings since ``since``: (overall stars, when);
    what dispatch's scoring weighs by age."""
    out: dict[str, list[tuple[float, datetime]]] = {}
    for r in session.exec(
        select(Review).where(
            col(Review.subject_id).in_(technician_ids),
            Review.author_role == Role.customer.value,
            Review.status == "visible",
            Review.created_at >= since,
        )
    ).all():
        out.setdefault(r.subject_id, []).append((float(r.overall), as_utc(r.created_at)))
    return out
