"""The delivery job: sends the pending deliveries through their channel's provider.

Runs after the commit that wrote them (deferred by ``centre.post``) and every
``SWEEP_SECONDS`` for retries. Each row is claimed first (a conditional update from
``pending``), so two workers never send the same one; the sending itself is outside any
transaction; a failure puts the row back to ``pending`` until ``MAX_ATTEMPTS``, then
``failed`` with the error kept. A sandbox provider marks the row ``sandbox``.

A worker killed mid-send leaves its row ``sending``: a claim older than ``CLAIM_TIMEOUT``
is taken again by the next pass (the lost send counted as an attempt), or, its attempts
spent, ``failed``. The claim's attempt number is its token: the end of a send writes only
while the row is still its own claim, so a send that outlived its claim changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from server.auth.models import User
from server.core.crypto import mask_phone
from server.core.uow import UnitOfWork
from server.files.models import StoredFile
from server.files.service import read as read_file
from server.notifications.centre import DELIVER_JOB
from server.notifications.channels import Attachment, Channels, Email, is_sandbox
from server.notifications.models import Delivery

__all__ = ["DELIVER_JOB", "deliver_once", "deliver_pending"]

log = logging.getLogger("doorstep.notifications.deliver")

BATCH = 50
MAX_ATTEMPTS = 3
SWEEP_SECONDS = 30
CLAIM_TIMEOUT = timedelta(minutes=5)
"""A claim older than this is a send whose worker died: far longer than any send takes
(every provider gives up within seconds: ``SmtpConfig.timeout_seconds``, the gateways'
HTTP timeouts), so a live send is never taken from its worker, yet short enough that a
reminder is not held for long."""
STALE_ERROR = "no answer from the send within {minutes} min (its worker stopped)"
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _claim(state: Any, limit: int) -> list[Delivery]:  # noqa: ANN401
    """Take up to ``limit`` rows to send: pending ones and stale claims (see the module)."""
    now = state.clock.now()
    stale = or_(col(Delivery.claimed_at).is_(None), col(Delivery.claimed_at) < now - CLAIM_TIMEOUT)
    with UnitOfWork.begin(state) as uow:
        rows = uow.session.exec(
            select(Delivery)
            .where(
                or_(
                    col(Delivery.status) == "pending",
                    and_(col(Delivery.status) == "sending", stale),
                )
            )
            .order_by(col(Delivery.created_at))
            .limit(limit)
        ).all()
        claimed = []
        for row in rows:
            as_seen = (
                col(Delivery.id) == row.id,
                col(Delivery.status) == row.status,
                col(Delivery.attempts) == row.attempts,
            )
            if row.status == "sending" and row.attempts >= MAX_ATTEMPTS:
                log.warning("delivery %s by %s: its last claim never finished", row.id, row.channel)
                minutes = int(CLAIM_TIMEOUT.total_seconds() // 60)
                uow.session.exec(
                    update(Delivery)
                    .where(*as_seen)
                    .values(status="failed", error=STALE_ERROR.format(minutes=minutes))
                )
                continue
            # "evaluate": the loaded row takes the claim's values (attempts is the token)
            done = uow.session.exec(
                update(Delivery)
                .where(*as_seen)
                .values(status="sending", attempts=row.attempts + 1, claimed_at=now)
                .execution_options(synchronize_session="evaluate")
            )
            if done.rowcount == 1:
                claimed.append(row)
        return claimed


def _send(state: Any, channels: Channels, row: Delivery) -> tuple[str, str, str]:  # noqa: ANN401
    """(provider name, status, recipient as shown); raises when the provider fails."""
    if row.channel == "push":
        channels.push.send(user_id=row.user_id, title=row.subject, body=row.body)
        return channels.push.name, "sandbox" if is_sandbox(channels.push) else "sent", row.user_id
    if row.channel == "sms":
        with UnitOfWork.begin(state, write=False) as uow:
            user = uow.session.get(User, row.user_id)
            phone = uow.cipher.decrypt(user.phone_enc) if user is not None else ""
        if not phone:
            raise LookupError("the user has no phone")
        channels.sms.send(phone=phone, text=f"{row.subject} {row.body}".strip())
        return (
            channels.sms.name,
            "sandbox" if is_sandbox(channels.sms) else "sent",
            mask_phone(phone),
        )
    if row.channel == "email":
        channels.email.send(
            Email(
                to=row.recipient,
                subject=row.subject,
                text=row.body,
                attachments=_attachments(state, row),
            )
        )
        return (
            channels.email.name,
            "sandbox" if is_sandbox(channels.email) else "sent",
            row.recipient,
        )
    raise ValueError(f"unknown channel {row.channel}")


def _attachments(state: Any, row: Delivery) -> tuple[Attachment, ...]:  # noqa: ANN401
    if row.attachment_file_id is None:
        return ()
    with UnitOfWork.begin(state, write=False) as uow:
        stored = uow.session.get(StoredFile, row.attachment_file_id)
        if stored is None:
            raise LookupError("the attachment is gone")
        data = read_file(row=stored, files_dir=state.settings.files_dir, cipher=uow.cipher)
        content_type = stored.content_type
    name = row.body.split(" ")[0] or "attachment"  # the invoice's number
    return (Attachment(f"{name}.{EXTENSIONS.get(content_type, 'bin')}", content_type, data),)


def deliver_pending(state: Any, *, limit: int = BATCH) -> int:  # noqa: ANN401
    """One pass: send what is pending; the number of rows handled."""
    channels: Channels = state.channels
    rows = _claim(state, limit)
    for row in rows:
        values: dict[str, Any]
        try:
            provider, status, shown = _send(state, channels, row)
        except Exception as exc:
            log.warning("delivery %s by %s failed: %s", row.id, row.channel, exc)
            values = {
                "status": "failed" if row.attempts >= MAX_ATTEMPTS else "pending",
                "error": str(exc)[:300],
            }
        else:
            values = {
                "status": status,
                "provider": provider,
                "recipient": shown[:120],
                "error": "",
                "sent_at": state.clock.now(),
            }
        with UnitOfWork.begin(state) as uow:
            done = uow.session.exec(
                update(Delivery)
                .where(
                    col(Delivery.id) == row.id,
                    col(Delivery.status) == "sending",
                    col(Delivery.attempts) == row.attempts,
                )
                .values(**values)
            )
            if done.rowcount != 1:
                log.warning("delivery %s: its claim was taken again before the send ended", row.id)
    return len(rows)


def deliver_once(app: Any) -> int:  # noqa: ANN401
    return deliver_pending(app.state)
