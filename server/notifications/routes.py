"""The inbox beyond listing and reading one (``/me/notifications``, with the operators'
routes): read all, the unread count; one's own notification settings (通知设置, the
customers' and technicians'); and what the outside channels sent."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel

from server.auth.dependencies import CurrentUser, StaffUser, require_roles
from server.auth.models import Role, User
from server.core.deps import UowDep
from server.core.routing import api_router
from server.notifications import centre, inbox, preferences
from server.notifications.models import DeliveryRead
from server.notifications.preferences import (
    NotificationPreferencesRead,
    NotificationPreferencesWrite,
)

router = api_router(tags=["notifications"])
# the app users: staff get only what their work needs, through the inbox and live feed
AppUser = Annotated[User, Depends(require_roles(Role.customer, Role.technician))]


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


@router.get("/me/notification-preferences", response_model=NotificationPreferencesRead)
def get_preferences(user: AppUser, uow: UowDep) -> NotificationPreferencesRead:
    """One's own switches: outside channels and the role's groups (essential: locked)."""
    return preferences.read(uow, user)


@router.put("/me/notification-preferences", response_model=NotificationPreferencesRead)
def put_preferences(
    body: NotificationPreferencesWrite, user: AppUser, uow: UowDep
) -> NotificationPreferencesRead:
    """Replace one's own settings whole: an unknown channel or group is a 422
    (``notice_channel_unknown``, ``notice_group_unknown``), an essential group a 409
    ``notice_group_locked``."""
    return preferences.replace(uow, user, body)


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
