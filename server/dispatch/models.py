"""Dispatch tables (decisions, offers, customer blocks) and their API schemas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the order was cancelled or taken another way meanwhile


class DecisionOutcome(StrEnum):
    OFFERED = "offered"
    NO_CANDIDATE = "no_candidate"
    OFFER_LIMIT = "offer_limit"  # too many offers went unanswered: left to the pool
    POOLED = "pooled"  # pool mode: nobody is offered, eligible technicians may claim
    ASSIGNED = "assigned"  # an operator put a technician on the order


# what dispatch writes into ``Order.anomaly`` for operators (part of STORED_ANOMALIES)
ORDER_ANOMALIES = (DecisionOutcome.NO_CANDIDATE.value, DecisionOutcome.OFFER_LIMIT.value)


class DispatchDecisionRecord(SQLModel, table=True):
    """One dispatch decision for one order: who was considered, how they scored, why
    others were ruled out. The explanation behind ``GET /ops/dispatch/{order_id}``."""

    __tablename__ = "dispatch_decision"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    mode: str = Field(max_length=20)  # cascade | batch | pool | manual
    outcome: str = Field(max_length=20)
    chosen_technician_id: str | None = Field(default=None, max_length=40)
    considered: int = 0  # technicians inside the search radius
    eligible: int = 0
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    rejected: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(index=True)


class DispatchOffer(SQLModel, table=True):
    """An order offered to one technician, open until it is answered or expires."""

    __tablename__ = "dispatch_offer"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    decision_id: str | None = Field(default=None, max_length=40)
    status: str = Field(default=OfferStatus.PENDING.value, index=True, max_length=20)
    score: float = 0.0
    distance_m: float = 0.0
    eta_s: float | None = None
    traffic_subsidy: bool = False
    created_at: datetime
    expires_at: datetime = Field(index=True)
    responded_at: datetime | None = None
    reason: str = ""


class CustomerBlock(SQLModel, table=True):
    """A customer's "do not send me this technician again"."""

    __tablename__ = "dispatch_customer_block"
    __table_args__ = (UniqueConstraint("customer_id", "technician_id", name="uq_customer_block"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    reason: str = ""
    created_at: datetime


# --- API schemas ---------------------------------------------------------------------


class OfferRead(BaseModel):
    """An offer as the technician sees it: district and distance, never the address."""

    id: str
    offer_id: str
    order_id: str
    status: str
    service_id: str
    service_name_zh: str
    service_name_en: str
    district: str
    scheduled_start: datetime
    scheduled_end: datetime
    distance_m: float
    eta_minutes: int | None
    traffic_subsidy: bool
    total: int  # fen, what the customer pays for the booked work
    technician_pay: int  # fen, the technician's share at their commission
    created_at: datetime
    expires_at: datetime
    seconds_left: int


class PoolItemRead(BaseModel):
    order_id: str
    service_id: str
    service_name_zh: str
    service_name_en: str
    district: str
    scheduled_start: datetime
    scheduled_end: datetime
    distance_m: float
    eta_minutes: int | None
    traffic_subsidy: bool
    total: int
    technician_pay: int
    waiting_since: datetime


class DeclineIn(BaseModel):
    reason: str = PField(default="", max_length=300)
    occurred_at: AwareDatetime | None = None


class RespondIn(BaseModel):
    occurred_at: AwareDatetime | None = None


class AssignIn(BaseModel):
    technician_id: str = PField(min_length=1, max_length=64)
    note: str = PField(default="", max_length=300)


class ReassignIn(BaseModel):
    """Staff send an accepted order back to dispatch. ``platform_fault``: the platform
    caused it (a double booking, a wrong assignment), so the technician is compensated
    and the transfer is not held against them."""

    reason: str = PField(default="", max_length=300)  # required: blank is 422 reason_required
    platform_fault: bool = False


class ReassignRead(BaseModel):
    order_id: str
    status: str
    previous_technician_id: str
    platform_fault: bool
    compensation: int  # fen booked to the previous technician (0 unless platform_fault)
    reason: str


class BlockIn(BaseModel):
    technician_id: str = PField(min_length=1, max_length=64)
    reason: str = PField(default="", max_length=300)


class BlockRead(BaseModel):
    technician_id: str
    reason: str
    created_at: datetime


class DecisionRead(BaseModel):
    id: str
    mode: str
    outcome: str
    chosen_technician_id: str | None
    considered: int
    eligible: int
    candidates: list[dict[str, Any]]
    rejected: dict[str, Any]
    settings: dict[str, Any]
    created_at: datetime


class OfferHistoryRead(BaseModel):
    id: str
    technician_id: str
    status: str
    score: float
    distance_m: float
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    reason: str


class OrderDispatchRead(BaseModel):
    order_id: str
    status: str
    technician_id: str | None
    decisions: list[DecisionRead]
    offers: list[OfferHistoryRead]


class RoundRead(BaseModel):
    """What one dispatcher round did (``POST /ops/dispatch/run``, the simulation)."""

    expired: int = 0
    offered: int = 0
    no_candidate: int = 0
    offer_limit: int = 0
    pooled: int = 0
    errors: int = 0
    order_ids: list[str] = PField(default_factory=list)


class ScheduleVisitRead(BaseModel):
    order_id: str
    status: str
    service_name_zh: str
    district: str
    scheduled_start: datetime
    scheduled_end: datetime
    travel_minutes: int
    eta: datetime
    start_at: datetime
    late_minutes: int


class ScheduleRead(BaseModel):
    date: date
    visits: list[ScheduleVisitRead]
    feasible: bool
    travel_minutes: int
    warnings: list[str]


class SlotRead(BaseModel):
    start: datetime
    end: datetime
    available: int  # technicians who pass dispatch's hard filters for this slot
    status: str  # "open" | "full" | "past"


class SlotsRead(BaseModel):
    service_id: str
    date: date
    timezone: str
    units: int | None
    slots: list[SlotRead]
