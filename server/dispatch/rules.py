"""Operator-editable dispatch rules (the ``dispatch`` section of the versioned rules).

The complaint-rate threshold and the daily cap for restricted technicians are read from
``ops.risk`` (one place for the risk policy); everything else about who gets an order
is here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.dispatch.scoring import DispatchWeights, ScoringPolicy


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
