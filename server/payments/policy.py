"""Pure money policy: cancellation fees, the split, what a payout may take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.core.money import BASIS_POINTS, Money, apply_bp, round_half_up
from server.rules.payments import PaymentRules


@dataclass(frozen=True)
class CancellationQuote:
    hours_before: float
    fee_bp: int
    fee: Money
    refund: Money
    band_min_hours: float | None


def cancellation_fee(
    *,
    now: datetime,
    scheduled_start: datetime,
    held: Money,
    rules: PaymentRules,
    started: bool = False,
    by_customer: bool = True,
    technician_assigned: bool = True,
) -> CancellationQuote:
    """Free more than 24 h ahead, 30% inside 2 h, settable bands between. Nothing is
    refunded once service has started (the machine refuses that cancel anyway). Staff
    and system cancellations are the platform's doing: no fee."""
    hours = (scheduled_start - now).total_seconds() / 3600
    if started:
        return CancellationQuote(hours, BASIS_POINTS, held, 0, None)
    if (
        not by_customer
        or held <= 0
        or (rules.cancellation_fee_needs_technician and not technician_assigned)
    ):
        return CancellationQuote(hours, 0, 0, held, None)
    band = next(
        (b for b in rules.cancellation_bands if hours >= b.min_hours_before),
        rules.cancellation_bands[-1],
    )
    fee = apply_bp(held, band.fee_bp)
    return CancellationQuote(hours, band.fee_bp, fee, held - fee, band.min_hours_before)


def commission_bp(rules: PaymentRules, technician_level: str | None) -> int:
    if technician_level and technician_level in rules.level_commission_bp:
        return rules.level_commission_bp[technician_level]
    return rules.platform_commission_bp


def technician_share(*, gross: Money, paid: Money, held: Money, commission: int) -> Money:
    """The technician's part of a release: their share of the undiscounted price
    (promotions are the platform's cost), scaled down when part was refunded."""
    if paid > 0 and held != paid:
        gross = round_half_up(gross * held, paid)
    return gross - apply_bp(gross, commission)


def fee_technician_part(fee: Money, commission: int, technician_assigned: bool) -> Money:
    return fee - apply_bp(fee, commission) if technician_assigned else 0
