"""Figures written by other domains into the profile for dispatch scoring (no commit: the
caller's transaction): the rating figures from reviews, the level, the complaint rate, and
the acceptance, transfer and completion counts that follow order moves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from server.core.errors import Unprocessable
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.technicians.models import Level, TechnicianProfile, TechnicianTransfer


def _increment(session: Session, user_id: str | None, **columns: int) -> None:
    if not user_id:
        return
    values: dict[str, Any] = {
        name: getattr(TechnicianProfile, name) + amount for name, amount in columns.items()
    }
    session.execute(
        update(TechnicianProfile).where(col(TechnicianProfile.user_id) == user_id).values(**values)
    )


def update_review_stats(
    uow: UnitOfWork,
    *,
    user_id: str,
    rating_avg: float | None,
    rating_count: int,
    good_rate_30d: float | None,
    reviews_30d: int,
    dimensions: dict[str, float] | None = None,
) -> None:
    """Called by the reviews domain after it recomputes a technician's figures."""
    session = uow.session
    if good_rate_30d is not None and not 0.0 <= good_rate_30d <= 1.0:
        raise Unprocessable("good_rate_30d must be within 0..1", code="stats_invalid")
    values: dict[str, Any] = {
        "rating_avg": rating_avg,
        "rating_count": rating_count,
        "good_rate_30d": good_rate_30d,
        "reviews_30d": reviews_30d,
    }
    if dimensions is not None:
        values["rating_dimensions"] = dict(dimensions)
    session.execute(
        update(TechnicianProfile).where(col(TechnicianProfile.user_id) == user_id).values(**values)
    )


def update_level(uow: UnitOfWork, *, user_id: str, level: Level | str) -> None:
    """For the quarterly level review computed elsewhere (no commit: the caller's transaction)."""
    session = uow.session
    session.execute(
        update(TechnicianProfile)
        .where(col(TechnicianProfile.user_id) == user_id)
        .values(level=Level(level).value)
    )


def update_complaint_rate(uow: UnitOfWork, *, user_id: str, complaint_rate: float | None) -> None:
    session = uow.session
    if complaint_rate is not None and not 0.0 <= complaint_rate <= 1.0:
        raise Unprocessable("complaint_rate must be within 0..1", code="stats_invalid")
    session.execute(
        update(TechnicianProfile)
        .where(col(TechnicianProfile.user_id) == user_id)
        .values(complaint_rate=complaint_rate)
    )


def count_order_moves(uow: UnitOfWork, moved: Moved) -> None:
    """Acceptance, transfer and completion counts follow the order machine."""
    session = uow.session
    action = moved.action
    if action == "offer":
        _increment(session, moved.order.offered_technician_id, offers_received=1)
    elif action == "accept":
        _increment(session, moved.actor_id, offers_accepted=1)
    elif action == "transfer":
        previous = next(
            (
                e.payload.get("previous_technician_id")
                for e in moved.events
                if e.payload.get("previous_technician_id")
            ),
            None,
        )
        if not previous:
            return
        platform_fault = bool(moved.context.get("platform_fault"))
        at = moved.events[0].received_at if moved.events else moved.order.updated_at
        session.add(
            TechnicianTransfer(
                technician_id=previous,
                order_id=moved.order.id,
                at=at,
                by_role=moved.actor_role or "system",
                platform_fault=platform_fault,
                reason=str(moved.context.get("reason") or "")[:300],
            )
        )
        if not platform_fault:  # the platform's own re-dispatch is not held against them
            _increment(session, previous, transfer_count=1)
    elif action in ("confirm", "auto_confirm") and moved.to_status == "COMPLETED":
        _increment(session, moved.order.technician_id, completed_orders=1)
