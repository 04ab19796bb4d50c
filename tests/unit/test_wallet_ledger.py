"""储值余额 in the ledger (pure): top-ups, payments from the balance, cancellations and
refunds keep every entry balanced, the trial balance at zero and the wallet (a guarded
liability) never below zero; the customer's history words and the top-up limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.payments import ledger
from server.payments.ledger import LedgerError
from server.payments.wallet import history_kind, top_up_refusal
from server.rules.payments import PaymentRules

CUSTOMER = "usr_c"
WALLET = ledger.wallet(CUSTOMER)


def apply(balances: dict[str, int], lines) -> bool:  # noqa: ANN001
    """Book the lines unless they take a guarded account below zero (as ``post`` refuses)."""
    if ledger.violations(balances, lines):
        return False
    for p in lines:
        balances[p.account] = balances.get(p.account, 0) + p.amount
    return True


def test_the_wallet_is_a_guarded_liability_and_funds_wallet_payments():
    assert ledger.normal_side(WALLET) == "credit" and ledger.is_guarded(WALLET)
    assert ledger.funding("wallet", CUSTOMER) == WALLET
    assert ledger.funding("sandbox", CUSTOMER) == "cash:provider:sandbox"
    with pytest.raises(LedgerError):
        ledger.funding("wallet", None)
    assert ledger.refund_account(WALLET) == WALLET
    assert ledger.refund_account("sandbox") == "cash:provider:sandbox"
    lines = ledger.payment_received(provider="wallet", order_id="o", amount=500, customer_id="x")
    assert {p.account: p.amount for p in lines} == {
        "wallet:customer:x": 500,
        "escrow:order:o": -500,
    }
    # spending more than the balance is refused by the guard
    spend = ledger.payment_received(
        provider="wallet", order_id="o", amount=200, customer_id=CUSTOMER
    )
    assert ledger.violations({WALLET: -100}, spend) == [{"account": WALLET, "balance": -100}]


moves = st.lists(
    st.tuples(
        st.sampled_from(["top_up", "pay", "cancel", "refund"]),
        st.integers(min_value=1, max_value=60_000),
        st.integers(min_value=0, max_value=3),  # which order
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(moves)
def test_any_sequence_of_wallet_moves_keeps_the_books_balanced(sequence):
    balances: dict[str, int] = {}
    wallet_paid: dict[str, int] = {}  # what each order holds from the wallet
    expected_wallet = 0
    for move, amount, n in sequence:
        order = f"o{n}"
        if move == "top_up":
            lines = ledger.wallet_top_up(provider="sandbox", customer_id=CUSTOMER, amount=amount)
            assert apply(balances, lines)
            expected_wallet += amount
        elif move == "pay":
            lines = ledger.payment_received(
                provider="wallet", order_id=order, amount=amount, customer_id=CUSTOMER
            )
            if apply(balances, lines):
                expected_wallet -= amount
                wallet_paid[order] = wallet_paid.get(order, 0) + amount
            else:
                assert amount > expected_wallet  # refused only when the balance is short
        elif move == "cancel" and wallet_paid.get(order):
            held = wallet_paid.pop(order)
            fee = min(amount, held)
            lines = ledger.cancellation(
                order_id=order,
                held=held,
                fee=fee,
                refunds={WALLET: held - fee} if held > fee else {},
                technician_id=None,
                technician_part=0,
            )
            assert apply(balances, lines)
            expected_wallet += held - fee
        elif move == "refund" and wallet_paid.get(order):
            part = min(amount, wallet_paid[order])
            lines = ledger.refund(order_id=order, refunds={WALLET: part}, from_escrow=part)
            assert apply(balances, lines)
            wallet_paid[order] -= part
            expected_wallet += part
        assert ledger.trial_balance(balances)["difference"] == 0
        assert ledger.natural(WALLET, balances.get(WALLET, 0)) == expected_wallet >= 0
        for o, held in wallet_paid.items():
            assert ledger.natural(ledger.escrow(o), balances.get(ledger.escrow(o), 0)) == held


def test_history_words():
    assert history_kind("wallet_top_up") == "top_up"
    assert history_kind("payment") == "payment"
    assert history_kind("cancellation") == history_kind("refund") == "refund"
    assert history_kind("split") == "other"


def test_top_up_limits():
    rules = PaymentRules()
    limits = {"min_top_up": rules.wallet_min_top_up, "max_balance": rules.wallet_max_balance}
    assert rules.wallet_max_balance == 500_000  # 5000 CNY
    assert top_up_refusal(balance=0, amount=10000, **limits) is None
    assert top_up_refusal(balance=0, amount=999, **limits)[0] == "wallet_top_up_too_small"
    assert top_up_refusal(balance=490_000, amount=10000, **limits) is None
    code, details = top_up_refusal(balance=490_000, amount=10001, **limits)
    assert code == "wallet_limit_exceeded" and details["room"] == 10000
    # a balance already over a lowered limit: no room, never negative
    assert top_up_refusal(balance=600_000, amount=1000, **limits)[1]["room"] == 0


def test_presets_must_lie_within_the_limits():
    with pytest.raises(ValueError):
        PaymentRules(wallet_max_balance=10000, wallet_top_up_presets=[20000])
    with pytest.raises(ValueError):
        PaymentRules(wallet_min_top_up=5000, wallet_top_up_presets=[1000])
