"""The facts dispatch reads about technicians (and pricing's traffic subsidy, through
``skilled_positions``): who may be dispatched, where they are and cover, which orders were
handed back by whom, and whether a slot falls within their hours.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, and_, bindparam, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from server.auth.models import User
from server.core.clock import as_utc
from server.core.uow import UnitOfWork
from server.technicians import availability
from server.technicians.models import (
    Certificate,
    CertificateFact,
    CertificateStatus,
    DispatchableTechnician,
    TechnicianProfile,
    TechnicianTransfer,
    TechnicianWhereabouts,
    TimeOff,
    VerificationStatus,
)
from server.technicians.profiles import area_of, error, get_profile, time_off_of


def _weekly_windows(
    weekly: dict[str, list[list[str]]] | None,
) -> tuple[tuple[int, time, time], ...] | None:
    if weekly is None:
        return None
    return tuple((w.weekday, w.start_time, w.end_time) for w in availability.windows_of(weekly))


def _dispatchable(
    profile: TechnicianProfile,
    user: User,
    certs: Iterable[Certificate],
    time_off: Iterable[TimeOff],
) -> DispatchableTechnician:
    area = area_of(profile)
    location = None
    if profile.last_lat is not None and profile.last_lng is not None:
        location = (profile.last_lat, profile.last_lng)
    return DispatchableTechnician(
        id=profile.user_id,
        name=user.name,
        verified=profile.verification_status == VerificationStatus.verified.value,
        suspended=profile.verification_status == VerificationStatus.suspended.value,
        online=profile.online,
        level=profile.level,
        skills=frozenset(profile.skills or []),
        certificates=tuple(
            CertificateFact(c.type, c.expires_on)
            for c in certs
            if c.status == CertificateStatus.verified.value
        ),
        area_center=area.center if area and not area.polygon else None,
        area_radius_km=area.radius_km if area and not area.polygon else None,
        area_polygon=area.polygon if area and area.polygon else None,
        max_distance_km=profile.max_distance_km,
        travel_mode=profile.travel_mode,
        weekly=profile.weekly_availability,
        weekly_windows=_weekly_windows(profile.weekly_availability),
        time_off=tuple((as_utc(t.start), as_utc(t.end)) for t in time_off),
        location=location,
        location_at=as_utc(profile.last_located_at) if profile.last_located_at else None,
        rating_avg=profile.rating_avg,
        rating_count=profile.rating_count,
        good_rate_30d=profile.good_rate_30d,
        reviews_30d=profile.reviews_30d,
        offers_received=profile.offers_received,
        offers_accepted=profile.offers_accepted,
        transfer_count=profile.transfer_count,
        completed_orders=profile.completed_orders,
        complaint_rate=profile.complaint_rate,
    )


def list_dispatchable(
    uow: UnitOfWork,
    *,
    ids: Iterable[str] | None = None,
    now: datetime | None = None,
    online_only: bool = True,
) -> list[DispatchableTechnician]:
    """Verified (and by default online) technicians with everything eligibility needs.

    Certificates are the verified ones with their expiry date: dispatch compares it with
    the job's date. Time off that ended before ``now`` is left out when ``now`` is given.
    """
    session = uow.session
    stmt = select(TechnicianProfile, User).where(
        TechnicianProfile.user_id == User.id,
        TechnicianProfile.verification_status == VerificationStatus.verified.value,
        User.status == "active",
    )
    if online_only:
        stmt = stmt.where(TechnicianProfile.online == True)  # noqa: E712
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return []
        stmt = stmt.where(col(TechnicianProfile.user_id).in_(wanted))
    rows = list(session.exec(stmt.order_by(col(TechnicianProfile.user_id))).all())
    if not rows:
        return []
    tech_ids = [p.user_id for p, _ in rows]
    certs: dict[str, list[Certificate]] = {}
    for cert in session.exec(
        select(Certificate).where(col(Certificate.technician_id).in_(tech_ids))
    ).all():
        certs.setdefault(cert.technician_id, []).append(cert)
    leave: dict[str, list[TimeOff]] = {}
    off_stmt = select(TimeOff).where(col(TimeOff.technician_id).in_(tech_ids))
    for entry in session.exec(off_stmt.order_by(col(TimeOff.start))).all():
        if now is not None and as_utc(entry.end) <= now:
            continue
        leave.setdefault(entry.technician_id, []).append(entry)
    return [
        _dispatchable(p, u, certs.get(p.user_id, []), leave.get(p.user_id, [])) for p, u in rows
    ]


@functools.cache
def _skilled_positions_statements() -> tuple[Any, Any]:
    """(everywhere, inside the box ``lat_lo``..``lng_hi``): built once, as a statement's
    construction costs several times its execution. The box is one round trip, each half
    on its own index. Verification is checked on the rows found, not in the WHERE: as an
    equality there, SQLite (without statistics) would walk its index — every technician —
    instead of the position's."""
    p = TechnicianProfile
    # SQLAlchemy's select: SQLModel's is typed for at most four columns
    columns = sa_select(
        col(p.skills),
        col(p.last_lat),
        col(p.last_lng),
        col(p.area_center_lat),
        col(p.area_center_lng),
        col(p.verification_status),
    ).where(col(p.user_id) == col(User.id), col(User.status) == "active")
    lat_lo: BindParameter[float] = bindparam("lat_lo")
    lat_hi: BindParameter[float] = bindparam("lat_hi")
    lng_lo: BindParameter[float] = bindparam("lng_lo")
    lng_hi: BindParameter[float] = bindparam("lng_hi")
    # placed in the box by their last position, or by their area's centre (then, if they
    # have a last position, that is where they are: the caller gets a few spare rows)
    in_box = union_all(
        columns.where(
            col(p.last_lat).between(lat_lo, lat_hi), col(p.last_lng).between(lng_lo, lng_hi)
        ),
        columns.where(
            col(p.area_center_lat).between(lat_lo, lat_hi),
            col(p.area_center_lng).between(lng_lo, lng_hi),
        ),
    )
    return columns, in_box


