"""Certificate expiry: the sweep that marks lapsed certificates and tells the technician
(operators can also run it at once: ``POST /ops/certificates/expire``).

Eligibility already ignores a certificate past its date (dispatch reads
``expires_on``); the sweep makes the state visible: status ``expired`` in the
technician's list, a notification, and an audit entry.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import update
from sqlmodel import col, select

from server.audit import log as audit_service
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.technicians.models import Certificate, CertificateStatus
from server.technicians.profiles import local_today

log = logging.getLogger("doorstep.technicians.expiry")
SWEEP_SECONDS = 3600


def expire_certificates(
    uow: UnitOfWork, *, timezone: str = "Asia/Shanghai", today: date | None = None
) -> list[str]:
    """Mark verified certificates whose date has passed as expired; commit; ids changed."""
    session = uow.session
    clock = uow.clock
    today = today or local_today(clock.now(), timezone)
    due = list(
        session.exec(
            select(Certificate).where(
                Certificate.status == CertificateStatus.verified.value,
                col(Certificate.expires_on).is_not(None),
                col(Certificate.expires_on) < today,
            )
        ).all()
    )
    for cert in due:
        # conditional: a certificate re-reviewed meanwhile is left alone
        result = session.exec(
            update(Certificate)
            .where(
                col(Certificate.id) == cert.id,
                col(Certificate.status) == CertificateStatus.verified.value,
            )
            .values(status=CertificateStatus.expired.value)
        )
        if not result.rowcount:
            continue
        notifications.notify(
            uow,
            user_id=cert.technician_id,
            kind="certificate.expired",
            title="证书已过期 / Certificate expired",
            body=f"{cert.type} expired on {cert.expires_on}; "
            "upload a renewed one to keep taking these orders.",
            data={"certificate_id": cert.id, "type": cert.type, "expires_on": str(cert.expires_on)},
        )
        audit_service.record(
            uow,
            actor=None,
            action="certificate.expire",
            target_type="certificate",
            target_id=cert.id,
            details={
                "technician_id": cert.technician_id,
                "type": cert.type,
                "expires_on": str(cert.expires_on),
            },
        )
    return [c.id for c in due]


def sweep_once(app) -> list[str]:  # noqa: ANN001
    with UnitOfWork.begin(app.state) as uow:
        return expire_certificates(uow, timezone=app.state.settings.timezone)
