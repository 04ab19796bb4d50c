"""Soft preferences among eligible technicians (ARCHITECTURE.md §5.2). Pure.

score = (sum_i w_i * f_i / sum_i w_i) * product of factors

Features ``f_i`` are each in [0, 1] (1 best) so the weights read as shares: the default
40 % proximity and 30 % rating come from the operations brief. Factors carry the rules
that are stated as multipliers ("30-day good rate under 90 % halves priority"). Every
score keeps its features, factors and plain-language reasons so a decision can be
explained to an operator or a technician who asks why they did not get an order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.dispatch.facts import Rating, TechnicianFacts
from server.rules.dispatch import FEATURES, DispatchWeights, ScoringPolicy

DEFAULT_WEIGHTS = DispatchWeights()
DEFAULT_SCORING = ScoringPolicy()


@dataclass(frozen=True)
class CandidateScore:
    technician_id: str
    score: float
    base: float
    features: dict[str, float]
    factors: dict[str, float]
    distance_m: float
    eta_s: float | None
    traffic_subsidy: bool
    rating_estimate: float
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "score": round(self.score, 6),
            "base": round(self.base, 6),
            "features": {k: round(v, 6) for k, v in self.features.items()},
            "factors": dict(self.factors),
            "distance_m": round(self.distance_m, 1),
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "traffic_subsidy": self.traffic_subsidy,
            "rating_estimate": round(self.rating_estimate, 3),
            "reasons": list(self.reasons),
        }


def recency_weighted_rating(
    ratings: Iterable[Rating],
    *,
    now: datetime,
    policy: ScoringPolicy = DEFAULT_SCORING,
    total_avg: float | None = None,
    total_count: int = 0,
) -> float:
    """Mean stars with exponential decay by age, shrunk toward the prior mean.

    ``total_avg``/``total_count`` are the all-time figures: ratings counted there but not
    passed individually (older than what was loaded) join with the weight of a rating
    ``undated_rating_age_days`` old, at the mean that makes the totals add up.
    """
    num = policy.rating_prior_mean * policy.rating_prior_weight
    den = policy.rating_prior_weight
    half_life_s = policy.rating_half_life_days * 86_400.0
    n = 0
    stars_sum = 0.0
    for r in ratings:
        age = max(0.0, (now - r.at).total_seconds())
        w = 0.5 ** (age / half_life_s)
        num += w * r.stars
        den += w
        n += 1
        stars_sum += r.stars
    if total_avg is not None and total_count > n:
        rest = total_count - n
        rest_mean = min(5.0, max(1.0, (total_avg * total_count - stars_sum) / rest))
        w = 0.5 ** (policy.undated_rating_age_days / policy.rating_half_life_days)
        num += rest * w * rest_mean
        den += rest * w
    if den == 0:
        return policy.rating_prior_mean
    return num / den


def multipliers(
    tech: TechnicianFacts, distance_m: float, policy: ScoringPolicy = DEFAULT_SCORING
) -> tuple[dict[str, float], list[str]]:
    """The score's factors (rules stated as multipliers), each with its reason; shared by
    ``score_candidate`` and the array path's explanation of a candidate."""
    st = tech.stats
    factors: dict[str, float] = {}
    reasons: list[str] = []
    if (
        distance_m <= policy.nearby_idle_radius_m
        and tech.is_idle
        and policy.nearby_idle_boost != 1.0
    ):
        factors["nearby_idle"] = policy.nearby_idle_boost
        reasons.append(
            f"idle and within {policy.nearby_idle_radius_m / 1000:g} km: "
            f"x{policy.nearby_idle_boost:g}"
        )
    if (
        st.good_rate_30d is not None
        and st.reviews_30d >= policy.good_rate_min_reviews
        and st.good_rate_30d < policy.good_rate_threshold
    ):
        factors["low_good_rate"] = policy.good_rate_factor
        reasons.append(
            f"30-day good rate {st.good_rate_30d:.0%} < {policy.good_rate_threshold:.0%}: "
            f"x{policy.good_rate_factor:g}"
        )
    if (
        st.complaint_rate is not None
        and st.orders_for_complaint_rate >= policy.complaint_min_orders
        and st.complaint_rate > policy.complaint_rate_threshold
    ):
        factors["high_complaint_rate"] = policy.complaint_factor
        reasons.append(
            f"complaint rate {st.complaint_rate:.1%} > {policy.complaint_rate_threshold:.0%}: "
            f"x{policy.complaint_factor:g}"
        )
    transfer_rate = st.transfer_rate
    if (
        transfer_rate is not None
        and st.transfers_recent >= policy.transfer_min_count
        and transfer_rate > policy.transfer_rate_threshold
        and policy.transfer_factor != 1.0
    ):
        factors["frequent_transfers"] = policy.transfer_factor
        reasons.append(
            f"{st.transfers_recent} transfers, {transfer_rate:.0%} of recent orders "
            f"> {policy.transfer_rate_threshold:.0%}: x{policy.transfer_factor:g}"
        )
    if st.training_short and policy.training_factor != 1.0:
        factors["training_short"] = policy.training_factor
        reasons.append(f"under the month's training minimum: x{policy.training_factor:g}")
    return factors, reasons


