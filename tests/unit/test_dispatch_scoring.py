from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from server.dispatch.facts import Level, Rating, TechnicianFacts, TechnicianStats
from server.dispatch.scoring import (
    rank,
    recency_weighted_rating,
    score_candidate,
)
from server.rules.dispatch import DispatchWeights, ScoringPolicy

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
TECH = TechnicianFacts(id="t", stats=TechnicianStats(active_jobs=1))


def score(tech=TECH, d=2_000.0, weights=None, policy=None):
    kwargs = {}
    if weights is not None:
        kwargs["weights"] = weights
    if policy is not None:
        kwargs["policy"] = policy
    return score_candidate(tech, distance_m=d, eta_s=None, now=NOW, **kwargs)


def with_stats(**kw) -> TechnicianFacts:
    return replace(TECH, stats=replace(TECH.stats, **kw))


# ----------------------------------------------------------------- weights


def test_default_weights_follow_the_brief():
    w = DispatchWeights()
    assert w.proximity == 0.40 and w.rating == 0.30
    assert sum(w.normalized().values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"proximity": -0.1},
        {"proximity": 0, "rating": 0, "level": 0, "fairness": 0, "acceptance": 0},
        {"speed": 1.0},
    ],
    ids=["negative", "all-zero", "unknown-field"],
)
def test_invalid_weights_are_refused(kwargs):
    with pytest.raises(ValidationError):
        DispatchWeights(**kwargs)


def test_weights_are_shares_not_absolutes():
    a = score(weights=DispatchWeights(proximity=4, rating=3, level=1, fairness=1, acceptance=1))
    b = score(weights=DispatchWeights())
    assert a.score == pytest.approx(b.score)


def test_policy_validation():
    with pytest.raises(ValidationError):
        ScoringPolicy(good_rate_factor=1.5)
    with pytest.raises(ValidationError):
        ScoringPolicy(level_values={Level.S: 1.0})


# ----------------------------------------------------------------- features


def test_proximity_only_weights_rank_by_distance():
    w = DispatchWeights(proximity=1, rating=0, level=0, fairness=0, acceptance=0)
    assert score(d=500, weights=w).score > score(d=5_000, weights=w).score
    assert score(d=0, weights=w).features["proximity"] == pytest.approx(1.0)
    assert score(d=3_000, weights=w).features["proximity"] == pytest.approx(0.5)


def test_eta_basis_uses_travel_time():
    p = ScoringPolicy(proximity_basis="eta")
    fast = score_candidate(TECH, distance_m=3000, eta_s=300, now=NOW, policy=p)
    slow = score_candidate(TECH, distance_m=3000, eta_s=900, now=NOW, policy=p)
    assert fast.features["proximity"] > slow.features["proximity"]


