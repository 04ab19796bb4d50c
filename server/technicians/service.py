"""Technician onboarding, verification, availability and the facts dispatch reads.

Flow (seed 002/003): a technician registers, fills in the profile (skills from the
catalog), uploads certificates (POST /files kind=certificate, then POST
/technician/certificates) and draws a service area; an operator reviews the queue and
approves or rejects; only a verified technician may go online. Operators suspend and
reinstate. The rating and workload figures are kept here for dispatch scoring: order
moves update acceptance, transfers and completions through ``count_order_moves``; the reviews
domain calls ``update_review_stats``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, union_all, update
from sqlmodel import Session, col, select

from server.audit import log as audit_service
from server.auth import service as auth_service
from server.auth.models import STAFF_ROLES, Role, User
from server.catalog import service as catalog_service
from server.catalog.models import CertificateType
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher, mask_phone
from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.events import Moved
from server.core.ids import new_id
from server.files import service as files_service
from server.notifications import inbox as notifications
from server.technicians import availability
from server.technicians.models import (
    AvailabilityIn,
    AvailabilityRead,
    Certificate,
    CertificateFact,
    CertificateIn,
    CertificateRead,
    CertificateStatus,
    DispatchableTechnician,
    LatLngIn,
    Level,
    ProfileRead,
    ProfileUpdate,
    PublicCertificateRead,
    PublicTechnicianRead,
    QueueItemRead,
    ServiceAreaIn,
    ServiceAreaRead,
    StatsRead,
    TechnicianProfile,
    TechnicianTransfer,
    TechnicianWhereabouts,
    TimeOff,
    TimeOffRead,
    VerificationStatus,
)

PUBLIC_STATUSES = {VerificationStatus.verified.value, VerificationStatus.suspended.value}


def _file_url(file_id: str | None) -> str | None:
    return f"/api/v1/files/{file_id}" if file_id else None


def _error(exc: availability.AvailabilityError) -> Unprocessable:
    return Unprocessable(exc.message, code=exc.code, details=exc.details)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


# --- loading ---------------------------------------------------------------------------


def ensure_profile(*, session: Session, user: User, clock: Clock) -> TechnicianProfile:
    """The technician's profile, created on first use (no commit: the caller's transaction)."""
    profile = session.get(TechnicianProfile, user.id)
    if profile is None:
        if user.role != Role.technician.value:
            raise NotFound("technician not found", code="technician_not_found")
        now = clock.now()
        profile = TechnicianProfile(user_id=user.id, created_at=now, updated_at=now)
        session.add(profile)
        session.flush()
    return profile


def get_profile(*, session: Session, user_id: str) -> TechnicianProfile:
    profile = session.get(TechnicianProfile, user_id)
    if profile is None:
        raise NotFound(
            "technician not found", code="technician_not_found", details={"technician_id": user_id}
        )
    return profile


def _own_profile(session: Session, user: User, clock: Clock) -> TechnicianProfile:
    """Load (creating if needed, committed) the caller's own profile."""
    profile = session.get(TechnicianProfile, user.id)
    if profile is None:
        profile = ensure_profile(session=session, user=user, clock=clock)
        session.commit()
    return profile


def _certificates(session: Session, technician_id: str) -> list[Certificate]:
    stmt = (
        select(Certificate)
        .where(Certificate.technician_id == technician_id)
        .order_by(col(Certificate.created_at), col(Certificate.id))
    )
    return list(session.exec(stmt).all())


def _time_off(session: Session, technician_id: str) -> list[TimeOff]:
    stmt = (
        select(TimeOff).where(TimeOff.technician_id == technician_id).order_by(col(TimeOff.start))
    )
    return list(session.exec(stmt).all())


def _certificate_names(session: Session) -> dict[str, CertificateType]:
    return {c.code: c for c in session.exec(select(CertificateType)).all()}


# --- shaping ---------------------------------------------------------------------------