def skilled_positions(
    uow: UnitOfWork, *, skills: Iterable[str], box: tuple[float, float, float, float] | None
) -> list[tuple[float, float]]:
    """Where the verified technicians with all of ``skills`` are: their last known
    position, else the centre of their service area; only those placed inside ``box``
    (None: everywhere; with a box, some just outside it may come too, at their true
    position). Pricing's traffic subsidy reads this through the indexed position columns:
    a quote costs what its neighbourhood costs, not the city."""
    session = uow.session
    everywhere, in_box = _skilled_positions_statements()
    if box is None:
        rows = session.execute(everywhere).all()
    else:
        bounds = dict(zip(("lat_lo", "lat_hi", "lng_lo", "lng_hi"), box, strict=True))
        rows = session.execute(in_box, bounds).all()
    wanted = set(skills)
    out = []
    for tech_skills, l_lat, l_lng, c_lat, c_lng, verification in rows:
        if verification != VerificationStatus.verified.value or not wanted <= set(
            tech_skills or ()
        ):
            continue
        if l_lat is not None and l_lng is not None:
            out.append((float(l_lat), float(l_lng)))
        elif c_lat is not None and c_lng is not None:
            out.append((float(c_lat), float(c_lng)))
    return out


def whereabouts(
    uow: UnitOfWork,
    *,
    boxes: Iterable[tuple[float, float, float, float]] | None = None,
) -> list[TechnicianWhereabouts]:
    """Position and service area of the technicians ``list_dispatchable(online_only=False)``
    returns, limited to those whose service area's bounding box overlaps one of the
    ``(lat_lo, lat_hi, lng_lo, lng_hi)`` boxes (None: everywhere); a technician without an
    area is never returned then.

    A few columns and no joins to certificates or calendars: dispatch reads this every
    round and loads full facts only for the technicians it keeps.
    """
    session = uow.session
    p = TechnicianProfile
    # SQLAlchemy's select: SQLModel's is typed for at most four columns
    stmt = sa_select(
        col(p.user_id),
        col(p.area_center_lat),
        col(p.area_center_lng),
        col(p.area_radius_km),
        col(p.area_polygon),
        col(p.last_lat),
        col(p.last_lng),
        col(p.last_located_at),
    ).where(
        col(p.user_id) == col(User.id),
        col(p.verification_status) == VerificationStatus.verified.value,
        col(User.status) == "active",
    )
    if boxes is not None:
        overlaps = [
            and_(
                col(p.area_lat_min) <= lat_hi,
                col(p.area_lat_max) >= lat_lo,
                col(p.area_lng_min) <= lng_hi,
                col(p.area_lng_max) >= lng_lo,
            )
            for lat_lo, lat_hi, lng_lo, lng_hi in boxes
        ]
        if not overlaps:
            return []
        stmt = stmt.where(or_(*overlaps))
    out = []
    for uid, c_lat, c_lng, radius, polygon, l_lat, l_lng, l_at in session.execute(stmt).all():
        circle = not polygon and c_lat is not None and c_lng is not None and bool(radius)
        out.append(
            TechnicianWhereabouts(
                id=uid,
                area_center=(c_lat, c_lng) if circle else None,
                area_radius_km=radius if circle else None,
                area_polygon=(
                    tuple((float(v[0]), float(v[1])) for v in polygon) if polygon else None
                ),
                location=(l_lat, l_lng) if l_lat is not None and l_lng is not None else None,
                location_at=as_utc(l_at) if l_at else None,
            )
        )
    return out


