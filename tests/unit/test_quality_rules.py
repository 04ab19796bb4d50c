"""The pure cores of quality control: which finished orders are sampled and who checks
them, the deposit rule (standing, requirement, cap, top-ups) and the deposit's ledger
entries, which keep the trial balance at zero whatever happens to a deposit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.payments import ledger
from server.quality import deposit_rule as rule
from server.quality import sampling
from server.rules.quality import DepositRules, QualityRules

IDS = [f"ord_{i:05d}" for i in range(4000)]


def test_the_draw_is_fixed_by_the_seed():
    first = [sampling.sampled("seed-a", i, 500) for i in IDS[:200]]
    assert first == [sampling.sampled("seed-a", i, 500) for i in IDS[:200]]
    assert first != [sampling.sampled("seed-b", i, 500) for i in IDS[:200]]
    assert all(0 <= sampling.draw("seed-a", i) < 10_000 for i in IDS[:200])


def test_five_percent_of_orders_are_sampled():
    picked = sum(sampling.sampled("seed-a", i, 500) for i in IDS)
    # binomial(4000, 0.05): mean 200, sd ~13.8
    assert 150 <= picked <= 250


@given(
    seed=st.text(min_size=1, max_size=20),
    order_id=st.text(min_size=1, max_size=30),
    low=st.integers(0, 10_000),
    high=st.integers(0, 10_000),
)
def test_a_higher_rate_samples_every_order_a_lower_one_does(seed, order_id, low, high):
    low, high = min(low, high), max(low, high)
    if sampling.sampled(seed, order_id, low):
        assert sampling.sampled(seed, order_id, high)
    assert not sampling.sampled(seed, order_id, 0)
    assert sampling.sampled(seed, order_id, 10_000)


def test_the_least_busy_inspector_takes_the_check():
    assert sampling.pick_inspector({}) is None
    assert sampling.pick_inspector({"usr_b": 2, "usr_a": 3, "usr_c": 2}) == "usr_b"
    assert sampling.pick_inspector({"usr_z": 0}) == "usr_z"


def test_standing_needs_enough_orders_and_a_rate_over_the_limit():
    assert rule.standing(3, 4, raise_above_bp=500, min_orders=5) == rule.Standing(3, 4, None, False)
    assert rule.standing(1, 20, raise_above_bp=500, min_orders=5).raised is False  # 5 %: not over
    over = rule.standing(2, 20, raise_above_bp=500, min_orders=5)
    assert over.raised and over.rate_bp == 1000
    assert rule.standing(0, 0, raise_above_bp=0, min_orders=1).raised is False


@given(
    complaints=st.integers(0, 500),
    orders=st.integers(0, 500),
    limit=st.integers(0, 10_000),
    min_orders=st.integers(1, 50),
)
def test_raised_exactly_when_the_rate_passes_the_limit(complaints, orders, limit, min_orders):
    s = rule.standing(complaints, orders, raise_above_bp=limit, min_orders=min_orders)
    judged = orders >= min_orders
    assert (s.rate_bp is not None) == judged
    assert s.raised == (judged and complaints / orders > limit / 10_000)


def test_requirement_shortfall_and_cap():
    rules = DepositRules()
    assert rule.required(False, base_fen=rules.base_fen, raised_fen=rules.raised_fen) == 200_000
    assert rule.required(True, base_fen=rules.base_fen, raised_fen=rules.raised_fen) == 500_000
    assert rule.shortfall(200_000, 250_000) == 0
    assert rule.shortfall(200_000, -20_000) == 220_000  # what a deduction took beyond it too
    assert rule.capped(True, 500_000, 499_999) and not rule.capped(True, 500_000, 500_000)
    assert not rule.capped(False, 200_000, 0)  # the base deposit missing caps nothing


def test_a_top_up_is_what_is_missing_at_most():
    assert rule.top_up_amount(None, 30_000) == 30_000
    assert rule.top_up_amount(10_000, 30_000) == 10_000
    for asked, short, code in (
        (None, 0, "deposit_complete"),
        (0, 10, "top_up_invalid"),
        (11, 10, "top_up_too_large"),
    ):
        with pytest.raises(rule.DepositError) as refused:
            rule.top_up_amount(asked, short)
        assert refused.value.code == code


def test_the_rules_refuse_a_raised_deposit_below_the_base():
    with pytest.raises(ValueError):
        DepositRules(base_fen=500_000, raised_fen=200_000)
    with pytest.raises(ValueError):
        QualityRules.model_validate({"sampling_rate_bp": 10_001})
    with pytest.raises(ValueError):
        QualityRules.model_validate({"deposit": {"misspelt": 1}})


MOVES = st.lists(
    st.tuples(st.sampled_from(["top_up", "deduct"]), st.integers(1, 1_000_000)), max_size=30
)


@given(moves=MOVES, base=st.integers(0, 1_000_000), extra=st.integers(0, 1_000_000))
def test_any_top_ups_and_deductions_keep_the_ledger_balanced(moves, base, extra):
    """Whatever is paid in and taken: every entry balances, the trial balance stays at
    zero, the deposit is what went in less what was taken, provider cash never goes
    negative, and the shortfall is what the requirement still lacks."""
    tid = "usr_t"
    balances: dict[str, int] = {}
    paid = taken = 0
    for kind, amount in moves:
        if kind == "top_up":
            lines = ledger.deposit_paid(provider="sandbox", technician_id=tid, amount=amount)
            paid += amount
        else:
            lines = ledger.deposit_deduction(technician_id=tid, amount=amount)
            taken += amount
        assert sum(p.amount for p in lines) == 0
        assert not ledger.violations(balances, lines)  # a deposit may be owed; cash never <0
        for p in lines:
            balances[p.account] = balances.get(p.account, 0) + p.amount
    assert sum(balances.values()) == 0
    assert ledger.trial_balance(balances)["difference"] == 0
    held = ledger.natural(ledger.deposit(tid), balances.get(ledger.deposit(tid), 0))
    assert held == paid - taken
    assert (
        ledger.natural(ledger.QUALITY_DEDUCTIONS, balances.get(ledger.QUALITY_DEDUCTIONS, 0))
        == taken
    )
    required = base + extra
    assert rule.shortfall(required, held) == max(0, required - paid + taken)


def test_a_deduction_is_never_negative():
    with pytest.raises(ledger.LedgerError):
        ledger.deposit_deduction(technician_id="usr_t", amount=-1)
    assert ledger.deposit_deduction(technician_id="usr_t", amount=0) == ()


def test_a_return_is_what_is_held_above_the_requirement_at_most():
    assert rule.returnable(200_000, 500_000) == 300_000
    assert rule.returnable(500_000, 200_000) == 0
    assert rule.returnable(200_000, -20_000) == 0  # owed: nothing to return
    assert rule.return_amount(None, 300_000) == 300_000
    assert rule.return_amount(100_000, 300_000) == 100_000
    for asked, returnable, code in (
        (0, 10, "return_invalid"),
        (-5, 10, "return_invalid"),
        (11, 10, "deposit_not_returnable"),
        (None, 0, "deposit_not_returnable"),
        (1, 0, "deposit_not_returnable"),
    ):
        with pytest.raises(rule.DepositError) as refused:
            rule.return_amount(asked, returnable)
        assert refused.value.code == code
    with pytest.raises(rule.DepositError) as refused:
        rule.return_amount(11, 10)
    assert refused.value.details["returnable"] == 10


@given(
    required=st.integers(0, 1_000_000),
    held=st.integers(-1_000_000, 2_000_000),
    asked=st.none() | st.integers(-10, 2_000_000),
)
def test_a_return_never_leaves_the_deposit_below_the_requirement(required, held, asked):
    """Whatever is asked: a return granted leaves at least what is required, its entry
    balances and moves exactly the amount from the deposit to what we owe him."""
    tid = "usr_t"
    try:
        amount = rule.return_amount(asked, rule.returnable(required, held))
    except rule.DepositError:
        assert asked is not None and asked <= 0 or held - required < (asked or 1)
        return
    assert 0 < amount <= held - required
    assert held - amount >= required
    lines = ledger.deposit_return(technician_id=tid, amount=amount)
    assert sum(p.amount for p in lines) == 0
    moved = {p.account: ledger.natural(p.account, p.amount) for p in lines}
    assert moved == {ledger.deposit(tid): -amount, ledger.payable(tid): amount}
