"""Certificates: the technician uploads them; each reads as pending, verified, rejected or,
past its date, expired (without a sweep). Operators review them in ``verification``.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from server.auth.models import User
from server.catalog.models import CertificateType
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.files import service as files_service
from server.technicians.models import Certificate, CertificateIn, CertificateRead, CertificateStatus
from server.technicians.profiles import back_to_queue, ensure_profile, file_url, local_today


def certificates_of(session: Session, technician_id: str) -> list[Certificate]:
    stmt = (
        select(Certificate)
        .where(Certificate.technician_id == technician_id)
        .order_by(col(Certificate.created_at), col(Certificate.id))
    )
    return list(session.exec(stmt).all())


def certificate_names(session: Session) -> dict[str, CertificateType]:
    return {c.code: c for c in session.exec(select(CertificateType)).all()}


def effective_certificate_status(cert: Certificate, today: date) -> str:
    """A verified certificate past its date reads as expired without a sweep."""
    if (
        cert.status == CertificateStatus.verified.value
        and cert.expires_on is not None
        and cert.expires_on < today
    ):
        return CertificateStatus.expired.value
    return cert.status


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
        file_url=file_url(cert.file_id),
        number=cert.number,
        expires_on=cert.expires_on,
        status=effective_certificate_status(cert, today),
        note=cert.note,
        created_at=cert.created_at,
        reviewed_at=cert.reviewed_at,
    )


def add_certificate(
    uow: UnitOfWork, *, user: User, body: CertificateIn, timezone: str
) -> CertificateRead:
    """A new certificate waits for an operator; an already expired one is refused."""
    session = uow.session
    clock = uow.clock
    profile = ensure_profile(uow, user=user)
    now = clock.now()
    names = certificate_names(session)
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
    files_service.ensure_owned(uow, file_id=body.file_id, owner=user, kinds={"certificate"})
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
    back_to_queue(profile, now)
    profile.updated_at = now
    session.add(profile)
    return certificate_to_read(cert, names, today)


def list_certificates(uow: UnitOfWork, *, user: User, timezone: str) -> list[CertificateRead]:
    session = uow.session
    clock = uow.clock
    names = certificate_names(session)
    today = local_today(clock.now(), timezone)
    return [certificate_to_read(c, names, today) for c in certificates_of(session, user.id)]


def get_certificate(
    uow: UnitOfWork, *, user: User, certificate_id: str, timezone: str
) -> CertificateRead:
    session = uow.session
    clock = uow.clock
    cert = session.get(Certificate, certificate_id)
    if cert is None or cert.technician_id != user.id:
        raise NotFound(
            "certificate not found", code="certificate_not_found"
        )  # existence must not leak
    return certificate_to_read(cert, certificate_names(session), local_today(clock.now(), timezone))


def verified_expiring_between(session: Session, first: date, last: date) -> list[Certificate]:
    """Verified certificates whose date falls in [first, last] (the month's reminder)."""
    return list(
        session.exec(
            select(Certificate).where(
                Certificate.status == CertificateStatus.verified.value,
                col(Certificate.expires_on) >= first,
                col(Certificate.expires_on) <= last,
            )
        ).all()
    )
