"""The audit log's table: append-only, hash-chained."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class AuditEntry(SQLModel, table=True):
    """One append-only audit record; ``hash`` chains it to the entry before (see auditchain)."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True)  # 1, 2, 3 ... assigned under a lock, no gaps
    id: str = Field(unique=True, max_length=40)
    at: datetime = Field(index=True)
    actor_id: str | None = Field(default=None, index=True, max_length=40)
    actor_role: str | None = Field(default=None, max_length=20)
    action: str = Field(index=True, max_length=200)
    target_type: str = Field(default="", max_length=40)
    target_id: str | None = Field(default=None, index=True, max_length=60)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditRead(BaseModel):
    seq: int
    id: str
    at: datetime
    actor_id: str | None
    actor_role: str | None
    action: str
    target_type: str
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
    hash: str
