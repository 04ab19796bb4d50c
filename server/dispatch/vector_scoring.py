"""``scoring.score_candidate`` over many eligible pairs at once. Pure.

The features and the factors are the same formulas in the same order of operations, so a
score differs from the per-candidate one by rounding only (the recency-weighted rating is
aged from the latest rating's time in one step: ``_rating_rows``). A pair
whose distance is within a hair of a threshold (the nearby-idle radius, the traffic
subsidy) or whose technician has a rating dated after ``now`` is marked ``exact`` for the
per-candidate code. ``ScoreArrays.candidate`` builds the ``CandidateScore`` of one pair
when someone reads it (the explanation), not for every pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from server.dispatch.columns import LEVELS, TechnicianColumns, to_us
from server.dispatch.scoring import CandidateScore, multipliers
from server.dispatch.vector_kernel import TOL_M
from server.rules.dispatch import DispatchWeights, ScoringPolicy

# Columns of ``ScoreArrays.num``: a pair's figures, side by side.
DIST, ETA, PROXIMITY, RATING, LEVEL, FAIRNESS, ACCEPTANCE, STARS, BASE, SCORE = range(10)
FEATURES = (
    ("proximity", PROXIMITY),
    ("rating", RATING),
    ("level", LEVEL),
    ("fairness", FAIRNESS),
    ("acceptance", ACCEPTANCE),
)


@dataclass
class ScoreArrays:
    """Scored pairs: their rows (``slots``), figures (``num``, one row per pair) and
    where the per-candidate code must score them instead (``exact``)."""

    cols: TechnicianColumns
    policy: ScoringPolicy
    slots: np.ndarray
    num: np.ndarray
    exact: np.ndarray
    _rows: list[list[float]] | None = None
    _asked: int = 0

    @property
    def dist(self) -> np.ndarray:
        return self.num[:, DIST]

    @property
    def eta(self) -> np.ndarray:
        return self.num[:, ETA]

    @property
    def score(self) -> np.ndarray:
        return self.num[:, SCORE]

    @property
    def features(self) -> dict[str, np.ndarray]:
        return {name: self.num[:, column] for name, column in FEATURES}

    def take(self, idx: np.ndarray) -> ScoreArrays:
        """The pairs ``idx`` only."""
        return ScoreArrays(self.cols, self.policy, self.slots[idx], self.num[idx], self.exact[idx])

    def _row(self, i: int) -> list[float]:
        """Pair ``i``'s figures; all pairs as lists once several are read (the offer alone
        reads one, the stored explanation the top few)."""
        self._asked += 1
        if self._rows is None and self._asked >= 4:
            self._rows = self.num.tolist()
        return self._rows[i] if self._rows is not None else self.num[i].tolist()

    def candidate(self, i: int) -> CandidateScore:
        """The explained score of pair ``i``, as ``score_candidate`` words it."""
        v = self._row(i)
        tech = self.cols.facts[int(self.slots[i])]
        assert tech is not None
        distance = v[DIST]
        factors, reasons = multipliers(tech, distance, self.policy)
        subsidy = distance > self.policy.traffic_subsidy_over_m
        if subsidy:
            reasons.append(
                f"over {self.policy.traffic_subsidy_over_m / 1000:g} km: traffic subsidy applies"
            )
        return CandidateScore(
            technician_id=tech.id,
            score=v[SCORE],
            base=v[BASE],
            features={name: v[column] for name, column in FEATURES},
            factors=factors,
            distance_m=distance,
            eta_s=v[ETA],
            traffic_subsidy=subsidy,
            rating_estimate=v[STARS],
            reasons=tuple(reasons),
        )


def _rating_rows(
    half_life_days: float, undated_days: float
) -> Callable[[TechnicianColumns, np.ndarray], tuple[np.ndarray, ...]]:
    """Per row, what ``recency_weighted_rating`` needs besides ``now``: the latest
    rating's time (s), the sums of stars and of weights decayed to that time (so that at
    decision time one power of 0.5 ages them all; a rating dated after ``now`` is left
    to the exact code), and the undated ratings' share of the numerator and denominator."""
    half_life_s = half_life_days * 86_400.0

    def compute(cols: TechnicianColumns, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        out = np.zeros((rows.size, 5))
        out[:, 0] = -np.inf
        for i, k in enumerate(rows.tolist()):
            t = cols.facts[k]
            if t is None:
                continue
            st = t.stats
            t0_us = max((to_us(r.at) for r in st.ratings), default=None)
            num = den = stars_sum = 0.0
            n = 0
            for r in st.ratings:
                w = 0.5 ** (((t0_us or 0) - to_us(r.at)) / 1e6 / half_life_s)
                num += w * r.stars
                den += w
                n += 1
                stars_sum += r.stars
            rest_num = rest_den = 0.0
            if st.rating_avg is not None and st.rating_count > n:
                rest = st.rating_count - n
                mean = min(5.0, max(1.0, (st.rating_avg * st.rating_count - stars_sum) / rest))
                w = 0.5 ** (undated_days / half_life_days)
                rest_num, rest_den = rest * w * mean, rest * w
            latest = -np.inf if t0_us is None else t0_us / 1e6
            out[i] = (latest, num, den, rest_num, rest_den)
        return (out,)

    return compute


def rating_table(cols: TechnicianColumns, policy: ScoringPolicy) -> np.ndarray:
    """Per row: the latest rating's time, the decayed sums and the undated share."""
    key = ("ratings", policy.rating_half_life_days, policy.undated_rating_age_days)
    (table,) = cols.derived(key, None, _rating_rows(*key[1:]))
    return table


def static_table(
    cols: TechnicianColumns, weights: DispatchWeights, policy: ScoringPolicy
) -> np.ndarray:
    """Per row: level, fairness, acceptance, their weighted sum, the standing factors'
    product and idleness (``_static``)."""
    (static,) = cols.derived(
        ("score", id(weights), id(policy)), (weights, policy), _static(weights, policy)
    )
    return static


def score_table(
    cols: TechnicianColumns, weights: DispatchWeights, policy: ScoringPolicy
) -> np.ndarray:
    """``rating_table`` and ``static_table`` side by side (columns 0-4, then 5-10): the
    single pass reads one row per candidate, not two."""

    def compute(c: TechnicianColumns, r: np.ndarray) -> tuple[np.ndarray, ...]:
        ratings = _rating_rows(policy.rating_half_life_days, policy.undated_rating_age_days)
        return (np.hstack([ratings(c, r)[0], _static(weights, policy)(c, r)[0]]),)

    (table,) = cols.derived(("score table", id(weights), id(policy)), (weights, policy), compute)
    return table


def rating_estimates(
    cols: TechnicianColumns, s: np.ndarray, now: datetime, policy: ScoringPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """``recency_weighted_rating`` per row, and where a rating postdates ``now``."""
    r = rating_table(cols, policy)[s]
    now_s = to_us(now) / 1e6
    half_life_s = policy.rating_half_life_days * 86_400.0
    age = now_s - r[:, 0]  # +inf without dated ratings: their sums are 0 anyway
    f = 0.5 ** (np.maximum(age, 0.0) / half_life_s)
    top = policy.rating_prior_mean * policy.rating_prior_weight + f * r[:, 1] + r[:, 3]
    bottom = policy.rating_prior_weight + f * r[:, 2] + r[:, 4]
    with np.errstate(divide="ignore", invalid="ignore"):
        stars = np.where(bottom == 0, policy.rating_prior_mean, top / bottom)
    return stars, age < 0


def _static(
    weights: DispatchWeights, policy: ScoringPolicy
) -> Callable[[TechnicianColumns, np.ndarray], tuple[np.ndarray, ...]]:
    """The parts of the score that depend on the technician alone: level, fairness and
    acceptance (and their weighted sum), the product of the standing factors, idleness."""

    def compute(cols: TechnicianColumns, r: np.ndarray) -> tuple[np.ndarray, ...]:
        level = np.array([policy.level_values[lv] for lv in LEVELS])[cols.level[r]]
        jobs_term = 1.0 / (1.0 + cols.jobs_today[r] / policy.fairness_jobs_scale)
        earn_term = 1.0 / (1.0 + cols.earnings[r] / policy.fairness_earnings_scale_fen)
        fairness = 0.5 * (jobs_term + earn_term)
        offers = cols.received[r] + policy.acceptance_prior_weight
        prior_accepts = policy.acceptance_prior_rate * policy.acceptance_prior_weight
        with np.errstate(divide="ignore", invalid="ignore"):
            acceptance = np.where(
                offers > 0,
                (cols.accepted[r] + prior_accepts) / offers,
                policy.acceptance_prior_rate,
            )
        w = weights.normalized()
        tail = w["level"] * level + w["fairness"] * fairness + w["acceptance"] * acceptance
        mult = np.ones(r.size)
        low = (cols.reviews_30d[r] >= policy.good_rate_min_reviews) & (
            cols.good_rate[r] < policy.good_rate_threshold
        )
        mult = np.where(low, mult * policy.good_rate_factor, mult)
        high = (cols.cr_orders[r] >= policy.complaint_min_orders) & (
            cols.complaint_rate[r] > policy.complaint_rate_threshold
        )
        mult = np.where(high, mult * policy.complaint_factor, mult)
        if policy.transfer_factor != 1.0:
            taken, transfers = cols.taken[r], cols.transfers[r]
            t_rate = np.where(taken > 0, transfers / np.maximum(taken, 1), 0.0)
            often = (
                (taken > 0)
                & (transfers >= policy.transfer_min_count)
                & (t_rate > policy.transfer_rate_threshold)
            )
            mult = np.where(often, mult * policy.transfer_factor, mult)
        if policy.training_factor != 1.0:
            mult = np.where(cols.training_short[r], mult * policy.training_factor, mult)
        idle = (cols.active_jobs[r] == 0).astype(np.float64)
        return (np.stack([level, fairness, acceptance, tail, mult, idle], axis=1),)

    return compute


def score_pairs(
    cols: TechnicianColumns,
    s: np.ndarray,
    dist: np.ndarray,
    eta: np.ndarray,
    *,
    now: datetime,
    weights: DispatchWeights,
    policy: ScoringPolicy,
) -> ScoreArrays:
    if policy.proximity_basis == "eta":
        proximity = policy.eta_scale_s / (policy.eta_scale_s + np.maximum(0.0, eta))
    else:
        proximity = policy.distance_scale_m / (policy.distance_scale_m + dist)
    stars, exact = rating_estimates(cols, s, now, policy)
    st = static_table(cols, weights, policy)[s]
    rating = (stars - 1.0) / 4.0
    w = weights.normalized()
    base = w["proximity"] * proximity + w["rating"] * rating + st[:, 3]
    score = base * st[:, 4]
    if policy.nearby_idle_boost != 1.0:
        near = (dist <= policy.nearby_idle_radius_m) & (st[:, 5] > 0)
        score = np.where(near, score * policy.nearby_idle_boost, score)
        exact |= np.abs(dist - policy.nearby_idle_radius_m) <= TOL_M
    exact |= np.abs(dist - policy.traffic_subsidy_over_m) <= TOL_M
    columns = (dist, eta, proximity, rating, st[:, 0], st[:, 1], st[:, 2], stars, base, score)
    return ScoreArrays(cols, policy, s, np.column_stack(columns), exact)
