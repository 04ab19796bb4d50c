"""Double-entry ledger rules (pure): accounts, balanced entries, and the entries of
every money movement of an order.

A line's amount is signed: debit positive, credit negative. An entry's lines always
sum to zero. Entries are never updated or deleted; a mistake is undone by posting the
reversal (every line negated). Accounts:

    cash:provider:<p>        debit   money the payment provider holds for us
    escrow:order:<id>        credit  a customer's money held until the work is confirmed
    payable:technician:<id>  credit  what we owe a technician (paid out T+1)
    deferred:service_cards   credit  prepaid service-card money not yet earned
    revenue:commission       credit  platform share of completed orders
    revenue:cancellation_fee credit  platform share of cancellation fees
    expense:promotions       debit   coupons, points, member discounts the platform funds
    expense:compensation     debit   transfer compensation and goodwill paid to technicians
    expense:refunds          debit   refunds beyond what was still held
    payouts:sent             credit  money sent to technicians' bank accounts
    deposit:technician:<id>  credit  a technician's deposit (保证金) we hold (what it holds
                                     above the requirement he may take back to his payable)
    revenue:quality_deductions credit deposits taken for failed spot checks
    wallet:customer:<id>     credit  a customer's stored value (储值余额) we owe him

Liability accounts (escrow, payable, deferred) and provider cash must never go
negative in their normal direction: the service checks that with every posting. A
deposit may: a deduction larger than what is held leaves what he owes, and his next
top-up covers it first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from server.core.money import Money


class LedgerError(ValueError):
    def __init__(
        self, message: str, code: str = "ledger_invalid", details: dict | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


CREDIT_PREFIXES = (
    "escrow:",
    "payable:",
    "deferred:",
    "revenue:",
    "payouts:",
    "deposit:",
    "wallet:",
)
DEBIT_PREFIXES = ("cash:", "expense:")
GUARDED_PREFIXES = ("escrow:", "payable:", "deferred:", "cash:", "wallet:")
WALLET_PROVIDER = "wallet"  # an order paid from the balance names this as its provider

COMMISSION = "revenue:commission"
CANCELLATION_FEE = "revenue:cancellation_fee"
PROMOTIONS = "expense:promotions"
COMPENSATION = "expense:compensation"
REFUND_EXPENSE = "expense:refunds"
DEFERRED_CARDS = "deferred:service_cards"
PAYOUTS_SENT = "payouts:sent"
QUALITY_DEDUCTIONS = "revenue:quality_deductions"


def cash(provider: str) -> str:
    return f"cash:provider:{provider}"


def escrow(order_id: str) -> str:
    return f"escrow:order:{order_id}"


def payable(technician_id: str) -> str:
    return f"payable:technician:{technician_id}"


def deposit(technician_id: str) -> str:
    return f"deposit:technician:{technician_id}"


def wallet(customer_id: str) -> str:
    return f"wallet:customer:{customer_id}"


def funding(provider: str, customer_id: str | None = None) -> str:
    """Where a payment's money comes from, and a refund of it goes back to: the provider's
    cash, or for one paid from the balance the customer's wallet."""
    if provider == WALLET_PROVIDER:
        if not customer_id:
            raise LedgerError("a wallet payment needs its customer", "account_unknown")
        return wallet(customer_id)
    return cash(provider)


def refund_account(source: str) -> str:
    """A refund's destination: keys are provider names, or a wallet account's code."""
    return source if source.startswith("wallet:") else cash(source)


def normal_side(account: str) -> str:
    if account.startswith(CREDIT_PREFIXES):
        return "credit"
    if account.startswith(DEBIT_PREFIXES):
        return "debit"
    raise LedgerError(f"unknown account {account!r}", "account_unknown", {"account": account})


def natural(account: str, balance: Money) -> Money:
    """A debit-positive balance seen from the account's normal side."""
    return balance if normal_side(account) == "debit" else -balance


def is_guarded(account: str) -> bool:
    return account.startswith(GUARDED_PREFIXES)


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money  # debit positive, credit negative


def entry(*postings: tuple[str, Money]) -> tuple[Posting, ...]:
    """A balanced entry: zero lines dropped, same-account lines merged, sum checked."""
    merged: dict[str, Money] = {}
    for account, amount in postings:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise LedgerError("amounts are integer fen", "amount_not_integer", {"account": account})
        normal_side(account)
        merged[account] = merged.get(account, 0) + amount
    lines = tuple(Posting(a, m) for a, m in merged.items() if m != 0)
    check_balanced(lines)
    return lines


def check_balanced(lines: Iterable[Posting]) -> None:
    lines = list(lines)
    total = sum(p.amount for p in lines)
    if total != 0:
        raise LedgerError(
            "an entry's lines must sum to zero", "entry_unbalanced", {"difference": total}
        )
    if len(lines) == 1:
        raise LedgerError("an entry needs two sides", "entry_unbalanced")