def effective_certificate_status(cert: Certificate, today: date) -> str:
    """A verified certificate past its date reads as expired without a sweep."""
    if (
        cert.status == CertificateStatus.verified.value
        and cert.expires_on is not None
        and cert.expires_on < today
    ):
        return CertificateStatus.expired.value
    return cert.status


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


def to_read(
    *, session: Session, profile: TechnicianProfile, cipher: FieldCipher, own: bool
) -> ProfileRead:
    user = auth_service.get(session=session, user_id=profile.user_id)
    phone = auth_service.phone_of(user, cipher)
    location = None
    if profile.last_lat is not None and profile.last_lng is not None:
        location = {
            "lat": profile.last_lat,
            "lng": profile.last_lng,
            "at": as_utc(profile.last_located_at) if profile.last_located_at else None,
        }
    return ProfileRead(
        user_id=profile.user_id,
        name=user.name,
        phone=phone if own else mask_phone(phone),
        gender=profile.gender,
        birth_year=profile.birth_year,
        experience_years=profile.experience_years,
        bio=profile.bio,
        photo_file_id=profile.photo_file_id,
        photo_url=_file_url(profile.photo_file_id),
        skills=list(profile.skills or []),
        level=profile.level,
        verification_status=profile.verification_status,
        verification_note=profile.verification_note,
        submitted_at=profile.submitted_at,
        reviewed_at=profile.reviewed_at,
        online=profile.online,
        travel_mode=profile.travel_mode,
        max_distance_km=profile.max_distance_km,
        last_location=location,
        stats=_stats(profile),
        created_at=profile.created_at,
        updated_at=profile.updated_at,
    )


def certificate_to_read(
    cert: Certificate, names: dict[str, CertificateType], today: date
) -> CertificateRead:
    kind = names.get(cert.type)
    return CertificateRead(
        id=cert.id,
        type=cert.type,
        type_name_zh=kind.name_zh if kind else cert.type,
        type_name_en=kind.name_en if kind else cert.type,
        file_id=cert.file_id,
        file_url=_file_url(cert.file_id),
        number=cert.number,
        expires_on=cert.expires_on,
        status=effective_certificate_status(cert, today),
        note=cert.note,
        created_at=cert.created_at,
        reviewed_at=cert.reviewed_at,
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


# --- the technician's own record ---------------------------------------------------------


def read_own(*, session: Session, user: User, clock: Clock, cipher: FieldCipher) -> ProfileRead:
    profile = _own_profile(session, user, clock)
    return to_read(session=session, profile=profile, cipher=cipher, own=True)


def _back_to_queue(profile: TechnicianProfile, now: datetime) -> None:
    """A rejected technician who changes their file asks to be reviewed again."""
    if profile.verification_status == VerificationStatus.rejected.value:
        profile.verification_status = VerificationStatus.pending.value
        profile.submitted_at = now
    elif (
        profile.verification_status == VerificationStatus.pending.value
        and profile.submitted_at is None
    ):
        profile.submitted_at = now


def update_profile(
    *, session: Session, user: User, body: ProfileUpdate, clock: Clock
) -> TechnicianProfile:
    profile = _own_profile(session, user, clock)
    data = body.model_dump(exclude_unset=True)
    if "skills" in data:
        skills = data["skills"] or []
        unknown = sorted(set(skills) - catalog_service.skill_codes(session=session))
        if unknown:
            raise Unprocessable(
                "unknown skill",
                code="skill_unknown",
                details={
                    "unknown": unknown,
                    "allowed": sorted(catalog_service.skill_codes(session=session)),
                },
            )
        profile.skills = skills
    if data.get("photo_file_id"):
        files_service.ensure_owned(
            session=session, file_id=data["photo_file_id"], owner=user, kinds={"photo"}
        )
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
    _back_to_queue(profile, now)
    profile.updated_at = now
    session.add(profile)
    session.commit()
    return profile


def read_availability(
    *, session: Session, user: User, clock: Clock, timezone: str
) -> AvailabilityRead:
    profile = _own_profile(session, user, clock)
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
            for t in _time_off(session, profile.user_id)
        ],
        timezone=timezone,
    )


