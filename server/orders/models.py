from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, model_validator
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column
from server.core.money import MAX_AMOUNT
from server.orders.machine import STATUS_GROUPS, Status
from server.pricing.models import AddressIn, QuoteCreate

# What may be written into ``Order.anomaly`` for operators to act on (ops computes its
# own codes besides, server.orders.anomalies): one vocabulary for writers and filters.
STORED_ANOMALIES = (
    "no_candidate",  # dispatch found nobody to offer the order to
    "offer_limit",  # too many offers went unanswered: left to the pool
    "extras_unpaid",  # auto-confirmation held: approved extras not paid
    "technician_suspended",  # the order's technician was suspended while it was under way
)


class Order(SQLModel, table=True):
    __tablename__ = "service_order"

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    technician_id: str | None = Field(default=None, foreign_key="app_user.id", index=True)
    offered_technician_id: str | None = Field(default=None, index=True, max_length=40)
    preferred_technician_id: str | None = Field(default=None, max_length=40)
    service_id: str = Field(foreign_key="service.id", index=True)
    quote_id: str | None = Field(default=None, max_length=40)
    status: str = Field(index=True, max_length=32)
    version: int = 1  # optimistic locking: every update is conditional on it
    last_seq: int = 0  # sequence of the last OrderEvent
    scheduled_start: datetime = Field(index=True)
    scheduled_end: datetime
    address_enc: str  # AES-GCM (server.core.crypto)
    # where the home is: exactly, encrypted; and to ~100 m in clear, for dispatch and
    # travel estimates (server.core.points)
    point_enc: str
    lat: float
    lng: float
    district: str = ""
    # the customer's notes (door codes, a phone): AES-GCM like the address; None: no notes
    notes_enc: str | None = None
    currency: str = "CNY"
    total: int  # fen, what the customer owes for the booked work (price snapshot total)
    extras_total: int = 0  # fen, approved change requests
    price_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    work_order_confirmed_at: datetime | None = None
    work_order_file_id: str | None = Field(default=None, max_length=40)
    anomaly: str | None = Field(default=None, index=True, max_length=40)
    cancel_reason: str | None = None
    created_at: datetime = Field(index=True)
    updated_at: datetime
    accepted_at: datetime | None = None
    arrived_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None


class OrderEvent(SQLModel, table=True):
    """The order's timeline: append-only, gap-free sequence per order."""

    __tablename__ = "order_event"
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_order_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="service_order.id", index=True)
    seq: int
    type: str = Field(max_length=60)
    actor_id: str | None = Field(default=None, max_length=40)
    actor_role: str = Field(max_length=20)
    occurred_at: datetime  # device time when given (offline queue), else server time
    received_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class SopProgress(SQLModel, table=True):
    __tablename__ = "sop_progress"
    __table_args__ = (UniqueConstraint("order_id", "step_no", name="uq_sop_step"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="service_order.id", index=True)
    step_no: int
    photo_file_id: str | None = Field(default=None, max_length=40)
    note: str = ""
    done_at: datetime


class DelayRequest(SQLModel, table=True):
    """The assigned technician asks to move the visit (改约); the customer answers
    (``server.orders.delays``). ``from_*`` is the booking when asked, ``to_*`` the window
    proposed; ``expires_at`` the last moment of the customer's answer."""

    __tablename__ = "delay_request"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True)
    technician_id: str = Field(foreign_key="app_user.id", index=True)
    # pending -> accepted | declined | expired | withdrawn (the order moved on meanwhile)
    status: str = Field(max_length=16, index=True)
    reason: str = Field(max_length=300)
    from_start: datetime
    from_end: datetime
    to_start: datetime
    to_end: datetime
    expires_at: datetime = Field(index=True)
    created_at: datetime
    answered_at: datetime | None = None


# --- API schemas ---------------------------------------------------------------------


class OrderCreate(QuoteCreate):
    """``POST /orders``: a quote the customer has seen (``quote_id`` alone), or the booking
    itself (the fields of ``POST /quotes``), quoted and booked in one step at that price.

    The quote is the price the customer agreed to; booking without one is for clients that
    show the price some other way (a partner's site, a repeat order) and accept the quote
    the server makes now. The order's ``price_snapshot`` says what it was either way."""

    quote_id: str | None = PField(default=None, max_length=64)
    service_id: str | None = PField(default=None, max_length=64)  # type: ignore[assignment]
    address: AddressIn | None = None  # type: ignore[assignment]
    scheduled_start: AwareDatetime | None = None  # type: ignore[assignment]
    notes: str = PField(default="", max_length=500)
    preferred_technician_id: str | None = PField(default=None, max_length=64)

    @model_validator(mode="after")
    def _quote_or_booking(self) -> OrderCreate:
        given = [f for f in _BOOKING_REQUIRED if getattr(self, f) is not None]
        if self.quote_id is None and len(given) < len(_BOOKING_REQUIRED):
            raise ValueError("give quote_id, or service_id, address and scheduled_start")
        if self.quote_id is not None and given:
            raise ValueError("give quote_id or the booking's fields, not both")
        return self

    def quote_request(self) -> QuoteCreate:
        return QuoteCreate.model_validate(self.model_dump(include=set(QuoteCreate.model_fields)))


_BOOKING_REQUIRED = ("service_id", "address", "scheduled_start")