def test_levels_order_s_a_b_c():
    scores = [score(with_stats(level=lv)).score for lv in (Level.S, Level.A, Level.B, Level.C)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_recent_ratings_weigh_more_than_old_ones():
    recent_good = [Rating(5, NOW - timedelta(days=1)), Rating(1, NOW - timedelta(days=365))]
    recent_bad = [Rating(1, NOW - timedelta(days=1)), Rating(5, NOW - timedelta(days=365))]
    good = recency_weighted_rating(recent_good, now=NOW)
    bad = recency_weighted_rating(recent_bad, now=NOW)
    assert good > 4.0 > bad
    no_prior = ScoringPolicy(rating_prior_weight=0)
    assert recency_weighted_rating([Rating(3, NOW)], now=NOW, policy=no_prior) == pytest.approx(3.0)
    assert recency_weighted_rating([], now=NOW, policy=no_prior) == pytest.approx(4.5)


def test_half_life_halves_the_weight():
    p = ScoringPolicy(rating_prior_weight=0, rating_half_life_days=30)
    ratings = [Rating(5, NOW), Rating(1, NOW - timedelta(days=30))]
    # weights 1 and 0.5: (5 + 0.5) / 1.5
    assert recency_weighted_rating(ratings, now=NOW, policy=p) == pytest.approx(5.5 / 1.5)


def test_fairness_prefers_less_loaded_technicians():
    rested = score(with_stats(jobs_today=0, earnings_today_fen=0))
    busy = score(with_stats(jobs_today=6, earnings_today_fen=90_000))
    assert rested.features["fairness"] == pytest.approx(1.0)
    assert rested.score > busy.score


def test_acceptance_rate_is_smoothed():
    new = score(with_stats())
    picky = score(with_stats(offers_received=50, offers_accepted=10))
    keen = score(with_stats(offers_received=50, offers_accepted=50))
    assert new.features["acceptance"] == pytest.approx(0.8)
    assert keen.score > new.score > picky.score


# ----------------------------------------------------------------- rules as factors


def test_low_30_day_good_rate_halves_priority():
    ok = score(with_stats(good_rate_30d=0.95, reviews_30d=20))
    low = score(with_stats(good_rate_30d=0.85, reviews_30d=20))
    assert low.score == pytest.approx(ok.score * 0.5)
    assert low.factors == {"low_good_rate": 0.5}
    assert any("good rate" in r for r in low.reasons)
    exactly_90 = score(with_stats(good_rate_30d=0.90, reviews_30d=20))
    assert exactly_90.factors == {}


def test_high_complaint_rate_reduces_priority_by_setting():
    p = ScoringPolicy(complaint_factor=0.3)
    ok = score(with_stats(complaint_rate=0.05, orders_for_complaint_rate=40), policy=p)
    bad = score(with_stats(complaint_rate=0.08, orders_for_complaint_rate=40), policy=p)
    assert bad.score == pytest.approx(ok.score * 0.3)
    assert "high_complaint_rate" in bad.factors and ok.factors == {}


def test_idle_technician_within_3km_gets_priority():
    idle = with_stats(active_jobs=0)
    near_idle = score(idle, d=2_900)
    near_busy = score(TECH, d=2_900)
    far_idle = score(idle, d=3_100)
    assert near_idle.factors == {"nearby_idle": 1.25}
    assert near_busy.factors == {} and far_idle.factors == {}
    assert near_idle.score > near_busy.score


def test_traffic_subsidy_flag_over_5km():
    assert not score(d=5_000).traffic_subsidy
    s = score(d=5_001)
    assert s.traffic_subsidy and any("subsidy" in r for r in s.reasons)


def test_explanation_is_serialisable():
    d = score(with_stats(good_rate_30d=0.5, reviews_30d=3)).as_dict()
    assert set(d["features"]) == {"proximity", "rating", "level", "fairness", "acceptance"}
    assert d["factors"] == {"low_good_rate": 0.5}


# ----------------------------------------------------------------- properties

stats_strategy = st.builds(
    TechnicianStats,
    level=st.sampled_from(list(Level)),
    ratings=st.lists(
        st.builds(
            Rating,
            stars=st.integers(1, 5),
            at=st.integers(0, 400).map(lambda d: NOW - timedelta(days=d)),
        ),
        max_size=8,
    ).map(tuple),
    good_rate_30d=st.none() | st.floats(0, 1),
    reviews_30d=st.integers(0, 50),
    complaint_rate=st.none() | st.floats(0, 1),
    orders_for_complaint_rate=st.integers(0, 50),
    jobs_today=st.integers(0, 10),
    earnings_today_fen=st.integers(0, 200_000),
    active_jobs=st.integers(0, 2),
)
weights_strategy = st.builds(
    DispatchWeights,
    proximity=st.floats(0.01, 10),
    rating=st.floats(0, 10),
    level=st.floats(0, 10),
    fairness=st.floats(0, 10),
    acceptance=st.floats(0, 10),
)


@settings(max_examples=300, deadline=None)
@given(
    stats=stats_strategy,
    weights=weights_strategy,
    d1=st.floats(0, 50_000),
    d2=st.floats(0, 50_000),
)
def test_score_is_monotone_in_distance(stats, weights, d1, d2):
    tech = replace(TECH, stats=stats)
    near, far = min(d1, d2), max(d1, d2)
    s_near = score_candidate(tech, distance_m=near, eta_s=None, now=NOW, weights=weights)
    s_far = score_candidate(tech, distance_m=far, eta_s=None, now=NOW, weights=weights)
    assert s_near.score >= s_far.score - 1e-12
    assert 0.0 <= s_far.score <= 1.25 + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(stats_strategy, st.floats(0, 20_000)), min_size=1, max_size=12))
def test_rank_is_sorted_best_first(rows):
    techs = [(replace(TECH, id=f"t{k}", stats=s), d, None) for k, (s, d) in enumerate(rows)]
    ranked = rank(techs, now=NOW)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert len({c.technician_id for c in ranked}) == len(rows)


def test_rank_ties_go_to_the_nearer():
    a = replace(TECH, id="a")
    b = replace(TECH, id="b")
    w = DispatchWeights(proximity=0.0, rating=1.0, level=0, fairness=0, acceptance=0)
    ranked = rank([(a, 4000.0, None), (b, 1000.0, None)], now=NOW, weights=w)
    assert [c.technician_id for c in ranked] == ["b", "a"]


def test_undated_ratings_from_the_totals_count_as_old():
    p = ScoringPolicy(rating_prior_weight=0, rating_half_life_days=90, undated_rating_age_days=90)
    recent = [Rating(5.0, NOW)]
    # 11 ratings in total averaging 4.0: the 10 undated ones average 3.9 and weigh 0.5 each.
    got = recency_weighted_rating(recent, now=NOW, policy=p, total_avg=4.0, total_count=11)
    assert got == pytest.approx((5.0 + 10 * 0.5 * 3.9) / (1 + 10 * 0.5))
    assert recency_weighted_rating(recent, now=NOW, policy=p, total_avg=5.0, total_count=1) == 5.0
    with_totals = score(with_stats(rating_avg=3.0, rating_count=40))
    without = score(with_stats())
    assert with_totals.features["rating"] < without.features["rating"]
    assert Rating(4.25, NOW).stars == 4.25
    with pytest.raises(ValueError):
        Rating(5.5, NOW)