def set_availability(
    *, session: Session, user: User, body: AvailabilityIn, clock: Clock, timezone: str
) -> AvailabilityRead:
    """Replace the weekly schedule and the list of time off (past leave is dropped)."""
    profile = _own_profile(session, user, clock)
    now = clock.now()
    try:
        weekly = availability.normalize_weekly(body.weekly)
        entries = availability.validate_time_off(
            [availability.Interval(t.start, t.end, t.reason) for t in body.time_off], now=now
        )
    except availability.AvailabilityError as exc:
        raise _error(exc) from exc
    profile.weekly_availability = weekly
    profile.updated_at = now
    session.add(profile)
    for old in _time_off(session, profile.user_id):
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
    session.commit()
    return _availability_read(session, profile, timezone)


def read_service_area(*, session: Session, user: User, clock: Clock) -> ServiceAreaRead:
    return area_to_read(_own_profile(session, user, clock))


def set_service_area(
    *, session: Session, user: User, body: ServiceAreaIn, clock: Clock
) -> ServiceAreaRead:
    profile = _own_profile(session, user, clock)
    try:
        area = availability.make_area(
            center=(body.center.lat, body.center.lng) if body.center else None,
            radius_km=body.radius_km,
            polygon=body.polygon,
        )
    except availability.AvailabilityError as exc:
        raise _error(exc) from exc
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
    session.commit()
    return area_to_read(profile)


def add_certificate(
    *, session: Session, user: User, body: CertificateIn, clock: Clock, timezone: str
) -> CertificateRead:
    """A new certificate waits for an operator; an already expired one is refused."""
    profile = _own_profile(session, user, clock)
    now = clock.now()
    names = _certificate_names(session)
    if body.type not in names:
        raise Unprocessable(
            "unknown certificate type",
            code="certificate_type_unknown",
            details={"type": body.type, "allowed": sorted(names)},
        )
    today = local_today(now, timezone)
    if body.expires_on is not None and body.expires_on < today:
        raise Unprocessable(
            "this certificate has expired",
            code="certificate_expired",
            details={"expires_on": body.expires_on.isoformat(), "today": today.isoformat()},
        )
    files_service.ensure_owned(
        session=session, file_id=body.file_id, owner=user, kinds={"certificate"}
    )
    used = session.exec(select(Certificate).where(Certificate.file_id == body.file_id)).first()
    if used is not None:
        raise Conflict(
            "this file is already attached to a certificate",
            code="certificate_file_used",
            details={"certificate_id": used.id},
        )
    cert = Certificate(
        id=new_id("crt"),
        technician_id=user.id,
        type=body.type,
        file_id=body.file_id,
        number=body.number.strip(),
        expires_on=body.expires_on,
        created_at=now,
    )
    session.add(cert)
    _back_to_queue(profile, now)
    profile.updated_at = now
    session.add(profile)
    session.commit()
    return certificate_to_read(cert, names, today)


def list_certificates(
    *, session: Session, user: User, clock: Clock, timezone: str
) -> list[CertificateRead]:
    names = _certificate_names(session)
    today = local_today(clock.now(), timezone)
    return [certificate_to_read(c, names, today) for c in _certificates(session, user.id)]


def get_certificate(
    *, session: Session, user: User, certificate_id: str, clock: Clock, timezone: str
) -> CertificateRead:
    cert = session.get(Certificate, certificate_id)
    if cert is None or cert.technician_id != user.id:
        raise NotFound(
            "certificate not found", code="certificate_not_found"
        )  # existence must not leak
    return certificate_to_read(
        cert, _certificate_names(session), local_today(clock.now(), timezone)
    )


def set_online(*, session: Session, user: User, online: bool, clock: Clock) -> TechnicianProfile:
    """Only a verified technician with a service area may go online; going offline always works."""
    profile = _own_profile(session, user, clock)
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
    if profile.online != online:
        profile.online = online
        profile.online_changed_at = clock.now()
        profile.updated_at = clock.now()
        session.add(profile)
        session.commit()
    return profile


# --- what customers see ------------------------------------------------------------------