def handed_back(uow: UnitOfWork, *, order_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per order, the technicians it was transferred away from (however they had got it):
    dispatch never gives the order back to them."""
    session = uow.session
    wanted = list(set(order_ids))
    if not wanted:
        return {}
    out: dict[str, set[str]] = {}
    rows = session.exec(
        select(TechnicianTransfer.order_id, TechnicianTransfer.technician_id).where(
            col(TechnicianTransfer.order_id).in_(wanted)
        )
    ).all()
    for order_id, technician_id in rows:
        out.setdefault(order_id, set()).add(technician_id)
    return {k: frozenset(v) for k, v in out.items()}


def recent_transfers(
    uow: UnitOfWork, *, technician_ids: Iterable[str], since: datetime
) -> dict[str, tuple[int, int]]:
    """Per technician since ``since``: (transfers held against them, all transfers). A
    re-dispatch at the platform's fault is in the second figure only."""
    session = uow.session
    wanted = list(set(technician_ids))
    if not wanted:
        return {}
    out: dict[str, tuple[int, int]] = {}
    rows = session.exec(
        select(TechnicianTransfer.technician_id, TechnicianTransfer.platform_fault).where(
            col(TechnicianTransfer.technician_id).in_(wanted), TechnicianTransfer.at >= since
        )
    ).all()
    for technician_id, platform_fault in rows:
        own, total = out.get(technician_id, (0, 0))
        out[technician_id] = (own + (0 if platform_fault else 1), total + 1)
    return out


def update_location(
    uow: UnitOfWork, *, user_id: str, lat: float, lng: float, at: datetime
) -> TechnicianProfile:
    """Keep the last known position (a report older than the stored one is ignored)."""
    session = uow.session
    try:
        availability.validate_point(lat, lng)
    except availability.AvailabilityError as exc:
        raise error(exc) from exc
    profile = get_profile(uow, user_id=user_id)
    at = as_utc(at)
    if profile.last_located_at is None or as_utc(profile.last_located_at) <= at:
        profile.last_lat, profile.last_lng, profile.last_located_at = lat, lng, at
        session.add(profile)
    return profile


def is_available(
    uow: UnitOfWork, *, user_id: str, start: datetime, end: datetime, timezone: str
) -> bool:
    """Weekly hours and time off only (jobs already booked are dispatch's calendar)."""
    session = uow.session
    profile = get_profile(uow, user_id=user_id)
    leave = [
        availability.Interval(as_utc(t.start), as_utc(t.end)) for t in time_off_of(session, user_id)
    ]
    return availability.is_available(
        profile.weekly_availability, leave, as_utc(start), as_utc(end), ZoneInfo(timezone)
    )
