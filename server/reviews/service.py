"""Ratings both ways, complaints (→ dispute → resolution) and appeals; scores and levels.

This module is the domain's face for the routes and the other domains; the use cases live
beside it: ``ratings``, ``complaints`` (with the complaint rate), ``resolutions`` (support's
decision: the money, the redo visit) and ``appeals``. The technician's score card and the
quarterly level review stay here (their lateness penalty is the orders' own rule,
``orders.anomalies.was_late``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlmodel import col, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import anomalies
from server.orders import queries as order_queries
from server.reviews import levels as lv
from server.reviews.appeals import create_appeal, decide_appeal, list_appeals
from server.reviews.complaints import (
    answer_complaint,
    complaint_detail,
    complaints_by_technician,
    create_complaint,
    list_complaints,
    technician_complaints,
)
from server.reviews.models import Complaint, LevelRecord, Outcome, Review, ScoreRead
from server.reviews.ratings import (
    create_review,
    public_reviews,
    reviews_of_order,
    visible_reviews_of,
)
from server.reviews.resolutions import on_redo_done, resolve_complaint
from server.rules import store as rules_store
from server.technicians import service as technicians_service
from server.training import courses as training_courses
from server.training import service as training_service

__all__ = [
    "answer_complaint",
    "complaint_detail",
    "complaints_by_technician",
    "create_appeal",
    "create_complaint",
    "create_review",
    "decide_appeal",
    "explain_score",
    "list_appeals",
    "list_complaints",
    "on_redo_done",
    "public_reviews",
    "quarterly_levels_once",
    "recompute_levels",
    "resolve_complaint",
    "reviews_of_order",
    "run_quarterly_levels",
    "score_card",
    "technician_complaints",
]


log = logging.getLogger("doorstep.reviews")


def _penalties(
    uow: UnitOfWork, technician_id: str, since: datetime, until: datetime
) -> list[lv.Penalty]:
    session = uow.session
    rules = rules_store.current_rules(uow)
    out = []
    for c in session.exec(
        select(Complaint).where(
            Complaint.technician_id == technician_id,
            Complaint.status == "resolved",
            col(Complaint.outcome) != Outcome.reject.value,
            col(Complaint.penalty_void).is_(False),
            col(Complaint.resolved_at) >= since,
            col(Complaint.resolved_at) < until,
        )
    ).all():
        out.append(lv.penalty_for("upheld_complaint", c.id, rules.reviews))
    late = order_queries.arrived_between(session, technician_id, since, until)
    for o in late:
        arrived_at = cast(datetime, o.arrived_at)  # the query keeps arrived orders only
        facts = anomalies.OrderFacts(
            status=o.status,
            scheduled_start=as_utc(o.scheduled_start),
            scheduled_end=as_utc(o.scheduled_end),
            created_at=as_utc(o.created_at),
            arrived_at=as_utc(arrived_at),
        )
        if anomalies.was_late(facts, rules.ops.monitor):
            out.append(lv.penalty_for("late_arrival", o.id, rules.reviews))
    return out


def score_card(
    uow: UnitOfWork, *, technician_id: str, since: datetime, until: datetime
) -> tuple[lv.ScoreCard, list[Review]]:
    session = uow.session
    rules = rules_store.current_rules(uow).reviews
    reviews = visible_reviews_of(session, technician_id, since, until)
    ratings = [
        lv.Rating(r.id, r.response or 0, r.skill or 0, r.attitude or 0, r.care or 0)
        for r in reviews
    ]
    return lv.score(ratings, _penalties(uow, technician_id, since, until), rules), reviews


def explain_score(
    uow: UnitOfWork,
    *,
    user: User,
) -> ScoreRead:
    """What the technician's score and level are made of (trailing 90 days)."""
    session = uow.session
    clock = uow.clock
    profile = technicians_service.ensure_profile(uow, user=user)
    now = clock.now()
    since = now - timedelta(days=90)
    card, reviews = score_card(
        uow, technician_id=user.id, since=since, until=now + timedelta(seconds=1)
    )
    rules = rules_store.current_rules(uow).reviews
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
    uow: UnitOfWork,
    *,
    operator: User | None,
    ip: str | None,
    quarter_of: date | None = None,
) -> list[dict[str, Any]]:
    """The quarterly level review: score each technician on the previous (or given) quarter,
    keep the record, write the level into the profile; each change audited."""
    session = uow.session
    clock = uow.clock
    day = quarter_of or clock.now().date()
    name, start, end = lv.previous_quarter(day) if quarter_of is None else lv.quarter_of(day)
    since = datetime(start.year, start.month, start.day, tzinfo=clock.now().tzinfo)
    until = datetime(end.year, end.month, end.day, tzinfo=clock.now().tzinfo)
    technicians = session.exec(select(User).where(User.role == Role.technician.value)).all()
    operator_id = operator.id if operator is not None else None
    results = []
    for tech in technicians:
        tech_id = tech.id
        profile = technicians_service.ensure_profile(uow, user=tech)
        card, _ = score_card(uow, technician_id=tech_id, since=since, until=until)
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
            uow,
            actor=operator,
            action="technician.level",
            target_type="technician",
            target_id=tech_id,
            ip=ip,
            details={"quarter": name, "old": old, "new": card.level, "score": card.score},
        )
        if old != card.level:
            held = training_courses.on_hold_for_course(
                card.level,
                bool(training_service.passed_any(uow, [tech_id])),
                rules_store.current_rules(uow).training,
            )
            notifications.notify(
                uow,
                user_id=tech_id,
                kind="level.changed",
                title=lv.level_notice(old, card.level, course_required=held),
                data={"quarter": name, "score": card.score, "course_required": held},
            )
        technicians_service.set_level(
            uow,
            operator=operator,
            technician_id=tech_id,
            level=technicians_service.Level(card.level),
            reason="",
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
    return results


QUARTERLY_ACTION = "levels.quarterly"


def run_quarterly_levels(uow: UnitOfWork, *, timezone: str = "Asia/Shanghai") -> str | None:
    """The scheduled quarterly review: once per (local) quarter, score every technician on
    the previous quarter. The run is kept as an audit entry whose target is the quarter;
    a quarter that already has one is left alone. The quarter run, or None."""
    clock = uow.clock
    today = technicians_service.local_today(clock.now(), timezone)
    current, _, _ = lv.quarter_of(today)
    if audit_service.search(
        uow, action=QUARTERLY_ACTION, target_type="quarter", target_id=current, limit=1
    ):
        uow.undo()
        return None
    scored, start, _ = lv.previous_quarter(today)
    results = recompute_levels(uow, operator=None, ip=None, quarter_of=start)
    audit_service.record(
        uow,
        actor=None,
        action=QUARTERLY_ACTION,
        target_type="quarter",
        target_id=current,
        details={"scored_quarter": scored, "technicians": len(results)},
    )
    return current


LEVELS_SWEEP_SECONDS = 3600


def quarterly_levels_once(app) -> str | None:  # noqa: ANN001
    """One check, wholly in the worker thread (the session never lives on the event loop)."""

    with UnitOfWork.begin(app.state) as uow:
        return run_quarterly_levels(uow, timezone=app.state.settings.timezone)
