"""The inbox beyond listing and reading one (``/me/notifications``, with the operators'
routes): read all, the unread count; and what the outside channels sent."""

from __future__ import annotations

from typing import Literal

from fastapi import Query
from pydantic import BaseModel

from server.auth.dependencies import CurrentUser, StaffUser
from server.core.deps import UowDep
from server.core.routing import api_router
from server.notifications import centre, inbox
from server.notifications.models import DeliveryRead

router = api_router(tags=["notifications"])


class UnreadRead(BaseModel):
    unread: int


@router.get("/me/notifications/unread", response_model=UnreadRead)
def unread(user: CurrentUser, uow: UowDep) -> UnreadRead:
    return UnreadRead(unread=inbox.unread_count(uow, user=user))


@router.post("/me/notifications/read-all", response_model=UnreadRead)
def read_all(user: CurrentUser, uow: UowDep) -> UnreadRead:
    """Mark every notification read; ``unread`` is then 0."""
    inbox.mark_all_read(uow, user=user)
    return UnreadRead(unread=0)


@router.get("/ops/notifications/deliveries", response_model=list[DeliveryRead])
def deliveries(
    user: StaffUser,
    uow: UowDep,
    channel: Literal["sms", "email", "push", "inbox"] | None = None,
    status: Literal["pending", "sending", "sent", "sandbox", "failed", "skipped"] | None = None,
    user_id: str | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=500),
) -> list[DeliveryRead]:
    return centre.deliveries(uow, channel=channel, status=status, user_id=user_id, limit=limit)
