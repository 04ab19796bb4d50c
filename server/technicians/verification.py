"""Operators' decisions on technicians: the review queue, approval or rejection, a renewed
certificate, suspension, reinstatement and the level; each one kept in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from server.audit import log as audit_service
from server.auth.models import User
from server.catalog.models import CertificateType
from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.technicians.certificates import certificate_names, certificate_to_read, certificates_of
from server.technicians.models import (
    Certificate,
    CertificateRead,
    CertificateStatus,
    Level,
    QueueItemRead,
    TechnicianProfile,
    VerificationStatus,
)
from server.technicians.profiles import area_to_read, get_profile, local_today, to_read


def _audit(
    uow: UnitOfWork,
    operator: User | None,
    action: str,
    technician_id: str,
    **details: Any,
) -> None:
    """Sensitive operator decisions go to the append-only audit log (same transaction)."""
    audit_service.record(
        uow,
        actor=operator,
        action=action,
        target_type="technician",
        target_id=technician_id,
        details=details,
    )


def _queue_item(
    uow: UnitOfWork,
    profile: TechnicianProfile,
    names: dict[str, CertificateType],
    today: date,
) -> QueueItemRead:
    session = uow.session
    certs = certificates_of(session, profile.user_id)
    return QueueItemRead(
        profile=to_read(uow, profile=profile, own=False),
        certificates=[certificate_to_read(c, names, today) for c in certs],
        service_area=area_to_read(profile),
        ready_for_review=bool(profile.photo_file_id and profile.skills and certs),
    )


def review_queue(
    uow: UnitOfWork,
    *,
    status: str | None,
    pending_certificates: bool,
    timezone: str,
    limit: int = 100,
) -> list[QueueItemRead]:
    """Technicians by status, oldest submission first, with their documents."""
    session = uow.session
    clock = uow.clock
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
    names = certificate_names(session)
    today = local_today(clock.now(), timezone)
    return [_queue_item(uow, p, names, today) for p in session.exec(stmt).all()]


def queue_item(uow: UnitOfWork, *, technician_id: str, timezone: str) -> QueueItemRead:
    session = uow.session
    clock = uow.clock
    profile = get_profile(uow, user_id=technician_id)
    return _queue_item(uow, profile, certificate_names(session), local_today(clock.now(), timezone))


def verify(
    uow: UnitOfWork,
    *,
    operator: User,
    technician_id: str,
    decision: str,
    note: str,
    timezone: str,
) -> TechnicianProfile:
    """Approve: the technician and every pending certificate become verified (a pending
    certificate past its date becomes expired). Reject: pending ones are rejected with
    the note; the technician may fix the file and is queued again."""
    session = uow.session
    clock = uow.clock
    profile = get_profile(uow, user_id=technician_id)
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
    for cert in certificates_of(session, technician_id):
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
        uow, operator, f"technician.verify.{decision}", technician_id, note=note, previous=status
    )
    session.add(profile)
    return profile


def review_certificate(
    uow: UnitOfWork,
    *,
    operator: User,
    technician_id: str,
    certificate_id: str,
    decision: str,
    note: str,
    timezone: str,
) -> CertificateRead:
    """One certificate at a time (a renewal uploaded by an already verified technician)."""
    session = uow.session
    clock = uow.clock
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
        uow,
        operator,
        f"technician.certificate.{decision}",
        technician_id,
        certificate_id=cert.id,
        type=cert.type,
        note=note,
    )
    session.add(cert)
    return certificate_to_read(cert, certificate_names(session), today)


@dataclass(frozen=True)
class _StandingChange:
    """Suspending a verified technician, or reinstating a suspended one."""

    before: VerificationStatus
    after: VerificationStatus
    refusal: tuple[str, str]  # (message, code) when the technician is not ``before``
    action: str
    title: str
    body: str  # with ``{reason}``


_SUSPEND = _StandingChange(
    before=VerificationStatus.verified,
    after=VerificationStatus.suspended,
    refusal=("only a verified technician can be suspended", "not_verified"),
    action="technician.suspend",
    title="账号已暂停接单",
    body="原因：{reason}。已接的订单已交回平台重新派单；如有疑问请联系运营。",
)
# He went offline when suspended and may be asleep now: he is told, and goes online
# himself when he is ready to take work (an offer he cannot answer counts against him).
_REINSTATE = _StandingChange(
    before=VerificationStatus.suspended,
    after=VerificationStatus.verified,
    refusal=("this technician is not suspended", "not_suspended"),
    action="technician.reinstate",
    title="账号已恢复接单",
    body="运营已恢复你的接单资格（{reason}）。上线即可接单。",
)


def _change_standing(
    uow: UnitOfWork, change: _StandingChange, *, operator: User, technician_id: str, reason: str
) -> TechnicianProfile:
    profile = get_profile(uow, user_id=technician_id)
    if profile.verification_status != change.before.value:
        message, code = change.refusal
        raise Conflict(
            message, code=code, details={"verification_status": profile.verification_status}
        )
    now = uow.clock.now()
    profile.verification_status = change.after.value
    profile.verification_note = reason
    if change.after == VerificationStatus.suspended:
        profile.online = False
        profile.online_changed_at = now
    profile.reviewed_at, profile.reviewed_by, profile.updated_at = now, operator.id, now
    _audit(uow, operator, change.action, technician_id, reason=reason)
    notifications.notify(
        uow,
        user_id=technician_id,
        kind="account",
        title=change.title,
        body=change.body.format(reason=reason),
        data={"verification_status": profile.verification_status},
    )
    uow.session.add(profile)
    return profile


def suspend(
    uow: UnitOfWork, *, operator: User, technician_id: str, reason: str
) -> TechnicianProfile:
    return _change_standing(
        uow, _SUSPEND, operator=operator, technician_id=technician_id, reason=reason
    )


def reinstate(
    uow: UnitOfWork, *, operator: User, technician_id: str, reason: str
) -> TechnicianProfile:
    return _change_standing(
        uow, _REINSTATE, operator=operator, technician_id=technician_id, reason=reason
    )


def set_level(
    uow: UnitOfWork,
    *,
    operator: User | None,
    technician_id: str,
    level: Level,
    reason: str,
) -> TechnicianProfile:
    """The quarterly S/A/B/C review (seed 002) is an operator decision (None: the
    scheduled quarterly run)."""
    session = uow.session
    clock = uow.clock
    profile = get_profile(uow, user_id=technician_id)
    profile.level = Level(level).value
    if reason:
        profile.verification_note = reason
    profile.reviewed_at, profile.reviewed_by, profile.updated_at = (
        clock.now(),
        operator.id if operator is not None else None,
        clock.now(),
    )
    _audit(uow, operator, "technician.level", technician_id, level=profile.level, reason=reason)
    session.add(profile)
    return profile
