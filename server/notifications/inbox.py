"""In-app notifications to one user: the inbox row, and the same notification on the live
feed once it commits (``ports.live``: the realtime domain's, above this one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import NotFound
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import ports
from server.notifications.models import Delivery, Notification, NotificationRead

LIVE = "notification"  # the live feed's message type


def notify(
    uow: UnitOfWork,
    *,
    user_id: str,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    key: str | None = None,
    live: bool = True,
) -> Notification:
    """Add a notification in the caller's transaction (no commit); pushed live after it.
    ``key``: see ``centre.post``, which checks it first."""
    session = uow.session
    clock = uow.clock
    note = Notification(
        id=new_id("ntf"),
        user_id=user_id,
        kind=kind,
        title=title,
        body=body,
        data=data or {},
        created_at=clock.now(),
        key=key,
    )
    session.add(note)
    if live:
        push_live(uow, note)
    return note


def push_live(uow: UnitOfWork, note: Notification) -> None:
    """The app that is connected shows it at once (``{"type": "notification", ...}``)."""
    message = {"t": LIVE, "user_id": note.user_id, "notification": live_dict(note)}
    ports.live.ask(uow, message)


def live_dict(note: Notification) -> dict[str, Any]:
    return to_read(note).model_dump(mode="json")


def to_read(note: Notification) -> NotificationRead:
    return NotificationRead(
        id=note.id,
        kind=note.kind,
        title=note.title,
        body=note.body,
        data=note.data,
        created_at=as_utc(note.created_at),
        read_at=as_utc(note.read_at) if note.read_at else None,
    )


def list_for(
    uow: UnitOfWork, *, user: User, unread_only: bool = False, limit: int = 50
) -> list[NotificationRead]:
    session = uow.session
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    rows = session.exec(
        query.order_by(col(Notification.created_at).desc()).limit(max(1, min(limit, 200)))
    ).all()
    return [to_read(r) for r in rows]


def mark_read(
    uow: UnitOfWork,
    *,
    user: User,
    notification_id: str,
) -> NotificationRead:
    session = uow.session
    clock = uow.clock
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("notification not found", code="notification_not_found")
    if note.read_at is None:
        note.read_at = clock.now()
        session.add(note)
    return to_read(note)


def mark_all_read(uow: UnitOfWork, *, user: User) -> int:
    """Every unread notification of ``user`` read now; how many were unread."""
    result = uow.session.exec(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=uow.clock.now())
    )
    return int(result.rowcount or 0)


def unread_count(uow: UnitOfWork, *, user: User) -> int:
    return int(
        uow.session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        ).one()
    )


def purge_older_than(
    uow: UnitOfWork,
    *,
    days: int,
) -> int:
    session = uow.session
    clock = uow.clock
    cutoff = clock.now() - timedelta(days=days)
    session.exec(delete(Delivery).where(col(Delivery.created_at) < cutoff))
    result = session.exec(delete(Notification).where(col(Notification.created_at) < cutoff))
    return int(result.rowcount or 0)
