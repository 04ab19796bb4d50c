"""Money tables: the ledger, payments, escrow, refunds, payouts, invoices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column
from server.core.money import MAX_AMOUNT


class LedgerAccount(SQLModel, table=True):
    """Running balance per account (debit positive), kept with every posting."""

    __tablename__ = "ledger_account"

    code: str = Field(primary_key=True, max_length=100)
    normal: str = Field(max_length=6)  # debit | credit
    balance: int = 0


class JournalEntry(SQLModel, table=True):
    """Never updated or deleted. ``dedupe_key`` books each business event once."""

    __tablename__ = "journal_entry"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=30, index=True)
    dedupe_key: str = Field(unique=True, max_length=160)
    order_id: str | None = Field(default=None, max_length=40, index=True)
    memo: str = Field(default="", max_length=200)
    reverses_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(index=True)


class JournalLine(SQLModel, table=True):
    __tablename__ = "journal_line"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="journal_entry.id", index=True)
    account: str = Field(max_length=100, index=True)
    amount: int  # debit positive, credit negative
    order_id: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(index=True)


class Payment(SQLModel, table=True):
    __tablename__ = "payment"

    id: str = Field(primary_key=True, max_length=40)
    purpose: str = Field(max_length=20)  # order | extras | service_card | deposit | wallet_top_up
    order_id: str | None = Field(default=None, max_length=40, index=True)
    card_id: str | None = Field(default=None, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    provider: str = Field(max_length=20)
    method: str = Field(max_length=20)
    amount: int
    refunded: int = 0
    currency: str = "CNY"
    status: str = Field(
        default="pending", max_length=20, index=True
    )  # pending | succeeded | failed | cancelled
    provider_ref: str | None = Field(default=None, max_length=80, index=True)
    checkout: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    failure_reason: str | None = None
    late: bool = False  # succeeded after its order was cancelled: refunded at once
    # Paid from a family main account's wallet: whose (the payer is still customer_id).
    wallet_owner_id: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime
    updated_at: datetime
    succeeded_at: datetime | None = None


class WebhookEvent(SQLModel, table=True):
    """Every provider event handled, once: the unique key drops duplicates."""

    __tablename__ = "webhook_event"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_webhook_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=100)
    type: str = Field(max_length=40)
    payment_id: str | None = Field(default=None, max_length=40)
    outcome: str = Field(max_length=40)
    received_at: datetime


class SandboxCharge(SQLModel, table=True):
    """The sandbox provider's own book of charges (what a real PSP keeps on its side)."""

    __tablename__ = "sandbox_charge"

    ref: str = Field(primary_key=True, max_length=80)
    payment_id: str = Field(max_length=40, index=True)
    amount: int
    refunded: int = 0
    status: str = Field(default="pending", max_length=20)  # pending | succeeded | failed
    created_at: datetime


class Escrow(SQLModel, table=True):
    """The money an order holds; its balance is the ledger's escrow account."""

    __tablename__ = "escrow"

    order_id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(max_length=40, index=True)
    paid: int = 0  # everything paid into it (order + extras)
    extras_paid: int = 0
    refunded: int = 0
    # open -> released (split booked) | cancelled; ``frozen`` while a complaint runs
    state: str = Field(default="open", max_length=20, index=True)
    frozen: bool = Field(default=False, index=True)
    frozen_reason: str | None = None
    frozen_at: datetime | None = None
    clawed_back: int = 0  # technician share held again by a complaint after the split
    technician_id: str | None = Field(default=None, max_length=40)
    technician_share: int = 0
    platform_share: int = 0
    cancellation_fee: int = 0
    released_at: datetime | None = None
    awaiting_since: datetime | None = Field(
        default=None, index=True
    )  # finished, waiting for confirmation
    version: int = 1


class Refund(SQLModel, table=True):
    __tablename__ = "refund"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(max_length=40, index=True)
    payment_id: str = Field(max_length=40, index=True)
    amount: int
    reason: str = Field(max_length=200)
    status: str = Field(max_length=20)  # succeeded | failed
    provider_ref: str | None = Field(default=None, max_length=80)
    created_at: datetime


class PayoutBatch(SQLModel, table=True):
    __tablename__ = "payout_batch"

    id: str = Field(primary_key=True, max_length=40)
    cutoff: datetime
    total: int
    lines_count: int
    created_by: str | None = Field(default=None, max_length=40)
    created_at: datetime
    # The local day of a scheduled batch (None for one run by hand): one a day, so a
    # second scheduled run that day, on any worker, books nothing.
    scheduled_for: date | None = Field(default=None, index=True, unique=True)


class PayoutLine(SQLModel, table=True):
    __tablename__ = "payout_line"
    __table_args__ = (UniqueConstraint("batch_id", "technician_id", name="uq_payout_line"),)

    id: str = Field(primary_key=True, max_length=40)
    batch_id: str = Field(foreign_key="payout_batch.id", index=True)
    technician_id: str = Field(max_length=40, index=True)
    amount: int
    entry_id: str = Field(max_length=40)
    created_at: datetime


