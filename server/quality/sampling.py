"""Which finished orders get a spot check, and which inspector takes it (pure).

An order is sampled when a keyed hash of its id falls below the rate: the same order
always gets the same answer under the same key (a retried confirmation samples once, a
test with a fixed key is deterministic), the share sampled is the rate, and a technician
who does not know the installation's key cannot tell which of his orders will be looked at.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SCALE = 10_000  # rates are basis points


def draw(seed: str, order_id: str) -> int:
    """The order's draw, uniform over 0..9999 for a given seed."""
    digest = hmac.new(seed.encode(), f"quality-sample:{order_id}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:8], "big") % SCALE


def sampled(seed: str, order_id: str, rate_bp: int) -> bool:
    """Whether the order is checked at ``rate_bp`` (0: never, 10000: always); an order
    sampled at one rate is sampled at every higher one."""
    return draw(seed, order_id) < rate_bp


def pick_inspector(open_checks: Mapping[str, int]) -> str | None:
    """The inspector with the fewest open checks (ties: the lowest id, so the choice is
    the same on every worker); None when there is no inspector."""
    if not open_checks:
        return None
    return min(open_checks, key=lambda inspector: (open_checks[inspector], inspector))
