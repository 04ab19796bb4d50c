"""Small pure statistics for the dashboards (no database)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal


def percentile(
    values: Sequence[float], p: float, *, method: Literal["linear", "nearest_rank"] = "linear"
) -> float | None:
    """The ``p`` percentile (0..100) of ``values``; None when empty.

    ``linear`` interpolates between the closest ranks (numpy's default), as the dashboards
    and the load benchmarks report. ``nearest_rank`` is the smallest observed value with at
    least p % of the sample at or below it (numpy's ``inverted_cdf``), so the figure is a
    value that happened, as the simulation reports.
    """
    if not values:
        return None
    ordered = sorted(values)
    if method == "nearest_rank":
        return float(ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))])
    if method != "linear":
        raise ValueError(f"unknown percentile method {method!r}")
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def hour_buckets(times: Iterable[datetime], since: datetime, until: datetime) -> list[dict]:
    """Counts per hour in [since, until), every hour present (zeros included)."""
    start = since.replace(minute=0, second=0, microsecond=0)
    counts = Counter(
        t.replace(minute=0, second=0, microsecond=0) for t in times if since <= t < until
    )
    out = []
    hour = start
    while hour < until:
        out.append({"hour": hour.isoformat(), "count": counts.get(hour, 0)})
        hour += timedelta(hours=1)
    return out


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def gini(values: Sequence[float]) -> float:
    """0 when everyone has the same, towards 1 when one has everything."""
    if not values or sum(values) == 0:
        return 0.0
    s = sorted(values)
    n = len(s)
    cum = sum((i + 1) * v for i, v in enumerate(s))
    return round((2 * cum) / (n * sum(s)) - (n + 1) / n, 4)