def public_read(
    *, session: Session, technician_id: str, viewer: User, clock: Clock, timezone: str
) -> PublicTechnicianRead:
    profile = session.get(TechnicianProfile, technician_id)
    may_see = profile is not None and (
        profile.verification_status in PUBLIC_STATUSES
        or viewer.id == technician_id
        or viewer.role in STAFF_ROLES
    )
    if profile is None or not may_see:
        raise NotFound("technician not found", code="technician_not_found")
    user = auth_service.get(session=session, user_id=technician_id)
    names = _certificate_names(session)
    today = local_today(clock.now(), timezone)
    certificates = []
    for cert in _certificates(session, technician_id):
        status = effective_certificate_status(cert, today)
        if status not in (CertificateStatus.verified.value, CertificateStatus.expired.value):
            continue
        kind = names.get(cert.type)
        certificates.append(
            PublicCertificateRead(
                type=cert.type,
                name_zh=kind.name_zh if kind else cert.type,
                name_en=kind.name_en if kind else cert.type,
                status=status,
                expires_on=cert.expires_on,
            )
        )
    verified = profile.verification_status == VerificationStatus.verified.value
    return PublicTechnicianRead(
        id=profile.user_id,
        name=user.name,
        photo_url=_file_url(profile.photo_file_id),
        gender=profile.gender,
        experience_years=profile.experience_years,
        bio=profile.bio,
        skills=list(profile.skills or []),
        level=profile.level,
        verified=verified,
        accepting_orders=verified and profile.online,
        certificates=certificates,
        rating_avg=profile.rating_avg,
        rating_count=profile.rating_count,
        rating_dimensions=dict(profile.rating_dimensions or {}),
        good_rate_30d=profile.good_rate_30d,
        completed_orders=profile.completed_orders,
    )


def file_is_public(*, session: Session, file_id: str) -> bool:
    """A technician's profile photo may be shown to customers; a certificate scan never
    (it carries an ID number and a face: the public page says verified, and until when)."""
    stmt = select(TechnicianProfile.user_id).where(TechnicianProfile.photo_file_id == file_id)
    return session.exec(stmt).first() is not None


def _audit(
    session: Session,
    operator: User | None,
    action: str,
    technician_id: str,
    clock: Clock,
    **details: Any,
) -> None:
    """Sensitive operator decisions go to the append-only audit log (same transaction)."""
    audit_service.record(
        session=session,
        actor=operator,
        action=action,
        target_type="technician",
        target_id=technician_id,
        details=details,
        clock=clock,
    )


# --- operators -----------------------------------------------------------------------------


def _queue_item(
    session: Session,
    profile: TechnicianProfile,
    cipher: FieldCipher,
    names: dict[str, CertificateType],
    today: date,
) -> QueueItemRead:
    certs = _certificates(session, profile.user_id)
    return QueueItemRead(
        profile=to_read(session=session, profile=profile, cipher=cipher, own=False),
        certificates=[certificate_to_read(c, names, today) for c in certs],
        service_area=area_to_read(profile),
        ready_for_review=bool(profile.photo_file_id and profile.skills and certs),
    )


def review_queue(
    *,
    session: Session,
    status: str | None,
    pending_certificates: bool,
    cipher: FieldCipher,
    clock: Clock,
    timezone: str,
    limit: int = 100,
) -> list[QueueItemRead]:
    """Technicians by status, oldest submission first, with their documents."""
    stmt = select(TechnicianProfile)
    if status:
        if status not in {s.value for s in VerificationStatus}:
            raise Unprocessable(
                "unknown status",
                code="status_invalid",
                details={"allowed": [s.value for s in VerificationStatus]},
            )
        stmt = stmt.where(TechnicianProfile.verification_status == status)
    if pending_certificates:
        waiting = select(Certificate.technician_id).where(
            Certificate.status == CertificateStatus.pending.value
        )
        stmt = stmt.where(col(TechnicianProfile.user_id).in_(waiting))
    stmt = stmt.order_by(
        col(TechnicianProfile.submitted_at), col(TechnicianProfile.created_at)
    ).limit(limit)
    names = _certificate_names(session)
    today = local_today(clock.now(), timezone)
    return [_queue_item(session, p, cipher, names, today) for p in session.exec(stmt).all()]


