"""Spot checks and deposits: their tables and API schemas. The deposit's money is the
ledger's (``deposit:technician:<id>``); ``technician_deposit`` keeps only the standing the
rule last found (what he must hold, and why)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, model_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

CHECK_STATUSES = ("open", "passed", "failed")
CheckMethod = Literal["call", "on_site"]  # 回访电话 | 上门查验


class QualityCheck(SQLModel, table=True):
    """One finished order sampled for a check: open until an inspector records it."""

    __tablename__ = "quality_check"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", unique=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    customer_id: str = Field(max_length=40)
    service_id: str = Field(max_length=60)
    status: str = Field(default="open", index=True, max_length=10)  # open | passed | failed
    inspector_id: str | None = Field(default=None, index=True, max_length=40)
    sampling_rate_bp: int
    sampled_at: datetime = Field(index=True)
    method: str | None = Field(default=None, max_length=10)  # call | on_site
    findings_enc: str | None = None  # what the inspector found (AES-GCM, like complaints)
    recorded_at: datetime | None = None
    recorded_by: str | None = Field(default=None, max_length=40)
    redo_order_id: str | None = Field(default=None, max_length=40)
    deduction: int = 0  # fen taken from the deposit


class TechnicianDeposit(SQLModel, table=True):
    """The deposit rule's last finding for a technician (no row: never assessed, the base
    deposit applies)."""

    __tablename__ = "technician_deposit"

    technician_id: str = Field(primary_key=True, foreign_key="app_user.id", max_length=40)
    raised: bool = Field(default=False, index=True)
    raised_at: datetime | None = None
    complaints: int = 0
    orders: int = 0
    rate_bp: int | None = None
    assessed_at: datetime


# --- API schemas -----------------------------------------------------------------------


class CheckOutcomeIn(BaseModel):
    result: Literal["pass", "fail"]
    method: CheckMethod
    findings: str = PField(default="", max_length=1000)
    redo_start: AwareDatetime | None = PField(
        default=None, description="a failed check's free redo; default: the rule's lead time"
    )

    @model_validator(mode="after")
    def _check(self) -> CheckOutcomeIn:
        self.findings = self.findings.strip()
        if self.result == "fail" and not self.findings:
            raise ValueError("a failed check says what was found")
        if self.result == "pass" and self.redo_start is not None:
            raise ValueError("redo_start is only given for a failed check")
        return self


class CheckContact(BaseModel):
    """For the inspector the check is assigned to, while it is open: whom to call, where
    to go."""

    customer_name: str
    customer_phone: str
    address: str


class CheckRead(BaseModel):
    id: str
    order_id: str
    technician_id: str
    technician_name: str
    service_id: str
    service_name_zh: str
    service_name_en: str | None
    district: str | None
    scheduled_start: datetime
    completed_at: datetime | None
    status: str
    inspector_id: str | None
    sampled_at: datetime
    method: str | None
    findings: str | None
    recorded_at: datetime | None
    redo_order_id: str | None
    deduction: int
    contact: CheckContact | None = None


class DepositMovementRead(BaseModel):
    """One line of a deposit's history: money in (a top-up) or out (a deduction, or a
    return of what it held above the requirement)."""

    entry_id: str
    kind: Literal["top_up", "deduction", "return", "other"]
    amount: int  # fen, + in, - out
    at: datetime
    order_id: str | None = None
    check_id: str | None = None
    service_name_zh: str | None = None
    service_name_en: str | None = None
    findings: str | None = None  # a deduction's reason, as the inspector wrote it


class DepositRead(BaseModel):
    technician_id: str
    required: int
    held: int  # below zero: a deduction took more than was held, and he owes it
    shortfall: int
    returnable: int  # held above required: his to take back (POST .../returns)
    raised: bool
    capped: bool
    daily_cap: int | None  # orders a day while capped
    base_required: int
    raised_required: int
    complaint_window_days: int
    raise_above_bp: int
    min_orders: int
    complaints: int
    orders: int
    rate_bp: int | None
    assessed_at: datetime | None
    history: list[DepositMovementRead] = PField(default_factory=list)


class DepositSummaryRead(BaseModel):
    technician_id: str
    technician_name: str
    required: int
    held: int
    shortfall: int
    returnable: int
    raised: bool
    capped: bool
    rate_bp: int | None
    complaints: int
    orders: int


class DepositTopUpIn(BaseModel):
    # None: what is missing; more than zero and at most that (checked by the rule, which
    # says why: ``top_up_invalid`` / ``top_up_too_large``)
    amount: int | None = None
    provider: str = PField(default="sandbox", max_length=20)
    method: str = PField(default="wechat", max_length=20)
    confirm_large: bool = False


class DepositReturnIn(BaseModel):
    # None: all that is returnable; more than zero and at most that (the rule says why:
    # ``return_invalid`` / ``deposit_not_returnable``)
    amount: int | None = None


class ReassessRead(BaseModel):
    assessed: int
    raised: list[str]
    lowered: list[str]
