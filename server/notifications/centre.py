"""The notification centre: one notice to one person, through every channel its rule
names, at most once per key.

``post`` writes the inbox row (the record, and what the apps list), pushes it on the live
feed after the commit (``inbox.push_live``), and writes one ``Delivery`` row per outside
channel (SMS, e-mail, app push), which the delivery job sends after the commit
(``deliver``) — unless the person turned that channel, or the notice's group, off
(``groups``, 通知设置): then the row is written ``skipped`` with the reason ``muted`` and
nothing is sent; the inbox row is written all the same. A notice with a key that was
already sent is skipped — the periodic checks rely on it to be safe to run twice — and
the unique index on the key settles two writers racing for the same one.

A notice about an event older than its rule's ``max_age_minutes`` (measured against the
unit of work's ``wall_clock``, the present even while a past moment is replayed) reaches
nobody: no inbox row, and one ``skipped`` delivery per channel it would have gone through
(``inbox`` among them), so the operators see what was held back and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import inbox, preferences
from server.notifications.due import Notice
from server.notifications.groups import MUTED, is_muted
from server.notifications.models import Delivery, DeliveryRead, Notification
from server.notifications.rules import Channel

DELIVER_JOB = "notifications.deliver"
SKIPPED = "skipped"
TOO_OLD = "the event was {age} min old, past the rule's {limit} min"


def already_sent(uow: UnitOfWork, key: str) -> bool:
    return (
        uow.session.exec(select(Notification.id).where(Notification.key == key)).first() is not None
    )


def post(
    uow: UnitOfWork,
    *,
    user_id: str,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    key: str | None = None,
    channels: Iterable[Channel] = (),
    email: str | None = None,
    attachment_file_id: str | None = None,
    occurred_at: datetime | None = None,
    max_age_minutes: int | None = None,
) -> Notification | None:
    """Tell ``user_id``; None when the notice with this ``key`` went out before, or its
    event (``occurred_at``, default now) is older than ``max_age_minutes``."""
    if key is not None and already_sent(uow, key):
        return None
    session = uow.session
    outside = [c for c in channels if c != "email" or email]
    too_old = _too_old(uow, occurred_at, max_age_minutes)
    if too_old is not None:  # recorded, not lost: one skipped row per channel, inbox too
        for channel in ["inbox", *outside]:
            row = _delivery(uow, "", user_id, channel, title, body, email, None)
            row.status, row.error = SKIPPED, too_old
            session.add(row)
        return None
    savepoint = session.begin_nested() if key is not None else None
    note = inbox.notify(
        uow, user_id=user_id, kind=kind, title=title, body=body, data=data, key=key, live=False
    )
    if savepoint is not None:
        try:
            session.flush()
        except IntegrityError:  # another writer sent it between the check and now
            savepoint.rollback()
            return None
        savepoint.commit()
    inbox.push_live(uow, note)
    muted = preferences.muted_for(uow, user_id) if outside else None
    to_send = 0
    for channel in outside:
        row = _delivery(uow, note.id, user_id, channel, title, body, email, attachment_file_id)
        if muted is not None and is_muted(kind, channel, muted):  # his choice, recorded
            row.status, row.error = SKIPPED, MUTED
        else:
            to_send += 1
        session.add(row)
    if to_send:
        uow.defer(DELIVER_JOB, lock=DELIVER_JOB)
    return note


def _too_old(uow: UnitOfWork, occurred_at: datetime | None, limit: int | None) -> str | None:
    """Why an event's notice is no news any more (None: it is)."""
    if limit is None:
        return None
    age = uow.wall_clock.now() - (as_utc(occurred_at) if occurred_at else uow.clock.now())
    if age <= timedelta(minutes=limit):
        return None
    return TOO_OLD.format(age=int(age.total_seconds() // 60), limit=limit)


def _delivery(
    uow: UnitOfWork,
    notification_id: str,
    user_id: str,
    channel: str,
    title: str,
    body: str,
    email: str | None,
    attachment_file_id: str | None,
) -> Delivery:
    return Delivery(
        id=new_id("dlv"),
        notification_id=notification_id,
        user_id=user_id,
        channel=channel,
        recipient=(email or "") if channel == "email" else "",
        subject=title,
        body=body,
        attachment_file_id=attachment_file_id if channel == "email" else None,
        created_at=uow.clock.now(),
    )


def send(uow: UnitOfWork, notice: Notice, *, support_ids: Iterable[str] = ()) -> list[Notification]:
    """Send a notice of ``due``: to its user, or to each support agent (one key each)."""
    if notice.user_id is not None:
        targets = [(notice.user_id, notice.key)]
    else:
        targets = [(agent, f"{notice.key}:{agent}") for agent in support_ids]
    sent = []
    for user_id, key in targets:
        note = post(
            uow,
            user_id=user_id,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            data=notice.data,
            key=key,
            channels=notice.channels,
            email=notice.email,
            attachment_file_id=notice.attachment_file_id,
            occurred_at=notice.occurred_at,
            max_age_minutes=notice.max_age_minutes,
        )
        if note is not None:
            sent.append(note)
    return sent


def deliveries(
    uow: UnitOfWork,
    *,
    channel: str | None = None,
    status: str | None = None,
    user_id: str | None = None,
    limit: int = 100,
) -> list[DeliveryRead]:
    """What went out (or would have, through a sandbox), newest first: the operators'."""
    query = select(Delivery)
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    if status is not None:
        query = query.where(Delivery.status == status)
    if user_id is not None:
        query = query.where(Delivery.user_id == user_id)
    rows = uow.session.exec(
        query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    ).all()
    return [
        DeliveryRead.model_validate(row, from_attributes=True).model_copy(
            update={
                "created_at": as_utc(row.created_at),
                "sent_at": as_utc(row.sent_at) if row.sent_at else None,
            }
        )
        for row in rows
    ]