def queue_item(
    *, session: Session, technician_id: str, cipher: FieldCipher, clock: Clock, timezone: str
) -> QueueItemRead:
    profile = get_profile(session=session, user_id=technician_id)
    return _queue_item(
        session, profile, cipher, _certificate_names(session), local_today(clock.now(), timezone)
    )


def verify(
    *,
    session: Session,
    operator: User,
    technician_id: str,
    decision: str,
    note: str,
    clock: Clock,
    timezone: str,
) -> TechnicianProfile:
    """Approve: the technician and every pending certificate become verified (a pending
    certificate past its date becomes expired). Reject: pending ones are rejected with
    the note; the technician may fix the file and is queued again."""
    profile = get_profile(session=session, user_id=technician_id)
    now = clock.now()
    status = profile.verification_status
    if status == VerificationStatus.suspended.value:
        raise Conflict(
            "this technician is suspended; reinstate instead", code="technician_suspended"
        )
    if decision == "approve":
        if not profile.skills:
            raise AppError(
                "the technician has declared no skills",
                code="profile_incomplete",
                status_code=409,
                details={"missing": ["skills"]},
            )
        profile.verification_status = VerificationStatus.verified.value
    else:
        if status == VerificationStatus.verified.value:
            raise Conflict(
                "a verified technician is suspended, not rejected", code="already_verified"
            )
        if not note.strip():
            raise Unprocessable("say why, so the technician can fix it", code="note_required")
        profile.verification_status = VerificationStatus.rejected.value
        profile.online = False
    today = local_today(now, timezone)
    for cert in _certificates(session, technician_id):
        if cert.status != CertificateStatus.pending.value:
            continue
        if decision == "approve":
            expired = cert.expires_on is not None and cert.expires_on < today
            cert.status = (
                CertificateStatus.expired.value if expired else CertificateStatus.verified.value
            )
        else:
            cert.status = CertificateStatus.rejected.value
            cert.note = note
        cert.reviewed_at = now
        cert.reviewed_by = operator.id
        session.add(cert)
    profile.verification_note = note
    profile.reviewed_at = now
    profile.reviewed_by = operator.id
    profile.updated_at = now
    _audit(
        session,
        operator,
        f"technician.verify.{decision}",
        technician_id,
        clock,
        note=note,
        previous=status,
    )
    session.add(profile)
    session.commit()
    return profile


def review_certificate(
    *,
    session: Session,
    operator: User,
    technician_id: str,
    certificate_id: str,
    decision: str,
    note: str,
    clock: Clock,
    timezone: str,
) -> CertificateRead:
    """One certificate at a time (a renewal uploaded by an already verified technician)."""
    cert = session.get(Certificate, certificate_id)
    if cert is None or cert.technician_id != technician_id:
        raise NotFound("certificate not found", code="certificate_not_found")
    if cert.status != CertificateStatus.pending.value:
        raise Conflict(
            "this certificate was already reviewed",
            code="certificate_already_reviewed",
            details={"status": cert.status},
        )
    now = clock.now()
    today = local_today(now, timezone)
    if decision == "approve":
        expired = cert.expires_on is not None and cert.expires_on < today
        cert.status = (
            CertificateStatus.expired.value if expired else CertificateStatus.verified.value
        )
    else:
        if not note.strip():
            raise Unprocessable("say why, so the technician can fix it", code="note_required")
        cert.status = CertificateStatus.rejected.value
    cert.note = note
    cert.reviewed_at = now
    cert.reviewed_by = operator.id
    _audit(
        session,
        operator,
        f"technician.certificate.{decision}",
        technician_id,
        clock,
        certificate_id=cert.id,
        type=cert.type,
        note=note,
    )
    session.add(cert)
    session.commit()
    return certificate_to_read(cert, _certificate_names(session), today)


