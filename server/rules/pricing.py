"""Operator-editable pricing and promotion rules (seed 002's numbers are the defaults).

Every number a price depends on lives here, so an operator changes prices through
``PUT /ops/settings`` (a new versioned document) and never through a deploy.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator


class PeakRule(BaseModel):
    """A peak or seasonal multiplier: applies when every given condition matches.

    ``multiplier_bp`` 12000 means +20% of the service part of the price. Empty
    ``weekdays``/``months`` mean any; ``date_from``/``date_to`` (local dates, inclusive)
    bound a season such as the weeks before Spring Festival.
    """

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=60)
    multiplier_bp: int = Field(ge=10000, le=30000)
    weekdays: list[int] = Field(default_factory=list)  # 0 = Monday
    months: list[int] = Field(default_factory=list)
    start_hour: int = Field(default=0, ge=0, le=23)
    end_hour: int = Field(default=24, ge=1, le=24)  # exclusive
    date_from: date | None = None
    date_to: date | None = None
    service_ids: list[str] = Field(default_factory=list)  # empty: every service

    @model_validator(mode="after")
    def _check(self) -> PeakRule:
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months are 1 to 12")
        if self.start_hour >= self.end_hour:
            raise ValueError("start_hour must be before end_hour")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self


class MembershipLevel(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name_zh: str = Field(min_length=1, max_length=20)
    min_yearly_spend: int = Field(ge=0)  # fen paid over the last 365 days
    discount_bp: int = Field(ge=5000, le=10000)  # 9000 = pay 90%


class ServiceCardProduct(BaseModel):
    """A prepaid card: pay for ``paid_visits`` visits, get ``bonus_visits`` more."""

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    name_zh: str = Field(min_length=1, max_length=40)
    service_id: str = Field(min_length=1, max_length=64)
    units_per_visit: int = Field(ge=1, le=24)  # hours (or items) one visit covers
    paid_visits: int = Field(ge=1, le=100)
    bonus_visits: int = Field(ge=0, le=100)
    valid_days: int = Field(default=365, ge=1, le=3 * 365)


def _default_levels() -> list[MembershipLevel]:
    return [
        MembershipLevel(code="regular", name_zh="普通会员", min_yearly_spend=0, discount_bp=10000),
        MembershipLevel(code="gold", name_zh="金卡会员", min_yearly_spend=500000, discount_bp=9000),
    ]


def _default_cards() -> list[ServiceCardProduct]:
    return [
        ServiceCardProduct(
            code="quarterly_cleaning",
            name_zh="季度保洁卡(12次送2次)",
            service_id="svc_daily_cleaning",
            units_per_visit=3,
            paid_visits=12,
            bonus_visits=2,
            valid_days=365,
        ),
    ]


class PricingRules(BaseModel):
    night_start_hour: int = Field(default=22, ge=0, le=23)  # local time
    night_end_hour: int = Field(default=6, ge=0, le=23)
    night_surcharge_bp: int = Field(default=3000, ge=0, le=20000)  # +30%
    quote_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Seed 002: a technician farther than 5 km costs the customer a traffic subsidy.
    traffic_subsidy_threshold_m: int = Field(default=5000, ge=0, le=100_000)
    traffic_subsidy_base: int = Field(default=1000, ge=0, le=100_000)  # fen
    traffic_subsidy_per_km: int = Field(
        default=200, ge=0, le=100_000
    )  # each started km past the threshold
    traffic_subsidy_cap: int = Field(default=5000, ge=0, le=100_000)
    peak_rules: list[PeakRule] = Field(default_factory=list)
    membership_levels: list[MembershipLevel] = Field(default_factory=_default_levels)
    # Promotions
    new_customer_coupon_amount: int = Field(default=5000, ge=0, le=100_000)  # 新客首单立减50元
    new_customer_coupon_days: int = Field(default=30, ge=1, le=365)
    referral_coupon_amount: int = Field(default=5000, ge=0, le=100_000)  # 双方各得50元无门槛券
    referral_coupon_days: int = Field(default=30, ge=1, le=365)
    referral_window_days: int = Field(
        default=30, ge=1, le=365
    )  # invitee names the inviter within this
    max_coupons_per_order: int = Field(default=1, ge=0, le=5)
    coupons_with_membership: bool = True  # a coupon on top of the member discount
    points_with_coupons: bool = True
    points_per_yuan: int = Field(default=1, ge=0, le=100)  # 消费1元=1积分
    points_redeem_block: int = Field(default=500, ge=1, le=1_000_000)  # 500积分
    points_redeem_value: int = Field(default=4000, ge=0, le=1_000_000)  # = one hour (40 CNY)
    points_max_share_bp: int = Field(
        default=5000, ge=0, le=10000
    )  # at most half an order in points
    service_cards: list[ServiceCardProduct] = Field(default_factory=_default_cards)
    # On-site change requests
    change_request_cap: int = Field(
        default=20000, ge=0, le=10_000_000
    )  # per order; above: support approves
    change_request_max_quantity: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _check(self) -> PricingRules:
        if not self.membership_levels or self.membership_levels[0].min_yearly_spend != 0:
            raise ValueError("the first membership level must start at 0 spend")
        spends = [level.min_yearly_spend for level in self.membership_levels]
        if spends != sorted(spends) or len(set(spends)) != len(spends):
            raise ValueError("membership levels must be in increasing order of spend")
        codes = [card.code for card in self.service_cards]
        if len(set(codes)) != len(codes):
            raise ValueError("service card codes must be unique")
        return self
