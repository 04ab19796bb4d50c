"""A customer's stored value (储值余额): topped up through a payment provider (the
provider's webhook credits it), spent on orders from the pay endpoint (``checkout``),
refilled by refunds of what it paid. The balance is a liability in the ledger,
``wallet:customer:<id>``: what we owe the customer. Its limits are payment rules."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import col, select

from server.auth.models import User
from server.core.errors import Conflict, Unprocessable
from server.core.money import MAX_AMOUNT, Money
from server.core.uow import UnitOfWork
from server.payments import ledger
from server.payments.checkout import create_wallet_top_up
from server.payments.common import current_rules
from server.payments.journal import account_lines, balance
from server.payments.models import Payment, PaymentCreate


class WalletTopUpIn(BaseModel):
    amount: int = PField(ge=1, le=MAX_AMOUNT, description="fen")
    provider: str = PField(default="sandbox", max_length=20)
    method: str = PField(default="wechat", max_length=20)


class WalletLineRead(BaseModel):
    entry_id: str
    kind: str  # top_up | payment | refund | family_payment | family_refund | other
    amount: int  # signed: + into the balance, - out of it
    order_id: str | None
    at: datetime


class StoredValueRead(BaseModel):
    customer_id: str
    balance: int
    max_balance: int
    min_top_up: int
    top_up_presets: list[int]
    history: list[WalletLineRead]


# --- pure ---------------------------------------------------------------------------------

# The journal's entry kinds, as the customer reads them.
HISTORY_KINDS = {
    "wallet_top_up": "top_up",
    "payment": "payment",
    "refund": "refund",
    "cancellation": "refund",
}


def history_kind(entry_kind: str, *, family: bool = False) -> str:
    """The customer's word for a line; a family member's order paid from (or refunded
    to) the main account's wallet is ``family_payment`` / ``family_refund``."""
    kind = HISTORY_KINDS.get(entry_kind, "other")
    if family and kind in ("payment", "refund"):
        return f"family_{kind}"
    return kind


def _members_orders(uow: UnitOfWork, owner_id: str) -> set[str]:
    """The orders of family members paid from ``owner_id``'s wallet: their lines show
    without the order, which stays the member's own."""
    rows = uow.session.exec(
        select(Payment.order_id).where(
            Payment.wallet_owner_id == owner_id, col(Payment.order_id).is_not(None)
        )
    ).all()
    return {order_id for order_id in rows if order_id}


def top_up_refusal(
    *, balance: Money, amount: Money, min_top_up: Money, max_balance: Money
) -> tuple[str, dict] | None:
    """Why a top-up of ``amount`` is refused (its error code and details), or None."""
    if amount < min_top_up:
        return "wallet_top_up_too_small", {"min_top_up": min_top_up, "amount": amount}
    if balance + amount > max_balance:
        room = max(max_balance - balance, 0)
        details = {"balance": balance, "max_balance": max_balance, "room": room}
        return "wallet_limit_exceeded", details
    return None


# --- use cases ------------------------------------------------------------------------------


def top_up(uow: UnitOfWork, *, user: User, body: WalletTopUpIn) -> Payment:
    """Open a checkout for a top-up within the limits; nothing is credited until the
    provider's webhook says the money arrived."""
    rules = current_rules(uow).payments
    if body.provider == ledger.WALLET_PROVIDER:
        raise Unprocessable(
            "a top-up is paid through a payment provider",
            code="provider_unknown",
            details={"provider": body.provider},
        )
    refusal = top_up_refusal(
        balance=balance(uow.session, ledger.wallet(user.id)),
        amount=body.amount,
        min_top_up=rules.wallet_min_top_up,
        max_balance=rules.wallet_max_balance,
    )
    if refusal is not None:
        code, details = refusal
        error = Unprocessable if code == "wallet_top_up_too_small" else Conflict
        raise error("this top-up is outside the wallet's limits", code=code, details=details)
    # The limits above govern top-ups; the large-payment confirmation is for orders.
    pay = PaymentCreate(provider=body.provider, method=body.method, confirm_large=True)
    return create_wallet_top_up(uow, customer_id=user.id, amount=body.amount, body=pay)


def stored_value(uow: UnitOfWork, *, user: User, limit: int = 100) -> StoredValueRead:
    """The caller's own balance, limits and latest movements (newest first)."""
    rules = current_rules(uow).payments
    account = ledger.wallet(user.id)
    members_orders = _members_orders(uow, user.id)
    return StoredValueRead(
        customer_id=user.id,
        balance=balance(uow.session, account),
        max_balance=rules.wallet_max_balance,
        min_top_up=rules.wallet_min_top_up,
        top_up_presets=list(rules.wallet_top_up_presets),
        history=[
            WalletLineRead(
                entry_id=line["entry_id"],
                kind=history_kind(line["kind"], family=line["order_id"] in members_orders),
                amount=line["amount"],
                order_id=None if line["order_id"] in members_orders else line["order_id"],
                at=line["at"],
            )
            for line in account_lines(uow, account=account, limit=limit)
        ],
    )