def score_candidate(
    tech: TechnicianFacts,
    *,
    distance_m: float,
    eta_s: float | None,
    now: datetime,
    weights: DispatchWeights = DEFAULT_WEIGHTS,
    policy: ScoringPolicy = DEFAULT_SCORING,
) -> CandidateScore:
    if distance_m < 0:
        raise ValueError("distance_m must be non-negative")
    st = tech.stats
    if policy.proximity_basis == "eta" and eta_s is not None:
        proximity = policy.eta_scale_s / (policy.eta_scale_s + max(0.0, eta_s))
    else:
        proximity = policy.distance_scale_m / (policy.distance_scale_m + distance_m)
    stars = recency_weighted_rating(
        st.ratings, now=now, policy=policy, total_avg=st.rating_avg, total_count=st.rating_count
    )
    rating = (stars - 1.0) / 4.0
    level = policy.level_values[st.level]
    jobs_term = 1.0 / (1.0 + st.jobs_today / policy.fairness_jobs_scale)
    earn_term = 1.0 / (1.0 + st.earnings_today_fen / policy.fairness_earnings_scale_fen)
    fairness = 0.5 * (jobs_term + earn_term)
    offers = st.offers_received + policy.acceptance_prior_weight
    if offers > 0:
        prior_accepts = policy.acceptance_prior_rate * policy.acceptance_prior_weight
        acceptance = (st.offers_accepted + prior_accepts) / offers
    else:
        acceptance = policy.acceptance_prior_rate

    features = {
        "proximity": proximity,
        "rating": rating,
        "level": level,
        "fairness": fairness,
        "acceptance": acceptance,
    }
    w = weights.normalized()
    base = sum(w[name] * features[name] for name in FEATURES)

    factors, reasons = multipliers(tech, distance_m, policy)
    score = base
    for f in factors.values():
        score *= f
    subsidy = distance_m > policy.traffic_subsidy_over_m
    if subsidy:
        reasons.append(f"over {policy.traffic_subsidy_over_m / 1000:g} km: traffic subsidy applies")
    return CandidateScore(
        technician_id=tech.id,
        score=score,
        base=base,
        features=features,
        factors=factors,
        distance_m=distance_m,
        eta_s=eta_s,
        traffic_subsidy=subsidy,
        rating_estimate=stars,
        reasons=tuple(reasons),
    )


def rank(
    candidates: Iterable[tuple[TechnicianFacts, float, float | None]],
    *,
    now: datetime,
    weights: DispatchWeights = DEFAULT_WEIGHTS,
    policy: ScoringPolicy = DEFAULT_SCORING,
) -> list[CandidateScore]:
    """Score (technician, distance_m, eta_s) triples; best first, ties to the nearer, then id."""
    scored = [
        score_candidate(tech, distance_m=d, eta_s=eta, now=now, weights=weights, policy=policy)
        for tech, d, eta in candidates
    ]
    scored.sort(key=lambda c: (-c.score, c.distance_m, c.technician_id))
    return scored
