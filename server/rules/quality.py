"""Quality control rules (the ``quality`` section): spot checks of finished orders and the
technicians' deposits (保证金). Seed 002: 平台随机抽取5%的订单 … 返工并扣除保证金; 投诉率>5%
… 限制其接单量，并要求缴纳更高保证金（从2000元提升至5000元）.

The daily cap a raised-and-short technician gets is the risk policy's own
(``ops.risk.restricted_daily_order_cap``): the same seed sentence, one number.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DepositRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_fen: int = Field(default=200_000, ge=0, le=100_000_000)  # 2,000 CNY
    raised_fen: int = Field(default=500_000, ge=0, le=100_000_000)  # 5,000 CNY
    # the complaint rate that raises the requirement: complaints / finished orders over
    # the window, once he has finished at least ``min_orders`` in it
    complaint_window_days: int = Field(default=30, ge=1, le=365)
    raise_above_bp: int = Field(default=500, ge=0, le=10_000)  # 5 %
    min_orders: int = Field(default=5, ge=1, le=1000)
    # taken from the deposit when a spot check fails
    failed_check_deduction_fen: int = Field(default=20_000, ge=0, le=100_000_000)  # 200 CNY

    @model_validator(mode="after")
    def _raised_not_lower(self) -> DepositRules:
        if self.raised_fen < self.base_fen:
            raise ValueError("the raised deposit is at least the base deposit")
        return self


class QualityRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # share of finished orders sampled for a spot check (500 = 5 %)
    sampling_rate_bp: int = Field(default=500, ge=0, le=10_000)
    # when a failed check's free redo starts if the inspector names no time
    redo_lead_hours: int = Field(default=24, ge=1, le=24 * 14)
    deposit: DepositRules = Field(default_factory=DepositRules)