class Withdrawal(SQLModel, table=True):
    __tablename__ = "withdrawal"

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(max_length=40, index=True)
    amount: int
    bank_account_enc: str
    bank_account_masked: str = Field(max_length=40)
    status: str = Field(default="sent", max_length=20)  # sent (T+1 at the bank)
    entry_id: str = Field(max_length=40)
    created_at: datetime


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"

    id: str = Field(primary_key=True, max_length=40)
    number: str = Field(unique=True, max_length=40)
    order_id: str = Field(unique=True, max_length=40)
    customer_id: str = Field(max_length=40, index=True)
    title: str = Field(max_length=100)
    tax_id: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=120)
    amount: int
    tax_amount: int
    tax_rate_bp: int | None = None  # the rate it was issued at (None: issued before it was kept)
    file_id: str | None = Field(default=None, max_length=40)  # None until the PDF is filed
    created_at: datetime


# --- API schemas -----------------------------------------------------------------------


class PaymentCreate(BaseModel):
    provider: str = PField(default="sandbox", max_length=20)
    method: str = PField(default="wechat", max_length=20)
    amount: int | None = PField(
        default=None, ge=0, le=MAX_AMOUNT, description="the amount the customer saw"
    )
    confirm_large: bool = False
    family: bool = False  # with provider "wallet": from the family main account's wallet


class PaymentRead(BaseModel):
    payment_id: str
    purpose: str
    order_id: str | None
    card_id: str | None
    provider: str
    method: str
    amount: int
    refunded: int
    currency: str
    status: str
    checkout: dict[str, Any]
    created_at: datetime
    succeeded_at: datetime | None


class SandboxSettleRead(BaseModel):
    """The sandbox's approve/fail reply: the payment as settled and each webhook's outcome."""

    payment: PaymentRead
    webhook_outcomes: list[str]


class WebhookAck(BaseModel):
    received: bool
    outcome: str


class CancellationQuoteRead(BaseModel):
    order_id: str
    status: str
    cancellable: bool
    hours_before: float
    fee_bp: int
    fee: int
    refund: int
    paid: int


class EscrowRead(BaseModel):
    order_id: str
    state: str
    frozen: bool
    frozen_reason: str | None
    paid: int
    extras_paid: int
    held: int
    refunded: int
    technician_share: int
    platform_share: int
    cancellation_fee: int
    clawed_back: int


class TrialBalanceRow(BaseModel):
    account: str
    normal: str
    debit: int
    credit: int
    balance: int


class TrialBalanceRead(BaseModel):
    accounts: list[TrialBalanceRow]
    total_debit: int
    total_credit: int
    difference: int


class JournalLineRead(BaseModel):
    account: str
    amount: int


class JournalEntryRead(BaseModel):
    id: str
    kind: str
    order_id: str | None
    memo: str
    reverses_id: str | None
    created_at: datetime
    lines: list[JournalLineRead]


class PayoutLineRead(BaseModel):
    technician_id: str
    amount: int


class PayoutBatchRead(BaseModel):
    id: str
    cutoff: datetime
    total: int
    lines_count: int
    created_at: datetime
    scheduled_for: date | None = None  # the local day of a scheduled batch; None: run by hand
    lines: list[PayoutLineRead]


class WithdrawalIn(BaseModel):
    amount: int = PField(gt=0, le=1_000_000_000)
    bank_account: str = PField(min_length=8, max_length=34, pattern=r"^[0-9A-Za-z ]+$")
    bank_name: str = PField(default="", max_length=60)


class WithdrawalRead(BaseModel):
    id: str
    amount: int
    bank_account_masked: str
    status: str
    created_at: datetime


class EarningOrder(BaseModel):
    order_id: str | None
    kind: str
    amount: int
    at: datetime
    memo: str
    # the job's service in Chinese, so the statement and its charts can name it
    service_name_zh: str | None = None


class EarningsRead(BaseModel):
    technician_id: str
    period_from: datetime
    period_to: datetime
    earned: int
    paid_out: int
    balance: int
    available: int
    lines: list[EarningOrder]
    payouts: list[dict[str, Any]]


class InvoiceIn(BaseModel):
    title: str = PField(min_length=1, max_length=100)
    tax_id: str | None = PField(default=None, min_length=15, max_length=20, pattern=r"^[0-9A-Z]+$")
    email: str | None = PField(default=None, max_length=120, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvoiceRead(BaseModel):
    id: str
    number: str
    order_id: str
    title: str
    tax_id: str | None
    email: str | None
    amount: int
    tax_amount: int
    file_id: str | None = PField(description="None while the PDF is being made; pushed when ready")
    file_url: str | None
    created_at: datetime