def suspend(
    *, session: Session, operator: User, technician_id: str, reason: str, clock: Clock
) -> TechnicianProfile:
    profile = get_profile(session=session, user_id=technician_id)
    if profile.verification_status != VerificationStatus.verified.value:
        raise Conflict(
            "only a verified technician can be suspended",
            code="not_verified",
            details={"verification_status": profile.verification_status},
        )
    now = clock.now()
    profile.verification_status = VerificationStatus.suspended.value
    profile.verification_note = reason
    profile.online = False
    profile.online_changed_at = now
    profile.reviewed_at, profile.reviewed_by, profile.updated_at = now, operator.id, now
    _audit(session, operator, "technician.suspend", technician_id, clock, reason=reason)
    notifications.notify(
        session=session,
        user_id=technician_id,
        kind="account",
        title="账号已暂停接单",
        body=f"原因：{reason}。已接的订单已交回平台重新派单；如有疑问请联系运营。",
        data={"verification_status": profile.verification_status},
        clock=clock,
    )
    session.add(profile)
    session.commit()
    return profile


def reinstate(
    *, session: Session, operator: User, technician_id: str, reason: str, clock: Clock
) -> TechnicianProfile:
    profile = get_profile(session=session, user_id=technician_id)
    if profile.verification_status != VerificationStatus.suspended.value:
        raise Conflict(
            "this technician is not suspended",
            code="not_suspended",
            details={"verification_status": profile.verification_status},
        )
    now = clock.now()
    profile.verification_status = VerificationStatus.verified.value
    profile.verification_note = reason
    profile.reviewed_at, profile.reviewed_by, profile.updated_at = now, operator.id, now
    _audit(session, operator, "technician.reinstate", technician_id, clock, reason=reason)
    # He went offline when suspended and may be asleep now: he is told, and goes online
    # himself when he is ready to take work (an offer he cannot answer counts against him).
    notifications.notify(
        session=session,
        user_id=technician_id,
        kind="account",
        title="账号已恢复接单",
        body=f"运营已恢复你的接单资格（{reason}）。上线即可接单。",
        data={"verification_status": profile.verification_status},
        clock=clock,
    )
    session.add(profile)
    session.commit()
    return profile


def set_level(
    *,
    session: Session,
    operator: User | None,
    technician_id: str,
    level: Level,
    reason: str,
    clock: Clock,
) -> TechnicianProfile:
    """The quarterly S/A/B/C review (seed 002) is an operator decision (None: the
    scheduled quarterly run)."""
    profile = get_profile(session=session, user_id=technician_id)
    profile.level = Level(level).value
    if reason:
        profile.verification_note = reason
    profile.reviewed_at, profile.reviewed_by, profile.updated_at = (
        clock.now(),
        operator.id if operator is not None else None,
        clock.now(),
    )
    _audit(
        session,
        operator,
        "technician.level",
        technician_id,
        clock,
        level=profile.level,
        reason=reason,
    )
    session.add(profile)
    session.commit()
    return profile


