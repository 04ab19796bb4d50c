"""Operator-editable money rules (seed 002: 15/85 split, cancellation bands, T+1)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class CancellationBand(BaseModel):
    """Cancelling at least ``min_hours_before`` hours before the visit costs ``fee_bp``."""

    min_hours_before: float = Field(ge=0, le=24 * 60)
    fee_bp: int = Field(ge=0, le=10000)


def _default_bands() -> list[CancellationBand]:
    # free more than 24 h ahead; 10% between 2 h and 24 h; 30% inside 2 h
    return [
        CancellationBand(min_hours_before=24, fee_bp=0),
        CancellationBand(min_hours_before=2, fee_bp=1000),
        CancellationBand(min_hours_before=0, fee_bp=3000),
    ]


class PaymentRules(BaseModel):
    platform_commission_bp: int = Field(default=1500, ge=0, le=10000)  # 平台抽成15%
    # per technician level, e.g. {"S": 1000}: an S-level technician keeps 90%
    level_commission_bp: dict[str, int] = Field(default_factory=lambda: {"S": 1000})
    cancellation_bands: list[CancellationBand] = Field(default_factory=_default_bands)
    # the fee goes to the assigned technician by the same split; no technician yet: platform
    cancellation_fee_needs_technician: bool = False
    transfer_compensation_bp: int = Field(default=1000, ge=0, le=10000)  # 转单补偿10%
    payout_delay_days: int = Field(default=1, ge=0, le=30)  # T+1
    # The T+n payout batch runs by itself once a day at this local (city) time; what was
    # earned up to the end of day T is paid on day T+n. POST /ops/payouts/run still runs
    # one by hand.
    payout_schedule_enabled: bool = True
    payout_time: str = Field(default="10:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    min_withdrawal: int = Field(default=10000, ge=0, le=100_000_000)  # 100 CNY
    large_order_threshold: int = Field(default=200000, ge=0, le=1_000_000_000)  # 2000 CNY
    payment_methods: list[str] = Field(
        default_factory=lambda: ["wechat", "alipay", "card", "balance"]
    )
    invoice_tax_rate_bp: int = Field(default=600, ge=0, le=3000)  # 6% VAT on services
    # 储值余额: a customer's balance is at most this; a top-up is at least the minimum, and
    # the app offers the presets (any amount in between may be typed)
    wallet_max_balance: int = Field(default=500_000, ge=0, le=100_000_000)  # 5000 CNY
    wallet_min_top_up: int = Field(default=1000, ge=1, le=100_000_000)  # 10 CNY
    wallet_top_up_presets: list[int] = Field(
        default_factory=lambda: [5000, 10000, 20000, 50000], max_length=8
    )

    @model_validator(mode="after")
    def _check(self) -> PaymentRules:
        hours = [band.min_hours_before for band in self.cancellation_bands]
        if not hours or hours != sorted(hours, reverse=True) or len(set(hours)) != len(hours):
            raise ValueError(
                "cancellation bands must go from the earliest to the latest, each once"
            )
        if hours[-1] != 0:
            raise ValueError("the last cancellation band must start at 0 hours")
        if any(not 0 <= bp <= 10000 for bp in self.level_commission_bp.values()):
            raise ValueError("commission is 0 to 10000 basis points")
        if any(
            not self.wallet_min_top_up <= p <= self.wallet_max_balance
            for p in self.wallet_top_up_presets
        ):
            raise ValueError(
                "top-up presets lie between the minimum top-up and the maximum balance"
            )
        return self
