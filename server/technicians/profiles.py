"""A technician's profile: loaded (created on first use) and shaped for replies.

What the other modules of this package share: the caller's own profile, his time off, his
service area, the way back into the verification queue and the local date (certificates
expire by it).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from server.auth import service as auth_service
from server.auth.models import Role, User
from server.core import presence
from server.core.clock import as_utc
from server.core.crypto import mask_phone
from server.core.errors import NotFound, Unprocessable
from server.core.uow import UnitOfWork
from server.technicians import availability
from server.technicians.models import (
    LatLngIn,
    ProfileRead,
    ServiceAreaRead,
    StatsRead,
    TechnicianProfile,
    TimeOff,
    VerificationStatus,
)


def file_url(file_id: str | None) -> str | None:
    return f"/api/v1/files/{file_id}" if file_id else None


def error(exc: availability.AvailabilityError) -> Unprocessable:
    return Unprocessable(exc.message, code=exc.code, details=exc.details)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def ensure_profile(
    uow: UnitOfWork,
    *,
    user: User,
) -> TechnicianProfile:
    """The technician's profile, to change: made here if sign-up did not (an older account)."""
    session = uow.session
    clock = uow.clock
    profile = session.get(TechnicianProfile, user.id)
    if profile is None:
        if user.role != Role.technician.value:
            raise NotFound("technician not found", code="technician_not_found")
        now = clock.now()
        profile = TechnicianProfile(user_id=user.id, created_at=now, updated_at=now)
        session.add(profile)
        session.flush()
    return profile


def get_profile(uow: UnitOfWork, *, user_id: str) -> TechnicianProfile:
    session = uow.session
    profile = session.get(TechnicianProfile, user_id)
    if profile is None:
        raise NotFound(
            "technician not found", code="technician_not_found", details={"technician_id": user_id}
        )
    return profile


def own_profile(uow: UnitOfWork, user: User) -> TechnicianProfile:
    """The caller's own profile, to read. Sign-up makes it; an account made before that
    reads as a blank profile until its first change stores one (a read never writes)."""
    profile = uow.session.get(TechnicianProfile, user.id)
    if profile is not None:
        return profile
    if user.role != Role.technician.value:
        raise NotFound("technician not found", code="technician_not_found")
    now = uow.clock.now()
    return TechnicianProfile(user_id=user.id, created_at=now, updated_at=now)


def time_off_of(session: Session, technician_id: str) -> list[TimeOff]:
    stmt = (
        select(TimeOff).where(TimeOff.technician_id == technician_id).order_by(col(TimeOff.start))
    )
    return list(session.exec(stmt).all())


def _stats(profile: TechnicianProfile) -> StatsRead:
    rate = profile.offers_accepted / profile.offers_received if profile.offers_received else None
    return StatsRead(
        rating_avg=profile.rating_avg,
        rating_count=profile.rating_count,
        rating_dimensions=dict(profile.rating_dimensions or {}),
        good_rate_30d=profile.good_rate_30d,
        reviews_30d=profile.reviews_30d,
        offers_received=profile.offers_received,
        offers_accepted=profile.offers_accepted,
        acceptance_rate=rate,
        transfer_count=profile.transfer_count,
        completed_orders=profile.completed_orders,
        complaint_rate=profile.complaint_rate,
    )


def to_read(uow: UnitOfWork, *, profile: TechnicianProfile, own: bool) -> ProfileRead:
    cipher = uow.cipher
    user = auth_service.get(uow, user_id=profile.user_id)
    phone = auth_service.phone_of(user, cipher)
    location = None
    if profile.last_lat is not None and profile.last_lng is not None:
        location = {
            "lat": profile.last_lat,
            "lng": profile.last_lng,
            "at": as_utc(profile.last_located_at) if profile.last_located_at else None,
        }
    seen = presence.last_seen(uow, [profile.user_id]).get(profile.user_id)
    return ProfileRead(
        user_id=profile.user_id,
        name=user.name,
        phone=phone if own else mask_phone(phone),
        gender=profile.gender,
        birth_year=profile.birth_year,
        experience_years=profile.experience_years,
        bio=profile.bio,
        photo_file_id=profile.photo_file_id,
        photo_url=file_url(profile.photo_file_id),
        skills=list(profile.skills or []),
        level=profile.level,
        verification_status=profile.verification_status,
        verification_note=profile.verification_note,
        submitted_at=profile.submitted_at,
        reviewed_at=profile.reviewed_at,
        online=profile.online,
        present=presence.is_present(
            seen, now=uow.clock.now(), window_s=uow.settings.presence_window_seconds
        ),
        last_seen_at=seen,
        travel_mode=profile.travel_mode,
        max_distance_km=profile.max_distance_km,
        last_location=location,
        stats=_stats(profile),
        created_at=profile.created_at,
        updated_at=profile.updated_at,
    )


def area_to_read(profile: TechnicianProfile) -> ServiceAreaRead:
    kind = None
    center = None
    if profile.area_polygon:
        kind = "polygon"
    elif profile.area_center_lat is not None and profile.area_center_lng is not None:
        kind = "circle"
        center = LatLngIn(lat=profile.area_center_lat, lng=profile.area_center_lng)
    return ServiceAreaRead(
        kind=kind,
        center=center,
        radius_km=profile.area_radius_km if kind == "circle" else None,
        polygon=profile.area_polygon if kind == "polygon" else None,
        max_distance_km=profile.max_distance_km,
    )


def area_of(profile: TechnicianProfile) -> availability.Area | None:
    if profile.area_polygon:
        return availability.Area(
            polygon=tuple((float(p[0]), float(p[1])) for p in profile.area_polygon)
        )
    if (
        profile.area_center_lat is not None
        and profile.area_center_lng is not None
        and profile.area_radius_km
    ):
        return availability.Area(
            center=(profile.area_center_lat, profile.area_center_lng),
            radius_km=profile.area_radius_km,
        )
    return None


def back_to_queue(profile: TechnicianProfile, now: datetime) -> None:
    """A rejected technician who changes their file asks to be reviewed again."""
    if profile.verification_status == VerificationStatus.rejected.value:
        profile.verification_status = VerificationStatus.pending.value
        profile.submitted_at = now
    elif (
        profile.verification_status == VerificationStatus.pending.value
        and profile.submitted_at is None
    ):
        profile.submitted_at = now
