"""Operator-editable rules of the order lifecycle (part of the versioned rules)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class ServiceRegion(BaseModel):
    """Where the platform serves: a circle (a city's districts, a whole city)."""

    name: str = Field(min_length=1, max_length=60)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=300)


class OrderRules(BaseModel):
    # bookings are taken only here (a quote elsewhere is refused: no technician would come)
    service_regions: list[ServiceRegion] = Field(
        default_factory=lambda: [
            ServiceRegion(name="北京城区", lat=39.9042, lng=116.4074, radius_km=35)
        ],
        min_length=1,
        max_length=50,
    )
    # the earliest start a booking may have: dispatch, travel and the customer's own
    # preparation need the time
    min_lead_minutes: int = Field(default=60, ge=0, le=24 * 60)
    checkin_radius_m: float = Field(default=200.0, gt=0, le=5000)
    after_sale_days: int = Field(default=7, ge=1, le=30)  # seeds: 7-15 days
    auto_confirm_hours: int = Field(default=48, ge=1, le=24 * 14)
    payment_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    exact_address_hours_after_completion: int = Field(default=72, ge=0, le=24 * 30)
    # Device times (offline replays): a phone clock may run a little fast; anything
    # further ahead, or older than an offline queue can plausibly be, is refused.
    device_time_max_future_seconds: int = Field(default=300, ge=0, le=3600)
    device_time_max_age_hours: int = Field(default=24 * 7, ge=1, le=24 * 30)
    # Moving a visit (改约, seed 003): the assigned technician asks at least this long before
    # the booked start; the customer answers until this long before it, after which the
    # request lapses and the order goes back to dispatch; the new start is at most this
    # many days away.
    delay_min_notice_minutes: int = Field(default=120, ge=30, le=7 * 24 * 60)
    delay_answer_margin_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    delay_max_days_ahead: int = Field(default=14, ge=1, le=60)

    @model_validator(mode="after")
    def _answer_before_notice(self) -> OrderRules:
        if self.delay_answer_margin_minutes >= self.delay_min_notice_minutes:
            raise ValueError("the customer's answer must be due after the technician's notice")
        return self
