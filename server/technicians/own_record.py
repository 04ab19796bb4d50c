"""What a technician edits on his own record: the profile, weekly hours and time off, the
service area, and going online (only verified, and with a service area).
"""

from __future__ import annotations

from sqlmodel import Session

from server.auth.models import User
from server.catalog import service as catalog_service
from server.core import presence
from server.core.clock import as_utc
from server.core.errors import Conflict, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.files import service as files_service
from server.technicians import availability, ports
from server.technicians.models import (
    AvailabilityIn,
    AvailabilityRead,
    ProfileRead,
    ProfileUpdate,
    ServiceAreaIn,
    ServiceAreaRead,
    TechnicianProfile,
    TimeOff,
    TimeOffRead,
    VerificationStatus,
)
from server.technicians.profiles import (
    area_of,
    area_to_read,
    back_to_queue,
    ensure_profile,
    error,
    own_profile,
    time_off_of,
    to_read,
)


def read_own(
    uow: UnitOfWork,
    *,
    user: User,
) -> ProfileRead:
    profile = own_profile(uow, user)
    return to_read(uow, profile=profile, own=True)


def update_profile(
    uow: UnitOfWork,
    *,
    user: User,
    body: ProfileUpdate,
) -> TechnicianProfile:
    session = uow.session
    clock = uow.clock
    profile = ensure_profile(uow, user=user)
    data = body.model_dump(exclude_unset=True)
    if "skills" in data:
        skills = data["skills"] or []
        unknown = sorted(set(skills) - catalog_service.skill_codes(uow))
        if unknown:
            raise Unprocessable(
                "unknown skill",
                code="skill_unknown",
                details={
                    "unknown": unknown,
                    "allowed": sorted(catalog_service.skill_codes(uow)),
                },
            )
        profile.skills = skills
    if data.get("photo_file_id"):
        files_service.ensure_owned(uow, file_id=data["photo_file_id"], owner=user, kinds={"photo"})
    for key in ("gender", "birth_year", "experience_years", "bio", "photo_file_id", "travel_mode"):
        if key in data:
            value = data[key]
            if key == "experience_years" and value is None:
                value = 0
            if key == "bio" and value is None:
                value = ""
            if key == "travel_mode" and value is None:
                continue
            setattr(profile, key, value.value if hasattr(value, "value") else value)
    now = clock.now()
    back_to_queue(profile, now)
    profile.updated_at = now
    session.add(profile)
    return profile


def read_availability(uow: UnitOfWork, *, user: User, timezone: str) -> AvailabilityRead:
    session = uow.session
    profile = own_profile(uow, user)
    return _availability_read(session, profile, timezone)


def _availability_read(
    session: Session, profile: TechnicianProfile, timezone: str
) -> AvailabilityRead:
    weekly = profile.weekly_availability
    return AvailabilityRead(
        weekly=weekly,
        weekly_minutes=availability.total_weekly_minutes(weekly) if weekly is not None else None,
        time_off=[
            TimeOffRead(id=t.id, start=as_utc(t.start), end=as_utc(t.end), reason=t.reason)
            for t in time_off_of(session, profile.user_id)
        ],
        timezone=timezone,
    )


def set_availability(
    uow: UnitOfWork, *, user: User, body: AvailabilityIn, timezone: str
) -> AvailabilityRead:
    """Replace the weekly schedule and the list of time off (past leave is dropped)."""
    session = uow.session
    clock = uow.clock
    profile = ensure_profile(uow, user=user)
    now = clock.now()
    try:
        weekly = availability.normalize_weekly(body.weekly)
        entries = availability.validate_time_off(
            [availability.Interval(t.start, t.end, t.reason) for t in body.time_off], now=now
        )
    except availability.AvailabilityError as exc:
        raise error(exc) from exc
    profile.weekly_availability = weekly
    profile.updated_at = now
    session.add(profile)
    for old in time_off_of(session, profile.user_id):
        session.delete(old)
    for entry in entries:
        session.add(
            TimeOff(
                id=new_id("tof"),
                technician_id=profile.user_id,
                start=as_utc(entry.start),
                end=as_utc(entry.end),
                reason=entry.reason,
            )
        )
    return _availability_read(session, profile, timezone)


def read_service_area(
    uow: UnitOfWork,
    *,
    user: User,
) -> ServiceAreaRead:
    return area_to_read(own_profile(uow, user))


def set_service_area(
    uow: UnitOfWork,
    *,
    user: User,
    body: ServiceAreaIn,
) -> ServiceAreaRead:
    session = uow.session
    clock = uow.clock
    profile = ensure_profile(uow, user=user)
    try:
        area = availability.make_area(
            center=(body.center.lat, body.center.lng) if body.center else None,
            radius_km=body.radius_km,
            polygon=body.polygon,
        )
    except availability.AvailabilityError as exc:
        raise error(exc) from exc
    if area.polygon:
        profile.area_polygon = [list(v) for v in area.polygon]
        profile.area_center_lat = profile.area_center_lng = profile.area_radius_km = None
    else:
        assert area.center is not None
        profile.area_center_lat, profile.area_center_lng = area.center
        profile.area_radius_km = area.radius_km
        profile.area_polygon = None
    profile.max_distance_km = body.max_distance_km
    profile.updated_at = clock.now()
    session.add(profile)
    return area_to_read(profile)


def set_online(
    uow: UnitOfWork,
    *,
    user: User,
    online: bool,
) -> TechnicianProfile:
    """Only a verified technician with a service area may go online; going offline always works."""
    session = uow.session
    clock = uow.clock
    profile = ensure_profile(uow, user=user)
    if online:
        if profile.verification_status == VerificationStatus.suspended.value:
            raise Conflict(
                f"your account is suspended: {profile.verification_note or 'ask the operator'}",
                code="technician_suspended",
                details={
                    "verification_status": profile.verification_status,
                    "reason": profile.verification_note,
                },
            )
        if profile.verification_status != VerificationStatus.verified.value:
            raise Conflict(
                "your account is not verified yet",
                code="not_verified",
                details={"verification_status": profile.verification_status},
            )
        if area_of(profile) is None:
            raise Conflict("draw your service area first", code="service_area_required")
    if online:  # tapping 上线 is a sign of life: his app is open
        presence.mark_seen(uow, user.id, clock.now())
    if profile.online != online:
        profile.online = online
        profile.online_changed_at = clock.now()
        profile.updated_at = clock.now()
        session.add(profile)
        if online:
            _wake_near_area(uow, profile)
    return profile


def came_present(uow: UnitOfWork, *, user_id: str) -> bool:
    """His app is back (it had shown no sign of life for a while): if he is online, the
    orders waiting near his area may be his now, so dispatch looks again. True if woken."""
    profile = uow.session.get(TechnicianProfile, user_id)
    if profile is None or not profile.online:
        return False
    return _wake_near_area(uow, profile)


def _wake_near_area(uow: UnitOfWork, profile: TechnicianProfile) -> bool:
    area = area_of(profile)
    point = area and (area.center or (area.polygon[0] if area.polygon else None))
    if not point:
        return False
    ports.came_online.ask(uow, point[0], point[1])
    return True
