"""Transfers in the pure dispatch core: a handed-back order never goes back to the same
technician (eligibility, one decision, the batch), and frequent transfers cost priority
by a settable factor (scoring)."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from server.dispatch.eligibility import RejectionCode, check
from server.dispatch.engine import batch_matrix, decide
from server.dispatch.facts import JobFacts, TechnicianFacts, TechnicianStats, WeeklyWindow
from server.dispatch.geo import CircleArea, LatLng, RoadFactorTravelTime
from server.dispatch.scoring import score_candidate
from server.rules.dispatch import DispatchRules, ScoringPolicy

TRAVEL = RoadFactorTravelTime()
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
CENTER = LatLng(31.2304, 121.4737)


def point(km_n: float) -> LatLng:
    return LatLng(CENTER.lat + km_n / 111.195, CENTER.lng)


def tech(tid: str, km: float, **stats) -> TechnicianFacts:
    return TechnicianFacts(
        id=tid,
        skills=frozenset({"cleaning"}),
        service_areas=(CircleArea(CENTER, 30),),
        home=point(km),
        location=point(km),
        weekly=tuple(WeeklyWindow(d, time(7), time(22)) for d in range(7)),
        stats=TechnicianStats(active_jobs=1, **stats),
    )


JOB = JobFacts(
    id="ord-1",
    customer_id="cust-1",
    location=CENTER,
    start=NOW + timedelta(hours=2),
    end=NOW + timedelta(hours=4),
    required_skills=frozenset({"cleaning"}),
    price_fen=15_000,
)


# ----------------------------------------------------------------- never back to them


def test_the_technician_who_handed_the_order_back_is_not_eligible_for_it():
    near = tech("near", 0.5)
    handed = replace(JOB, handed_back_by=frozenset({"near"}))
    assert check(near, JOB, now=NOW, travel=TRAVEL) == []
    assert [r.code for r in check(near, handed, now=NOW, travel=TRAVEL)] == [
        RejectionCode.HANDED_BACK
    ]
    # only that order: another order is theirs to take, and others may take this one
    assert check(near, replace(JOB, id="ord-2"), now=NOW, travel=TRAVEL) == []
    assert check(tech("other", 3), handed, now=NOW, travel=TRAVEL) == []


def test_a_decision_never_picks_them_even_as_the_best_candidate():
    techs = {"near": tech("near", 0.2), "far": tech("far", 6)}
    assert decide(JOB, techs, now=NOW, travel=TRAVEL).best.technician_id == "near"
    after = decide(replace(JOB, handed_back_by=frozenset({"near"})), techs, now=NOW, travel=TRAVEL)
    assert [c.technician_id for c in after.ranked] == ["far"]
    assert [r.code for r in after.rejected["near"]] == [RejectionCode.HANDED_BACK]
    nobody = decide(
        replace(JOB, handed_back_by=frozenset({"near", "far"})), techs, now=NOW, travel=TRAVEL
    )
    assert nobody.best is None


def test_the_batch_matrix_marks_the_pair_infeasible():
    techs = {"near": tech("near", 0.2), "far": tech("far", 6)}
    jobs = [replace(JOB, handed_back_by=frozenset({"near"})), replace(JOB, id="ord-2")]
    m = batch_matrix(jobs, techs, now=NOW, travel=TRAVEL)
    near, far = m.technician_ids.index("near"), m.technician_ids.index("far")
    assert not m.feasible[0, near] and m.feasible[0, far]
    assert m.feasible[1, near]


# ----------------------------------------------------------------- frequent transfers


def score(t: TechnicianFacts, policy: ScoringPolicy | None = None):
    return score_candidate(
        t, distance_m=2_000.0, eta_s=None, now=NOW, policy=policy or ScoringPolicy()
    )


def test_transfer_rate_is_a_fact_of_the_window():
    assert TechnicianStats().transfer_rate is None
    assert TechnicianStats(
        orders_taken_recent=10, transfers_recent=3
    ).transfer_rate == pytest.approx(0.3)
    with pytest.raises(ValueError, match="transfers_recent"):
        TechnicianStats(orders_taken_recent=1, transfers_recent=2)
    with pytest.raises(ValueError, match="non-negative"):
        TechnicianStats(transfers_recent=-1)


def test_frequent_transfers_lower_priority_by_the_set_factor():
    clean = score(tech("a", 1, orders_taken_recent=20))
    frequent = score(tech("a", 1, orders_taken_recent=20, transfers_recent=4))  # 20 % > 10 %
    assert frequent.factors == {"frequent_transfers": 0.7}
    assert frequent.score == pytest.approx(clean.score * 0.7)
    assert any("transfers" in r for r in frequent.reasons)
    harsher = score(
        tech("a", 1, orders_taken_recent=20, transfers_recent=4), ScoringPolicy(transfer_factor=0.4)
    )
    assert harsher.score == pytest.approx(clean.score * 0.4)
    off = score(
        tech("a", 1, orders_taken_recent=20, transfers_recent=4), ScoringPolicy(transfer_factor=1.0)
    )
    assert off.factors == {} and off.score == pytest.approx(clean.score)


@pytest.mark.parametrize(
    ("taken", "transfers", "penalised"),
    [
        (20, 2, False),  # 10 %: at the threshold, not over it
        (20, 3, True),  # 15 %
        (5, 1, False),  # 20 %, but one transfer is not "frequent" (min count 2)
        (5, 2, True),
        (0, 0, False),
    ],
)
def test_threshold_and_minimum_count(taken, transfers, penalised):
    s = score(tech("a", 1, orders_taken_recent=taken, transfers_recent=transfers))
    assert ("frequent_transfers" in s.factors) is penalised


def test_the_ranking_moves_a_frequent_transferrer_down():
    steady = tech("steady", 1.0, orders_taken_recent=20)
    flaky = tech("flaky", 0.8, orders_taken_recent=20, transfers_recent=6)  # nearer, but 30 %
    ranked = decide(JOB, {"steady": steady, "flaky": flaky}, now=NOW, travel=TRAVEL).ranked
    assert [c.technician_id for c in ranked] == ["steady", "flaky"]
    lenient = ScoringPolicy(transfer_factor=1.0)
    ranked = decide(
        JOB, {"steady": steady, "flaky": flaky}, now=NOW, travel=TRAVEL, scoring=lenient
    ).ranked
    assert ranked[0].technician_id == "flaky"


def test_penalty_settings_are_validated():
    with pytest.raises(ValidationError):
        ScoringPolicy(transfer_factor=1.5)
    with pytest.raises(ValidationError):
        ScoringPolicy(transfer_rate_threshold=-0.1)
    with pytest.raises(ValidationError):
        ScoringPolicy(transfer_min_count=0)
    with pytest.raises(ValidationError):
        DispatchRules(transfer_window_days=0)
    assert DispatchRules().transfer_window_days == 30
