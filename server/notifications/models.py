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


class NotificationRead(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
