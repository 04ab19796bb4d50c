"""The delivery job: sends the pending deliveries through their channel's provider.

Runs after the commit that wrote them (deferred by ``centre.post``) and every
``SWEEP_SECONDS`` for retries. Each row is claimed first (a conditional update from
``pending``), so two workers never send the same one; the sending itself is outside any
transaction; a failure puts the row back to ``pending`` until ``MAX_ATTEMPTS``, then
``failed`` with the error kept. A sandbox provider marks the row ``sandbox``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
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
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _claim(state: Any, limit: int) -> list[Delivery]:  # noqa: ANN401
    with UnitOfWork.begin(state) as uow:
        rows = uow.session.exec(
            select(Delivery)
            .where(Delivery.status == "pending")
            .order_by(col(Delivery.created_at))
            .limit(limit)
        ).all()
        claimed = []
        for row in rows:
            done = uow.session.exec(
                update(Delivery)
                .where(col(Delivery.id) == row.id, col(Delivery.status) == "pending")
                .values(status="sending", attempts=row.attempts + 1)
            )
            if done.rowcount == 1:
                row.attempts += 1
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
            uow.session.exec(update(Delivery).where(col(Delivery.id) == row.id).values(**values))
    return len(rows)


def deliver_once(app: Any) -> int:  # noqa: ANN401
    return deliver_pending(app.state)
