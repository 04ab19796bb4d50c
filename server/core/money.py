"""Money is integer fen; percentages are basis points. One rounding helper for all."""

from __future__ import annotations

Money = int  # minor units (fen)
BASIS_POINTS = 10_000
# Largest amount an input may name (a billion yuan): beyond any order, and far inside the
# 64-bit columns every sum of amounts is stored in.
MAX_AMOUNT: int = 10**11


def apply_bp(amount: Money, basis_points: int) -> Money:
    """``amount * bp / 10000`` rounded half-up to the fen (exact integer arithmetic)."""
    return round_half_up(amount * basis_points, BASIS_POINTS)


def round_half_up(numerator: int, denominator: int) -> int:
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def yuan(amount: Money) -> str:
    """Human display: 12345 -> '123.45'."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"
