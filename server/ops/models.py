from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column

ALERT_STATUSES = ("open", "acknowledged", "closed", "escalated")


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


JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")


class JobRead(BaseModel):
    """One background job (server/core/jobs.py): waiting, running, done or given up."""

    id: int
    task: str
    status: str
    attempts: int
    lock: str | None
    scheduled_at: datetime | None
    args: dict[str, object]


class JobScheduleRead(BaseModel):
    task: str
    every_seconds: int


class JobsRead(BaseModel):
    """The queue as the operators see it: where jobs run, what runs periodically, and
    the latest jobs."""

    runs_in: str  # "web" (the embedded queue in the server) or "worker" (doorstep worker)
    durable: bool  # the queue is PostgreSQL's (survives restarts) or this server's memory
    schedule: list[JobScheduleRead]
    jobs: list[JobRead]


REPLAY_STATUSES = ("queued", "done", "failed")


class DispatchReplay(SQLModel, table=True):
    """A what-if replay an operator asked for (``POST /ops/dispatch/replays``): the period,
    the rules tried, and the comparison once the ``ops.replay`` job has run it."""

    __tablename__ = "dispatch_replay"

    id: str = Field(primary_key=True, max_length=40)
    requested_by: str = Field(foreign_key="app_user.id", max_length=40)
    period_from: datetime
    period_to: datetime
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    seed: int = 7
    status: str = Field(default="queued", max_length=20)
    result: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    error: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(index=True)
    finished_at: datetime | None = None


class ReplayIn(BaseModel):
    """``from`` and ``to`` bound the period (aware times; at most 31 days); ``rules`` is a
    partial rule book merged over the current one (e.g. ``{"dispatch": {"mode": "batch"}}``)."""

    model_config = {"populate_by_name": True}

    period_from: AwareDatetime = PField(alias="from")
    period_to: AwareDatetime = PField(alias="to")
    rules: dict[str, Any] = PField(default_factory=dict)
    seed: int = PField(default=7, ge=0)


class ReplayRead(BaseModel):
    id: str
    status: str  # queued, done, failed
    period_from: datetime
    period_to: datetime
    rules: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
