"""One person's notification settings (通知设置): read, replaced whole, and what the
centre asks before each outside delivery (``muted_for``). The groups and the decision are
``groups``; here the row and the replies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import Conflict, Unprocessable
from server.core.uow import UnitOfWork
from server.notifications.groups import CHANNELS, Muted, check, groups_for
from server.notifications.models import NotificationPreference

Name = Annotated[str, Field(max_length=40)]


class ChannelSwitch(BaseModel):
    channel: str
    on: bool


class GroupSwitch(BaseModel):
    group: str
    on: bool
    locked: bool  # essential: always on (an attempt to turn it off is refused)


class NotificationPreferencesRead(BaseModel):
    """The switches as the settings page shows them: every outside channel, the groups of
    the person's role (essential ones ``locked``, always on). A muted channel keeps only
    the optional groups off it: essential notices still go through it."""

    channels: list[ChannelSwitch]
    groups: list[GroupSwitch]
    locked: list[str]
    muted_channels: list[str]
    muted_groups: list[str]
    updated_at: datetime | None


class NotificationPreferencesWrite(BaseModel):
    """The whole setting (what is not named is on): unknown names, and muting an
    essential group, are refused with their own codes."""

    model_config = ConfigDict(extra="forbid")

    muted_channels: list[Name] = Field(default_factory=list, max_length=10)
    muted_groups: list[Name] = Field(default_factory=list, max_length=20)


def _row(uow: UnitOfWork, user_id: str) -> NotificationPreference | None:
    return uow.session.get(NotificationPreference, user_id)


def muted_for(uow: UnitOfWork, user_id: str) -> Muted:
    """What ``user_id`` turned off (nothing without a row)."""
    row = _row(uow, user_id)
    if row is None:
        return Muted()
    return Muted(frozenset(row.muted_channels), frozenset(row.muted_groups))


def read(uow: UnitOfWork, user: User) -> NotificationPreferencesRead:
    row = _row(uow, user.id)
    muted = muted_for(uow, user.id)
    groups = groups_for(user.role)
    return NotificationPreferencesRead(
        channels=[ChannelSwitch(channel=c, on=c not in muted.channels) for c in CHANNELS],
        groups=[
            GroupSwitch(group=g.name, on=g.locked or g.name not in muted.groups, locked=g.locked)
            for g in groups
        ],
        locked=[g.name for g in groups if g.locked],
        muted_channels=[c for c in CHANNELS if c in muted.channels],
        muted_groups=[g.name for g in groups if g.name in muted.groups],
        updated_at=as_utc(row.updated_at) if row is not None else None,
    )


def replace(
    uow: UnitOfWork, user: User, body: NotificationPreferencesWrite
) -> NotificationPreferencesRead:
    """Save the whole setting, or refuse it all (nothing half-saved)."""
    refusal = check(user.role, body.muted_channels, body.muted_groups)
    if refusal is not None:
        if refusal.code == "notice_group_locked":
            raise Conflict(
                f"{refusal.value!r} is essential and cannot be turned off",
                code=refusal.code,
                details={"group": refusal.value, "locked": list(refusal.known)},
            )
        raise Unprocessable(
            f"unknown {refusal.value!r}",
            code=refusal.code,
            details={"unknown": refusal.value, "known": list(refusal.known)},
        )
    row = _row(uow, user.id) or NotificationPreference(user_id=user.id, updated_at=uow.clock.now())
    row.muted_channels = [c for c in CHANNELS if c in set(body.muted_channels)]
    row.muted_groups = [g.name for g in groups_for(user.role) if g.name in set(body.muted_groups)]
    row.updated_at = uow.clock.now()
    uow.session.add(row)
    uow.session.flush()
    return read(uow, user)
