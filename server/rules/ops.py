"""Operator-editable monitoring and risk rules (the ``ops`` section of the rules)."""

from pydantic import BaseModel, Field


class MonitorRules(BaseModel):
    """When an order is flagged as an anomaly (``server.orders.anomalies``)."""

    offer_timeouts_alert: int = Field(default=3, ge=1, le=50)  # this many timed-out offers
    no_accept_minutes: int = Field(default=15, ge=1, le=24 * 60)  # paid, nobody accepted yet
    departure_lead_minutes: int = Field(
        default=45, ge=0, le=24 * 60
    )  # plan: leave this long before start
    not_departed_grace_minutes: int = Field(default=15, ge=1, le=24 * 60)  # 15 min after the plan
    late_arrival_grace_minutes: int = Field(default=10, ge=0, le=24 * 60)
    overrun_minutes: int = Field(default=30, ge=1, le=24 * 60)  # beyond the booked duration
    awaiting_confirmation_hours: int = Field(default=72, ge=1, le=24 * 30)
    # an SOS nobody has taken up after this long goes to the admins as well
    sos_escalate_minutes: int = Field(default=3, ge=1, le=60)


class RiskRules(BaseModel):
    """Seed 002 §五: abuse, complaint rates, login anomalies.

    The large-order second confirmation threshold is ``payments.large_order_threshold``.
    """

    cancel_burst_count: int = Field(default=3, ge=2, le=100)  # cancels by one account ...
    cancel_burst_window_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60
    )  # ... within this → review
    complaint_rate_limit_bp: int = Field(default=500, ge=0, le=10_000)  # 投诉率>5% → fewer orders
    complaint_rate_window_days: int = Field(default=90, ge=1, le=3 * 365)
    complaint_rate_min_orders: int = Field(
        default=5, ge=1, le=1000
    )  # below: too few orders to judge
    restricted_daily_order_cap: int = Field(
        default=2, ge=0, le=100
    )  # 限制其接单量 (read by dispatch)
    contact_attempt_count: int = Field(default=3, ge=1, le=100)  # contact details in chat ...
    contact_attempt_window_hours: int = Field(
        default=24, ge=1, le=30 * 24
    )  # ... this often within this → review (私下交易 is a severe violation)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_failure_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_lock_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)


class OpsRules(BaseModel):
    monitor: MonitorRules = Field(default_factory=MonitorRules)
    risk: RiskRules = Field(default_factory=RiskRules)
