"""What customers see of a technician: his public page (verified certificates only, never
the scans) and which of his files may be shown to them.
"""

from __future__ import annotations

from sqlmodel import select

from server.auth import service as auth_service
from server.auth.models import STAFF_ROLES, User
from server.core.errors import NotFound
from server.core.uow import UnitOfWork
from server.technicians.certificates import (
    certificate_names,
    certificates_of,
    effective_certificate_status,
)
from server.technicians.models import (
    CertificateStatus,
    PublicCertificateRead,
    PublicTechnicianRead,
    TechnicianProfile,
    VerificationStatus,
)
from server.technicians.profiles import file_url, local_today

PUBLIC_STATUSES = {VerificationStatus.verified.value, VerificationStatus.suspended.value}


def public_read(
    uow: UnitOfWork, *, technician_id: str, viewer: User, timezone: str
) -> PublicTechnicianRead:
    session = uow.session
    clock = uow.clock
    profile = session.get(TechnicianProfile, technician_id)
    may_see = profile is not None and (
        profile.verification_status in PUBLIC_STATUSES
        or viewer.id == technician_id
        or viewer.role in STAFF_ROLES
    )
    if profile is None or not may_see:
        raise NotFound("technician not found", code="technician_not_found")
    user = auth_service.get(uow, user_id=technician_id)
    names = certificate_names(session)
    today = local_today(clock.now(), timezone)
    certificates = []
    for cert in certificates_of(session, technician_id):
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
        photo_url=file_url(profile.photo_file_id),
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


def file_is_public(uow: UnitOfWork, *, file_id: str) -> bool:
    """A technician's profile photo may be shown to customers; a certificate scan never
    (it carries an ID number and a face: the public page says verified, and until when)."""
    session = uow.session
    stmt = select(TechnicianProfile.user_id).where(TechnicianProfile.photo_file_id == file_id)
    return session.exec(stmt).first() is not None
