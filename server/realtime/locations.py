"""Technicians' location points: storing the encrypted trail (and the last known spot
dispatch reads), pushing the ETA to the customer of the trip, and the retention sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete
from sqlmodel import Session, col

from server.auth.models import User
from server.core import presence
from server.core.clock import as_utc
from server.core.errors import NotFound, Unprocessable
from server.core.points import coarse, seal_point
from server.core.ratelimit import enforce
from server.core.uow import UnitOfWork
from server.dispatch import service as dispatch_service
from server.orders import queries as order_queries
from server.orders.models import Order
from server.realtime import visibility
from server.realtime.config import RealtimeSettings
from server.realtime.eta import eta_for
from server.realtime.messages import iso
from server.realtime.models import LocationAck, LocationIn, TechnicianLocation
from server.realtime.runtime import publish
from server.technicians import service as technicians_service

log = logging.getLogger("doorstep.realtime")


def _tracked_orders(session: Session, technician_id: str) -> list[Order]:
    return order_queries.held_by(session, technician_id, visibility.TRACKED_STATUSES)


def _update_technician_location(
    uow: UnitOfWork, technician_id: str, lat: float, lng: float, at: datetime
) -> None:
    """Keep the technician's last known location, to the block (dispatch needs no more;
    the exact point is in the encrypted trail), in this transaction."""

    try:
        technicians_service.update_location(
            uow, user_id=technician_id, lat=coarse(lat), lng=coarse(lng), at=at
        )
    except NotFound:
        # not onboarded yet (no profile): the points are still kept for the trip
        log.info("location from a technician without a profile", extra={"user_id": technician_id})


def record_locations(
    uow: UnitOfWork,
    *,
    technician: User,
    body: LocationIn,
    limiter: Any,
    config: RealtimeSettings,
) -> tuple[LocationAck, list[dict[str, Any]]]:
    """Store the points (one transaction); returns the reply and the messages to push
    after the caller's commit."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    points = body.all_points()
    if not points:
        raise Unprocessable("send at least one point", code="no_points")
    if len(points) > config.location_points_per_post:
        raise Unprocessable(
            "too many points in one post",
            code="too_many_points",
            details={"max": config.location_points_per_post},
        )
    enforce(
        limiter,
        f"location:{technician.id}",
        limit=config.location_posts_per_minute,
        window_seconds=60,
    )
    now = clock.now()
    presence.mark_seen(uow, technician.id, now)  # the app that sent them is running
    # the trip these points belong to: the order being travelled to (one at a time; the
    # one named, if several are); its customer alone is told
    tracked = _tracked_orders(session, technician.id)
    if body.order_id:
        tracked = [o for o in tracked if o.id == body.order_id]
    elif len(tracked) > 1:
        tracked = []
    tag = tracked[0].id if tracked else None
    rows = []
    for p in points:
        at = as_utc(p.occurred_at) if p.occurred_at else now
        if at > now + timedelta(minutes=5):
            raise Unprocessable(
                "a point is in the future",
                code="occurred_at_in_future",
                details={"occurred_at": at.isoformat()},
            )
        rows.append(
            TechnicianLocation(
                technician_id=technician.id,
                order_id=tag,
                point_enc=seal_point(cipher, p.lat, p.lng),
                accuracy_m=p.accuracy_m,
                speed_mps=p.speed_mps,
                heading=p.heading,
                occurred_at=at,
                received_at=now,
            )
        )
    session.add_all(rows)
    latest, (lat, lng) = max(
        ((row, (p.lat, p.lng)) for row, p in zip(rows, points, strict=True)),
        key=lambda pair: pair[0].occurred_at,
    )
    _update_technician_location(uow, technician.id, lat, lng, latest.occurred_at)
    if not tracked:  # free to take a job: where they are now may place a waiting order
        dispatch_service.wake_moved(uow, lat, lng)
    messages = [
        eta_for(order=o, cipher=cipher, lat=lat, lng=lng, at=latest.occurred_at, now=now)
        for o in tracked
    ]
    last = {"lat": lat, "lng": lng, "occurred_at": iso(latest.occurred_at)}
    return LocationAck(
        accepted=len(rows), pushed_to_orders=[o.id for o in tracked], last=last
    ), messages


def post_locations(
    uow: UnitOfWork,
    *,
    technician: User,
    body: LocationIn,
    limiter: Any,
    config: RealtimeSettings,
) -> LocationAck:
    ack, messages = record_locations(
        uow, technician=technician, body=body, limiter=limiter, config=config
    )
    for message in messages:
        publish(uow, message)
    return ack


def sweep_locations(uow: UnitOfWork, *, now: datetime, retention_days: int) -> int:
    """Delete points older than the retention period; returns how many went."""
    session = uow.session
    cutoff = now - timedelta(days=retention_days)
    result = session.exec(
        delete(TechnicianLocation).where(col(TechnicianLocation.received_at) < cutoff)
    )
    return int(result.rowcount or 0)


def location_sweep_once(app: FastAPI) -> int:
    """The retention job: points past the retention period go."""
    retention_days = app.state.realtime.config.location_retention_days
    with UnitOfWork.begin(app.state) as uow:
        return sweep_locations(uow, now=app.state.clock.now(), retention_days=retention_days)