# --- for dispatch ----------------------------------------------------------------------------


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
    *,
    session: Session,
    ids: Iterable[str] | None = None,
    now: datetime | None = None,
    online_only: bool = True,
) -> list[DispatchableTechnician]:
    """Verified (and by default online) technicians with everything eligibility needs.

    Certificates are the verified ones with their expiry date: dispatch compares it with
    the job's date. Time off that ended before ``now`` is left out when ``now`` is given.
    """
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
    columns = select(
        p.skills,
        p.last_lat,
        p.last_lng,
        p.area_center_lat,
        p.area_center_lng,
        p.verification_status,
    ).where(p.user_id == User.id, User.status == "active")
    lat_lo, lat_hi = bindparam("lat_lo"), bindparam("lat_hi")
    lng_lo, lng_hi = bindparam("lng_lo"), bindparam("lng_hi")
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
    *, session: Session, skills: Iterable[str], box: tuple[float, float, float, float] | None
) -> list[tuple[float, float]]:
    """Where the verified technicians with all of ``skills`` are: their last known
    position, else the centre of their service area; only those placed inside ``box``
    (None: everywhere; with a box, some just outside it may come too, at their true
    position). Pricing's traffic subsidy reads this through the indexed position columns:
    a quote costs what its neighbourhood costs, not the city."""
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
    *,
    session: Session,
    boxes: Iterable[tuple[float, float, float, float]] | None = None,
) -> list[TechnicianWhereabouts]:
    """Position and service area of the technicians ``list_dispatchable(online_only=False)``
    returns, limited to those whose service area's bounding box overlaps one of the
    ``(lat_lo, lat_hi, lng_lo, lng_hi)`` boxes (None: everywhere); a technician without an
    area is never returned then.

    A few columns and no joins to certificates or calendars: dispatch reads this every
    round and loads full facts only for the technicians it keeps.
    """
    p = TechnicianProfile
    stmt = select(
        p.user_id,
        p.area_center_lat,
        p.area_center_lng,
        p.area_radius_km,
        p.area_polygon,
        p.last_lat,
        p.last_lng,
        p.last_located_at,
    ).where(
        p.user_id == User.id,
        p.verification_status == VerificationStatus.verified.value,
        User.status == "active",
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
    for uid, c_lat, c_lng, radius, polygon, l_lat, l_lng, l_at in session.exec(stmt).all():
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


def handed_back(*, session: Session, order_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per order, the technicians it was transferred away from (however they had got it):
    dispatch never gives the order back to them."""
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
    *, session: Session, technician_ids: Iterable[str], since: datetime
) -> dict[str, tuple[int, int]]:
    """Per technician since ``since``: (transfers held against them, all transfers). A
    re-dispatch at the platform's fault is in the second figure only."""
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
    *, session: Session, user_id: str, lat: float, lng: float, at: datetime, commit: bool = True
) -> TechnicianProfile:
    """Keep the last known position (a report older than the stored one is ignored)."""
    try:
        availability.validate_point(lat, lng)
    except availability.AvailabilityError as exc:
        raise _error(exc) from exc
    profile = get_profile(session=session, user_id=user_id)
    at = as_utc(at)
    if profile.last_located_at is None or as_utc(profile.last_located_at) <= at:
        profile.last_lat, profile.last_lng, profile.last_located_at = lat, lng, at
        session.add(profile)
    if commit:
        session.commit()
    return profile


def is_available(
    *, session: Session, user_id: str, start: datetime, end: datetime, timezone: str
) -> bool:
    """Weekly hours and time off only (jobs already booked are dispatch's calendar)."""
    profile = get_profile(session=session, user_id=user_id)
    leave = [
        availability.Interval(as_utc(t.start), as_utc(t.end)) for t in _time_off(session, user_id)
    ]
    return availability.is_available(
        profile.weekly_availability, leave, as_utc(start), as_utc(end), ZoneInfo(timezone)
    )


# --- figures written by other domains (no commit: the caller's transaction) -------------------


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
    *,
    session: Session,
    user_id: str,
    rating_avg: float | None,
    rating_count: int,
    good_rate_30d: float | None,
    reviews_30d: int,
    dimensions: dict[str, float] | None = None,
) -> None:
    """Called by the reviews domain after it recomputes a technician's figures."""
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


def update_level(*, session: Session, user_id: str, level: Level | str) -> None:
    """For the quarterly level review computed elsewhere (no commit: the caller's transaction)."""
    session.execute(
        update(TechnicianProfile)
        .where(col(TechnicianProfile.user_id) == user_id)
        .values(level=Level(level).value)
    )


def update_complaint_rate(*, session: Session, user_id: str, complaint_rate: float | None) -> None:
    if complaint_rate is not None and not 0.0 <= complaint_rate <= 1.0:
        raise Unprocessable("complaint_rate must be within 0..1", code="stats_invalid")
    session.execute(
        update(TechnicianProfile)
        .where(col(TechnicianProfile.user_id) == user_id)
        .values(complaint_rate=complaint_rate)
    )


def count_order_moves(session: Session, moved: Moved) -> None:
    """Acceptance, transfer and completion counts follow the order machine."""
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