class ActionIn(BaseModel):
    """Body of a technician move; ``occurred_at`` is the device time (offline replay)."""

    occurred_at: AwareDatetime | None = None
    lat: float | None = PField(default=None, ge=-90, le=90)
    lng: float | None = PField(default=None, ge=-180, le=180)
    reason: str | None = PField(default=None, max_length=300)


class CancelIn(BaseModel):
    reason: str = PField(default="", max_length=300)
    expected_fee: int | None = PField(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        description="the fee the customer was shown; a different fee is refused (409)",
    )


class SopDoneIn(BaseModel):
    photo_file_id: str | None = PField(default=None, max_length=64)
    note: str = PField(default="", max_length=300)
    occurred_at: AwareDatetime | None = None


class WorkOrderConfirmIn(BaseModel):
    signature_file_id: str | None = PField(default=None, max_length=64)
    signed_on: str = PField(default="customer_app", pattern="^(customer_app|technician_screen)$")


class OrderEventRead(BaseModel):
    order_id: str
    seq: int
    type: str
    actor_id: str | None
    actor_role: str
    occurred_at: datetime
    received_at: datetime
    payload: dict[str, Any]


class SopStepState(BaseModel):
    no: int
    title_zh: str
    title_en: str
    photo: bool
    done_at: datetime | None = None
    photo_file_id: str | None = None


class OrderRead(BaseModel):
    id: str
    status: str
    version: int
    last_seq: int
    customer_id: str
    technician_id: str | None
    offered_technician_id: str | None
    service_id: str
    service_name_zh: str
    service_name_en: str
    scheduled_start: datetime
    scheduled_end: datetime
    address: str  # exact address, or district only when the caller may not see it
    address_visible: bool
    lat: float | None
    lng: float | None
    district: str
    notes: str
    currency: str
    total: int
    extras_total: int
    order_value: int  # the booked price and approved extras
    amount_due: int  # what the customer must still pay (0 once paid in full)
    price_snapshot: dict[str, Any]
    work_order_confirmed_at: datetime | None
    work_order_file_id: str | None
    anomaly: str | None
    sop: list[SopStepState]
    allowed_actions: list[str] = PField(
        description="The order machine's moves the caller may make from this status now "
        "(e.g. `depart`, `cancel`, `confirm`); a guard may still refuse one. Besides the "
        "moves, `request_delay`: the assigned technician may ask to move the visit now."
    )
    status_groups: list[str] = PField(
        description="The order machine's status groups this status belongs to, so a client "
        "draws the order by phase rather than from lists of statuses: "
        + "; ".join(
            f"`{name}` ({', '.join(s.value for s in Status if s in members)})"
            for name, members in STATUS_GROUPS.items()
        )
        + "."
    )
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    arrived_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None


class CustomerNote(SQLModel, table=True):
    """A technician's own note on a customer he served (tags, a private note, a
    maintenance reminder): his small-business record, seen by nobody else."""

    __tablename__ = "customer_note"
    __table_args__ = (UniqueConstraint("technician_id", "customer_id"),)

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    order_id: str = Field(max_length=40)  # the order it was last saved from
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    note_enc: str | None = None  # AES-GCM like the order's notes
    remind_on: date | None = Field(default=None, index=True)  # the city's calendar day
    remind_what: str = ""
    created_at: datetime
    updated_at: datetime


class CustomerNoteIn(BaseModel):
    tags: list[str] = PField(default_factory=list, max_length=6)
    note: str = PField(default="", max_length=300)
    remind_in_days: int | None = PField(
        default=None, ge=1, le=730, description="A maintenance reminder this many days after today"
    )
    remind_on: date | None = PField(default=None, description="Or on this day (city calendar)")
    remind_what: str = PField(default="", max_length=40)

    @model_validator(mode="after")
    def _one_reminder_day(self) -> CustomerNoteIn:
        if self.remind_in_days is not None and self.remind_on is not None:
            raise ValueError("give remind_in_days or remind_on, not both")
        for tag in self.tags:
            if not 1 <= len(tag.strip()) <= 12:
                raise ValueError("a tag has 1 to 12 characters")
        return self


class CustomerNoteRead(BaseModel):
    order_id: str
    tags: list[str]
    note: str
    remind_on: date | None
    remind_what: str
    updated_at: datetime | None  # None: nothing noted yet


class FollowUpRead(BaseModel):
    """A reminder due: whom to call back (by the order he served) and about what."""

    order_id: str
    customer_name: str  # masked: 王**
    district: str
    service_name_zh: str
    service_name_en: str
    tags: list[str]
    remind_on: date
    remind_what: str
    overdue: bool


class DelayRequestCreate(BaseModel):
    """``POST /orders/{id}/delay-requests``: the new start (the visit keeps its length)."""

    scheduled_start: AwareDatetime
    reason: str = PField(min_length=1, max_length=300)


class DelayRequestRead(BaseModel):
    id: str
    order_id: str
    technician_id: str
    status: Literal["pending", "accepted", "declined", "expired", "withdrawn"]
    reason: str
    from_start: datetime
    from_end: datetime
    to_start: datetime
    to_end: datetime
    expires_at: datetime = PField(description="the customer answers before this moment")
    created_at: datetime
    answered_at: datetime | None
