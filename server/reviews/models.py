"""Ratings both ways, complaints and appeals; and their API schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, model_validator
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column
from server.core.money import MAX_AMOUNT

COMPLAINT_STATUSES = ("open", "resolved")


class ComplaintCategory(StrEnum):
    quality = "quality"  # 服务质量不达标 / 未完成约定项目
    late = "late"  # 迟到
    damage = "damage"  # 物品损坏
    attitude = "attitude"  # 服务态度
    overcharge = "overcharge"  # 乱收费
    safety = "safety"
    other = "other"


class Outcome(StrEnum):
    refund_full = "refund_full"
    refund_partial = "refund_partial"
    redo = "redo"
    compensate = "compensate"
    reject = "reject"


class Review(SQLModel, table=True):
    """One rating of an order: the customer rates the technician, or the technician the customer."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("order_id", "author_id", name="uq_review_author"),)

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    author_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    author_role: str = Field(max_length=20)  # customer | technician
    subject_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    # customer → technician: four dimensions 1-5; technician → customer: overall only
    response: int | None = None
    skill: int | None = None
    attitude: int | None = None
    care: int | None = None
    overall: float  # mean of the given scores
    text: str = ""
    photo_file_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    status: str = Field(default="visible", max_length=20)  # visible | removed (appeal upheld)
    created_at: datetime = Field(index=True)


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    technician_id: str | None = Field(default=None, index=True, max_length=40)
    category: str = Field(max_length=20)
    text_enc: str  # AES-GCM: customers write addresses and numbers into complaints
    photo_file_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    status: str = Field(default="open", index=True, max_length=20)  # one of COMPLAINT_STATUSES
    escrow_frozen: bool = False
    technician_answer_enc: str | None = None
    answered_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=20)
    amount: int | None = None  # fen, refunds and compensations
    resolution_note: str = ""
    resolved_by: str | None = Field(default=None, max_length=40)
    resolved_at: datetime | None = None
    penalty_void: bool = False  # an appeal removed this complaint's penalty
    created_at: datetime = Field(index=True)


class Appeal(SQLModel, table=True):
    __tablename__ = "appeal"

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    target_type: str = Field(max_length=20)  # review | complaint
    target_id: str = Field(index=True, max_length=40)
    reason: str
    status: str = Field(default="pending", index=True, max_length=20)  # pending | upheld | rejected
    decision_note: str = ""
    decided_by: str | None = Field(default=None, max_length=40)
    decided_at: datetime | None = None
    created_at: datetime


class LevelRecord(SQLModel, table=True):
    """The quarterly level computed for a technician, with its explanation."""

    __tablename__ = "technician_level_record"
    __table_args__ = (UniqueConstraint("technician_id", "quarter", name="uq_level_quarter"),)

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    quarter: str = Field(max_length=8)
    level: str = Field(max_length=2)
    score: float
    card: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    computed_at: datetime
    computed_by: str | None = Field(default=None, max_length=40)


# --- API schemas ---------------------------------------------------------------------


class ReviewIn(BaseModel):
    """Customer: the four dimensions. Technician: ``overall`` for the customer."""

    response: int | None = PField(default=None, ge=1, le=5)
    skill: int | None = PField(default=None, ge=1, le=5)
    attitude: int | None = PField(default=None, ge=1, le=5)
    care: int | None = PField(default=None, ge=1, le=5)
    overall: int | None = PField(default=None, ge=1, le=5)
    text: str = PField(default="", max_length=1000)
    photo_file_ids: list[str] = PField(default_factory=list, max_length=9)


class ReviewRead(BaseModel):
    id: str
    order_id: str
    author_role: str
    author_name: str  # masked for the public
    subject_id: str
    response: int | None
    skill: int | None
    attitude: int | None
    care: int | None
    overall: float
    text: str
    photo_file_ids: list[str]
    created_at: datetime


class ComplaintIn(BaseModel):
    category: ComplaintCategory
    text: str = PField(min_length=1, max_length=2000)
    photo_file_ids: list[str] = PField(default_factory=list, max_length=9)


class ComplaintRead(BaseModel):
    id: str
    order_id: str
    customer_id: str
    technician_id: str | None
    category: str
    text: str
    photo_file_ids: list[str]
    status: str
    escrow_frozen: bool
    technician_answer: str | None
    answered_at: datetime | None
    outcome: str | None
    amount: int | None
    resolution_note: str
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime


class ComplaintDetail(ComplaintRead):
    order_status: str
    order_total: int
    timeline: list[dict[str, Any]]
    location_trail: list[dict[str, Any]] | None  # None: no location data is kept by this deployment
    escrow: dict[str, Any] | None


class AnswerIn(BaseModel):
    text: str = PField(min_length=1, max_length=2000)


class ResolveIn(BaseModel):
    outcome: Outcome
    amount: int | None = PField(default=None, gt=0, le=MAX_AMOUNT)
    note: str = PField(min_length=1, max_length=2000)
    redo_start: AwareDatetime | None = PField(
        default=None, description="when the free return visit starts (required for redo)"
    )

    @model_validator(mode="after")
    def _amount(self) -> ResolveIn:
        if self.outcome == Outcome.redo and self.redo_start is None:
            raise ValueError("redo_start is required for a redo visit")
        if self.outcome != Outcome.redo and self.redo_start is not None:
            raise ValueError("redo_start is only given for a redo visit")
        if self.outcome in (Outcome.refund_partial, Outcome.compensate) and self.amount is None:
            raise ValueError("amount (fen) is required for a partial refund or a compensation")
        if (
            self.outcome in (Outcome.refund_full, Outcome.redo, Outcome.reject)
            and self.amount is not None
        ):
            raise ValueError("amount is only given for a partial refund or a compensation")
        return self


class AppealIn(BaseModel):
    target_type: str = PField(pattern="^(review|complaint)$")
    target_id: str = PField(max_length=64)
    reason: str = PField(min_length=1, max_length=2000)


class AppealRead(BaseModel):
    id: str
    technician_id: str
    target_type: str
    target_id: str
    reason: str
    status: str
    decision_note: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class AppealDecideIn(BaseModel):
    decision: str = PField(pattern="^(upheld|rejected)$")
    note: str = PField(min_length=1, max_length=2000)


class ScoreRead(BaseModel):
    technician_id: str
    level: str  # the level in force (profile)
    computed_level: str  # what the current ratings would give now
    score: float
    ratings: int
    dimension_means: dict[str, float | None]
    weighted_mean: float | None
    smoothed_mean: float
    rating_score: float
    penalty_points: float
    penalties: list[dict[str, Any]]
    next_level: str | None
    next_level_needs: dict[str, float]
    explanation: list[str]
    contributing_reviews: list[dict[str, Any]]
    level_history: list[dict[str, Any]]
