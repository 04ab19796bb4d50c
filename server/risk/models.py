"""Risk's tables: flags put up for human review, and the sign-in throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column

RISK_FLAG_KINDS = ("cancel_burst", "complaint_rate", "contact_sharing", "login_lockout")
RISK_FLAG_STATUSES = ("open", "reviewed")


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins to one account from one client (``server.risk.service.throttle_key``):
    N failures lock that client out of that account, each lockout twice as long as the
    last. Others, the owner included, sign in as usual."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_start: datetime | None = None
    locked_until: datetime | None = None
    lockouts: int = 0  # in a row, without a successful sign-in between


class RiskFlag(SQLModel, table=True):
    """An account or technician put up for human review by a risk rule."""

    __tablename__ = "risk_flag"

    id: str = Field(primary_key=True, max_length=40)
    subject_id: str = Field(index=True, max_length=40)
    kind: str = Field(index=True, max_length=40)  # one of RISK_FLAG_KINDS
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="open", index=True, max_length=20)  # one of RISK_FLAG_STATUSES
    created_at: datetime
    reviewed_by: str | None = Field(default=None, max_length=40)
    reviewed_at: datetime | None = None


class RiskFlagRead(BaseModel):
    id: str
    subject_id: str
    kind: str
    details: dict[str, Any]
    status: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class RiskReviewIn(BaseModel):
    note: str = PField(default="", max_length=500)
