"""The deposit rule (pure): what a technician must hold, whether his orders are capped,
how much a top-up may be, and how much may be returned.

Seed 002: 若服务商被投诉率>5%，系统自动限制其接单量，并要求缴纳更高保证金（如从2000元提升至
5000元）. The rate counts complaints over the finished orders of a window; below a minimum
number of orders there is no rate (too few to judge), as the dispatch's own complaint rule.
"""

from __future__ import annotations

from dataclasses import dataclass


class DepositError(ValueError):
    def __init__(self, message: str, code: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Standing:
    """A technician's complaint figures over the window and what they mean."""

    complaints: int
    orders: int
    rate_bp: int | None  # None: fewer orders than the rule needs to judge
    raised: bool  # the rate passed the limit: the raised deposit is required


def standing(complaints: int, orders: int, *, raise_above_bp: int, min_orders: int) -> Standing:
    """The rate passes the limit when complaints / orders > raise_above_bp / 10000 (compared
    exactly, in integers), once he has finished at least ``min_orders``."""
    complaints, orders = max(0, complaints), max(0, orders)
    if orders < max(1, min_orders):
        return Standing(complaints, orders, None, False)
    rate_bp = round(complaints * 10_000 / orders)
    return Standing(complaints, orders, rate_bp, complaints * 10_000 > raise_above_bp * orders)


def required(raised: bool, *, base_fen: int, raised_fen: int) -> int:
    return raised_fen if raised else base_fen


def shortfall(required_fen: int, held_fen: int) -> int:
    """What is missing; a deduction beyond what was held counts too (he owes it)."""
    return max(0, required_fen - held_fen)


def capped(raised: bool, required_fen: int, held_fen: int) -> bool:
    """His daily orders are capped while the raised deposit is required and not held: a
    top-up to it, or the rate falling back, lifts the cap."""
    return raised and held_fen < required_fen


def top_up_amount(asked: int | None, short_fen: int) -> int:
    """A top-up is what is missing (by default) or part of it, never more: the deposit
    is what the rule requires, not a wallet."""
    if short_fen <= 0:
        raise DepositError("the deposit is already complete", "deposit_complete")
    if asked is None:
        return short_fen
    if asked <= 0:
        raise DepositError("a top-up is more than zero", "top_up_invalid", {"amount": asked})
    if asked > short_fen:
        raise DepositError(
            "a top-up is at most what is missing",
            "top_up_too_large",
            {"amount": asked, "shortfall": short_fen},
        )
    return asked


def returnable(required_fen: int, held_fen: int) -> int:
    """What the deposit holds above what the rule requires of him: his to take back."""
    return max(0, held_fen - required_fen)


def return_amount(asked: int | None, returnable_fen: int) -> int:
    """A return is all that is returnable (by default) or part of it, never more: what
    stays is at least what the rule requires."""
    if asked is not None and asked <= 0:
        raise DepositError("a return is more than zero", "return_invalid", {"amount": asked})
    if returnable_fen <= 0 or (asked is not None and asked > returnable_fen):
        raise DepositError(
            "the deposit holds no more than that above what is required",
            "deposit_not_returnable",
            {"amount": asked, "returnable": max(0, returnable_fen)},
        )
    return returnable_fen if asked is None else asked