def reversal(lines: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(Posting(p.account, -p.amount) for p in lines)


def net_by_account(lines: Iterable[Posting]) -> list[tuple[str, Money]]:
    """Each account's net change, in the accounts' order: the order their balances are
    updated in, so concurrent entries lock the same rows in the same order."""
    net: dict[str, Money] = {}
    for p in lines:
        net[p.account] = net.get(p.account, 0) + p.amount
    return sorted(net.items())


def violations(balances: Mapping[str, Money], lines: Iterable[Posting]) -> list[dict]:
    """Guarded accounts that the lines would take below zero (natural side)."""
    after = dict(balances)
    for p in lines:
        after[p.account] = after.get(p.account, 0) + p.amount
    return [
        {"account": a, "balance": natural(a, after[a])}
        for a in sorted({p.account for p in lines})
        if is_guarded(a) and natural(a, after[a]) < 0
    ]


def trial_balance(balances: Mapping[str, Money]) -> dict:
    """Per account debit/credit balance; the totals must match."""
    rows: list[dict[str, Any]] = []
    for account in sorted(balances):
        bal = balances[account]
        rows.append(
            {
                "account": account,
                "normal": normal_side(account),
                "debit": bal if bal > 0 else 0,
                "credit": -bal if bal < 0 else 0,
                "balance": bal,
            }
        )
    debit = sum(r["debit"] for r in rows)
    credit = sum(r["credit"] for r in rows)
    return {
        "accounts": rows,
        "total_debit": debit,
        "total_credit": credit,
        "difference": debit - credit,
    }


# --- the entries of an order's money ---------------------------------------------------


def payment_received(
    *, provider: str, order_id: str, amount: Money, customer_id: str | None = None
) -> tuple[Posting, ...]:
    """The order's money arrives in escrow, from a provider or from the customer's wallet."""
    return entry((funding(provider, customer_id), amount), (escrow(order_id), -amount))


def wallet_top_up(*, provider: str, customer_id: str, amount: Money) -> tuple[Posting, ...]:
    """Money in through a provider, owed back to the customer as his balance."""
    return entry((cash(provider), amount), (wallet(customer_id), -amount))


def card_purchase(*, provider: str, amount: Money) -> tuple[Posting, ...]:
    return entry((cash(provider), amount), (DEFERRED_CARDS, -amount))


def split(
    *,
    order_id: str,
    technician_id: str,
    held: Money,
    technician_share: Money,
    card_value: Money = 0,
) -> tuple[Posting, ...]:
    """Release what the order holds (plus the prepaid card value it used): the
    technician's share to their payable, the rest to platform revenue; when discounts
    make the platform's part negative, the platform funds it as a promotion cost."""
    platform = held + card_value - technician_share
    return entry(
        (escrow(order_id), held),
        (DEFERRED_CARDS, card_value),
        (payable(technician_id), -technician_share),
        (COMMISSION, -platform) if platform >= 0 else (PROMOTIONS, -platform),
    )


def cancellation(
    *,
    order_id: str,
    held: Money,
    fee: Money,
    refunds: Mapping[str, Money],
    technician_id: str | None,
    technician_part: Money,
) -> tuple[Posting, ...]:
    """Close a cancelled order: the fee stays (technician part by the split, the rest
    platform revenue), everything else goes back through the providers it came from."""
    if not 0 <= fee <= held:
        raise LedgerError(
            "the fee must be between 0 and what is held", "fee_invalid", {"fee": fee, "held": held}
        )
    if sum(refunds.values()) != held - fee:
        raise LedgerError("refunds must return what is held less the fee", "refund_mismatch")
    if technician_part and not technician_id:
        raise LedgerError("a technician part needs a technician", "fee_invalid")
    postings = [(escrow(order_id), held), (CANCELLATION_FEE, -(fee - technician_part))]
    postings += [(refund_account(source), -amount) for source, amount in refunds.items()]
    if technician_id and technician_part:
        postings.append((payable(technician_id), -technician_part))
    return entry(*postings)


def refund(
    *, order_id: str, refunds: Mapping[str, Money], from_escrow: Money
) -> tuple[Posting, ...]:
    """A refund comes out of what the order still holds; beyond that the platform pays it."""
    total = sum(refunds.values())
    if not 0 <= from_escrow <= total:
        raise LedgerError("escrow part out of range", "refund_mismatch")
    postings = [(escrow(order_id), from_escrow), (REFUND_EXPENSE, total - from_escrow)]
    postings += [(refund_account(source), -amount) for source, amount in refunds.items()]
    return entry(*postings)


def claw_back(*, order_id: str, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    """A complaint after the split: hold the technician's share again."""
    return entry((payable(technician_id), amount), (escrow(order_id), -amount))


def compensation(*, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    return entry((COMPENSATION, amount), (payable(technician_id), -amount))


def payout(*, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    return entry((payable(technician_id), amount), (PAYOUTS_SENT, -amount))


def deposit_paid(*, provider: str, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    """A technician tops up his deposit through a payment provider."""
    return entry((cash(provider), amount), (deposit(technician_id), -amount))


def deposit_deduction(*, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    """A failed spot check: the platform keeps ``amount`` of the technician's deposit."""
    if amount < 0:
        raise LedgerError("a deduction is not negative", "amount_invalid", {"amount": amount})
    return entry((deposit(technician_id), amount), (QUALITY_DEDUCTIONS, -amount))


def deposit_return(*, technician_id: str, amount: Money) -> tuple[Posting, ...]:
    """He takes back what his deposit holds above the requirement: it becomes what we owe
    him, paid out with his next payout."""
    if amount <= 0:
        raise LedgerError("a return is more than zero", "amount_invalid", {"amount": amount})
    return entry((deposit(technician_id), amount), (payable(technician_id), -amount))
