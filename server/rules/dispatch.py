"""Operator-editable dispatch rules (the ``dispatch`` section of the versioned rules).

The complaint-rate threshold and the daily cap for restricted technicians are read from
``ops.risk`` (one place for the risk policy); everything else about who gets an order
is here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.technicians.models import Level

FEATURES = ("proximity", "rating", "level", "fairness", "acceptance")


class DispatchWeights(BaseModel):
    """Operator-set weights of the score features. Non-negative, not all zero."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    proximity: float = Field(0.40, ge=0)
    rating: float = Field(0.30, ge=0)
    level: float = Field(0.10, ge=0)
    fairness: float = Field(0.10, ge=0)
    acceptance: float = Field(0.10, ge=0)

    @model_validator(mode="after")
    def _positive_total(self) -> DispatchWeights:
        if self.total <= 0:
            raise ValueError("at least one dispatch weight must be positive")
        return self

    @property
    def total(self) -> float:
        return self.proximity + self.rating + self.level + self.fairness + self.acceptance

    def normalized(self) -> dict[str, float]:
        t = self.total
        return {name: getattr(self, name) / t for name in FEATURES}


class ScoringPolicy(BaseModel):
    """Operator settings of the features and the multiplier rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    proximity_basis: Literal["distance", "eta"] = "distance"
    # Proximity = scale / (scale + d): 1 on the spot, 0.5 at the scale, -> 0 far away.
    distance_scale_m: float = Field(3000.0, gt=0)
    eta_scale_s: float = Field(600.0, gt=0)

    # Rating: each rating weighs 0.5 ** (age / half-life); a prior of a few average
    # ratings keeps one early 5-star review from outranking a long good record.
    rating_half_life_days: float = Field(90.0, gt=0)
    rating_prior_mean: float = Field(4.5, ge=1, le=5)
    rating_prior_weight: float = Field(3.0, ge=0)
    undated_rating_age_days: float = Field(365.0, ge=0)

    level_values: dict[Level, float] = Field(
        default_factory=lambda: {Level.S: 1.0, Level.A: 0.75, Level.B: 0.5, Level.C: 0.25}
    )

    # Fairness: fewer jobs and less money earned today -> higher.
    fairness_jobs_scale: float = Field(4.0, gt=0)
    fairness_earnings_scale_fen: int = Field(40_000, gt=0)

    acceptance_prior_rate: float = Field(0.8, ge=0, le=1)
    acceptance_prior_weight: float = Field(5.0, ge=0)

    # "Within 3 km and no current order: dispatch first."
    nearby_idle_radius_m: float = Field(3000.0, ge=0)
    nearby_idle_boost: float = Field(1.25, ge=1)
    # "Over 5 km: the customer pays a traffic subsidy." Flagged here, priced by pricing.
    traffic_subsidy_over_m: float = Field(5000.0, ge=0)
    # "30-day good rate under 90 %: priority halved."
    good_rate_threshold: float = Field(0.90, ge=0, le=1)
    good_rate_factor: float = Field(0.5, ge=0, le=1)
    good_rate_min_reviews: int = Field(1, ge=0)
    # "Complaint rate over 5 %: fewer orders."
    complaint_rate_threshold: float = Field(0.05, ge=0, le=1)
    complaint_factor: float = Field(0.6, ge=0, le=1)
    complaint_min_orders: int = Field(1, ge=0)
    # "Frequent transfers are watched and limited" (seed 003): at least
    # ``transfer_min_count`` transfers held against the technician in the recent window,
    # and more than ``transfer_rate_threshold`` of the orders they took: priority times
    # ``transfer_factor`` (1 switches the penalty off; the window is
    # ``dispatch.transfer_window_days``).
    transfer_rate_threshold: float = Field(0.10, ge=0, le=1)
    transfer_min_count: int = Field(2, ge=1)
    transfer_factor: float = Field(0.7, ge=0, le=1)
    # "未达标者会限制接单数量" (seed 003): under the monthly training minimum past
    # ``training.factor_from_day``: priority times this (1 switches it off).
    training_factor: float = Field(0.9, ge=0, le=1)

    @model_validator(mode="after")
    def _levels_complete(self) -> ScoringPolicy:
        missing = [lv for lv in Level if lv not in self.level_values]
        if missing:
            raise ValueError(f"level_values lacks {', '.join(missing)}")
        if any(not 0.0 <= v <= 1.0 for v in self.level_values.values()):
            raise ValueError("level values must be within [0, 1]")
        return self


class DispatchRules(BaseModel):
    # cascade: the best candidate gets an offer, then the next on decline or timeout.
    # batch: every ``batch_interval_seconds`` the waiting orders and free technicians
    #        are matched as one assignment problem; the matches get offers.
    # pool: no offers; eligible technicians see the order in the pool and claim it.
    mode: Literal["cascade", "batch", "pool"] = "cascade"
    weights: DispatchWeights = Field(default_factory=DispatchWeights)
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    offer_timeout_seconds: int = Field(default=20, ge=5, le=600)  # seeds: 15-20 s to answer
    # After this many offers without an acceptance the order stays in the open pool
    # (and ops sees it as an anomaly) instead of being offered again.
    max_offers_per_order: int = Field(default=6, ge=1, le=100)
    # A technician who let an offer lapse (not declined) may be offered it again later.
    reoffer_after_minutes: int = Field(default=5, ge=1, le=24 * 60)
    search_radius_km: float = Field(default=15.0, gt=0, le=200)
    batch_interval_seconds: float = Field(default=5.0, ge=1, le=600)
    turnaround_minutes: int = Field(default=10, ge=0, le=240)
    late_tolerance_minutes: int = Field(default=15, ge=0, le=240)
    # A preferred technician (a rebooking) is offered first when eligible.
    honour_preferred_technician: bool = True
    # An order nobody could take is tried again after this long, or at once when it
    # changes (a decline, a transfer, a new offer round).
    retry_unplaced_seconds: int = Field(default=30, ge=1, le=3600)
    # While an order finds nobody, a fresh "no candidate" decision is stored at most
    # this often (the earlier one still explains it).
    unplaced_record_minutes: int = Field(default=10, ge=1, le=24 * 60)
    # Transfers (and the orders taken) this many days back count for the scoring's
    # frequent-transfer penalty (``scoring.transfer_*``).
    transfer_window_days: int = Field(default=30, ge=1, le=365)
    # Candidates and rejections kept with each decision, for the explanation.
    explain_top_candidates: int = Field(default=20, ge=1, le=500)
    explain_rejections: int = Field(default=50, ge=0, le=5000)
