"""The inbox's table: one message to one user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class Notification(SQLModel, table=True):
    """A message to one user (certificate expired, complaint resolved, appeal decided...)."""

    __tablename__ = "notification"

    id: str = Field(primary_key=True, max_length=40)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=120)
    body: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(index=True)
    read_at: datetime | None = None
    # names a notice once and for all (kind, subject, recipient, period): the periodic
    # checks send each reminder once however often they run (None: no such promise)
    key: str | None = Field(default=None, unique=True, index=True, max_length=160)


class Delivery(SQLModel, table=True):
    """A notification through one outside channel (SMS, e-mail, app push): written
    ``pending`` with the notification, sent after the commit by the delivery job. A
    sandbox provider sends nothing and marks it ``sandbox``: the row is what it would
    have sent, for the operators and the tests. A notice whose event was too old for its
    rule is ``skipped`` before it reaches anyone: one row per channel, ``inbox`` too, with
    no notification (``notification_id`` empty) and the reason in ``error``."""

    __tablename__ = "notification_delivery"

    id: str = Field(primary_key=True, max_length=40)
    notification_id: str = Field(index=True, max_length=40)
    user_id: str = Field(index=True, max_length=40)
    channel: str = Field(max_length=10)  # sms | email | push; inbox: only when skipped
    provider: str = Field(default="", max_length=20)  # set when sent
    recipient: str = Field(default="", max_length=120)  # e-mail address; masked phone
    subject: str = Field(max_length=120)
    body: str = ""
    attachment_file_id: str | None = Field(default=None, max_length=40)
    status: str = Field(default="pending", index=True, max_length=10)
    attempts: int = 0
    error: str = Field(default="", max_length=300)
    created_at: datetime = Field(index=True)
    # when the last claim took it (``sending``): a claim much older is a send whose worker
    # died, and the row goes back to be claimed again (``deliver.CLAIM_TIMEOUT``)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None


class NotificationPreference(SQLModel, table=True):
    """What one person turned off (通知设置): outside channels and optional groups of
    notices (``groups``). No row: nothing is off."""

    __tablename__ = "notification_preference"

    user_id: str = Field(primary_key=True, foreign_key="app_user.id", max_length=40)
    muted_channels: list[str] = Field(default_factory=list, sa_column=json_column())
    muted_groups: list[str] = Field(default_factory=list, sa_column=json_column())
    updated_at: datetime


class NotificationRead(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class DeliveryRead(BaseModel):
    id: str
    notification_id: str
    user_id: str
    channel: str
    provider: str
    recipient: str
    subject: str
    body: str
    attachment_file_id: str | None
    status: str
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None
