from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column

ALERT_STATUSES = ("open", "acknowledged", "closed", "escalated")
RISK_FLAG_KINDS = ("cancel_burst", "complaint_rate", "contact_sharing", "login_lockout")
RISK_FLAG_STATUSES = ("open", "reviewed")


class Alert(SQLModel, table=True):
    """An SOS (or another alert an operator must handle)."""

    __tablename__ = "ops_alert"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(default="sos", max_length=20)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    user_role: str = Field(max_length=20)
    order_id: str | None = Field(default=None, index=True, max_length=40)
    point_enc: str  # where help is needed, encrypted (server.core.points)
    status: str = Field(default="open", index=True, max_length=20)  # one of ALERT_STATUSES
    note_enc: str | None = None  # what the person wrote, then staff's notes; encrypted
    created_at: datetime = Field(index=True)
    handled_by: str | None = Field(default=None, max_length=40)
    handled_at: datetime | None = None


class SosIn(BaseModel):
    lat: float = PField(ge=-90, le=90)
    lng: float = PField(ge=-180, le=180)
    order_id: str | None = PField(default=None, max_length=64)
    note: str = PField(default="", max_length=300)


class AlertRead(BaseModel):
    id: str
    kind: str
    user_id: str
    user_role: str
    order_id: str | None
    lat: float
    lng: float
    status: str
    note: str
    created_at: datetime
    handled_by: str | None
    handled_at: datetime | None


class AlertHandleIn(BaseModel):
    status: str = PField(pattern="^(acknowledged|closed)$")
    note: str = PField(default="", max_length=500)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins to one account from one client (``server.ops.risk.throttle_key``):
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


class OrderMonitorRead(BaseModel):
    id: str
    status: str
    customer_id: str
    technician_id: str | None
    service_id: str
    district: str
    scheduled_start: datetime
    scheduled_end: datetime
    total: int
    created_at: datetime
    anomalies: list[str]
