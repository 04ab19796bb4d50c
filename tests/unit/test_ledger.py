"""Ledger rules: every entry balances; any sequence of money moves on an order keeps
the trial balance at zero and no guarded account below zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.payments import ledger, policy
from server.payments.ledger import LedgerError
from server.rules.payments import PaymentRules


def apply(balances: dict[str, int], lines) -> None:  # noqa: ANN001
    assert not ledger.violations(balances, lines), ledger.violations(balances, lines)
    for p in lines:
        balances[p.account] = balances.get(p.account, 0) + p.amount


def test_entries_balance_or_are_refused():
    with pytest.raises(LedgerError):
        ledger.entry(("cash:provider:sandbox", 100), ("escrow:order:o", -99))
    with pytest.raises(LedgerError):
        ledger.entry(("nowhere:x", 100), ("escrow:order:o", -100))
    with pytest.raises(LedgerError):
        ledger.entry(("cash:provider:sandbox", 1.5), ("escrow:order:o", -1.5))
    lines = ledger.payment_received(provider="sandbox", order_id="o", amount=19000)
    assert sum(p.amount for p in lines) == 0
    assert ledger.reversal(lines)[0].amount == -lines[0].amount


def test_split_15_85_and_level_override():
    rules = PaymentRules()
    share = policy.technician_share(
        gross=19000, paid=19000, held=19000, commission=policy.commission_bp(rules, "B")
    )
    assert share == 16150
    assert (
        policy.technician_share(
            gross=19000, paid=19000, held=19000, commission=policy.commission_bp(rules, "S")
        )
        == 17100
    )  # S keeps 90%
    lines = ledger.split(
        order_id="o", technician_id="t", held=14000, technician_share=16150
    )  # coupon 50 off
    amounts = {p.account: p.amount for p in lines}
    assert amounts["expense:promotions"] == 2150 and "revenue:commission" not in amounts


@pytest.mark.parametrize(
    "hours, bp", [(48, 0), (24, 0), (23.9, 1000), (2, 1000), (1.99, 3000), (0.1, 3000), (-1, 3000)]
)
def test_cancellation_bands(hours, bp):
    now = datetime(2026, 6, 1, tzinfo=UTC)
    q = policy.cancellation_fee(
        now=now, scheduled_start=now + timedelta(hours=hours), held=10000, rules=PaymentRules()
    )
    assert (q.fee_bp, q.fee, q.refund) == (bp, 10000 * bp // 10000, 10000 - 10000 * bp // 10000)
    staff = policy.cancellation_fee(
        now=now,
        scheduled_start=now + timedelta(hours=hours),
        held=10000,
        rules=PaymentRules(),
        by_customer=False,
    )
    assert staff.fee == 0


ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "pay",
                "extras",
                "refund",
                "freeze",
                "unfreeze",
                "confirm",
                "cancel",
                "payout",
                "compensate",
            ]
        ),
        st.integers(1, 30000),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(
    ops=ops,
    total=st.integers(0, 300000),
    discount=st.integers(0, 20000),
    commission=st.integers(0, 10000),
)
def test_any_sequence_keeps_books_balanced(ops, total, discount, commission):
    """A model of one order's money driven by the same rules the service uses."""
    b: dict[str, int] = {}
    order, tech = "o", "t"
    paid = refunded = 0
    state, frozen, clawed = "unpaid", False, 0
    share = 0

    def held() -> int:
        return ledger.natural(ledger.escrow(order), b.get(ledger.escrow(order), 0))

    def tech_balance() -> int:
        return ledger.natural(ledger.payable(tech), b.get(ledger.payable(tech), 0))

    for op, amount in ops:
        if op == "pay" and state == "unpaid":
            apply(b, ledger.payment_received(provider="sandbox", order_id=order, amount=total))
            paid, state = total, "open"
        elif op == "extras" and state == "open":
            apply(b, ledger.payment_received(provider="sandbox", order_id=order, amount=amount))
            paid += amount
        elif op == "refund" and state in ("open", "released") and paid - refunded > 0:
            amount = min(amount, paid - refunded)
            from_escrow = min(amount, held())
            apply(
                b,
                ledger.refund(order_id=order, refunds={"sandbox": amount}, from_escrow=from_escrow),
            )
            refunded += amount
            clawed = min(clawed, held())
        elif op == "freeze" and not frozen and state in ("open", "released"):
            if state == "released":
                clawed = min(share, tech_balance())
                if clawed:
                    apply(b, ledger.claw_back(order_id=order, technician_id=tech, amount=clawed))
            frozen = True
        elif op == "unfreeze" and frozen:
            back = min(clawed, held())
            if back:
                apply(
                    b,
                    ledger.reversal(
                        ledger.claw_back(order_id=order, technician_id=tech, amount=back)
                    ),
                )
            frozen, clawed = False, 0
        elif op == "confirm" and state == "open" and not frozen:
            h = held()
            share = (
                policy.technician_share(
                    gross=total + discount + (paid - total),
                    paid=paid,
                    held=h,
                    commission=commission,
                )
                if h
                else 0
            )
            apply(
                b, ledger.split(order_id=order, technician_id=tech, held=h, technician_share=share)
            )
            state = "released"
        elif op == "cancel" and state in ("unpaid", "open") and not frozen:
            h = held()
            fee = min(h, amount)
            part = policy.fee_technician_part(fee, commission, True)
            if h:
                apply(
                    b,
                    ledger.cancellation(
                        order_id=order,
                        held=h,
                        fee=fee,
                        refunds={"sandbox": h - fee} if h > fee else {},
                        technician_id=tech,
                        technician_part=part,
                    ),
                )
            state = "cancelled"
        elif op == "payout":
            available = tech_balance()
            if available:
                apply(b, ledger.payout(technician_id=tech, amount=min(amount, available)))
        elif op == "compensate":
            apply(b, ledger.compensation(technician_id=tech, amount=amount))
        tb = ledger.trial_balance(b)
        assert tb["difference"] == 0 and sum(b.values()) == 0
        for account, value in b.items():
            if ledger.is_guarded(account):
                assert ledger.natural(account, value) >= 0, (account, value)
    assert refunded <= paid


@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["cash:sandbox", "escrow:o1", "payable:t1", "revenue:commission"]),
            st.integers(-10_000, 10_000),
        ),
        max_size=8,
    )
)
def test_net_by_account_keeps_each_accounts_sum_in_one_order(lines: list[tuple[str, int]]) -> None:
    postings = [ledger.Posting(account, amount) for account, amount in lines]
    net = ledger.net_by_account(postings)
    assert [account for account, _ in net] == sorted({account for account, _ in lines})
    for account, amount in net:
        assert amount == sum(a for acc, a in lines if acc == account)
