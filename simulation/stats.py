"""The simulation's summary figures: quantiles of a sample, and how evenly an amount is
shared (Gini, spread).

Quantiles here are nearest-rank (``server.ops.stats.percentile`` with
``method="nearest_rank"``: the smallest observed value with at least p of the sample at
or below it), so every figure in a report is a value that happened. The dashboards and
the load benchmarks interpolate between ranks instead (the same function's default).
"""

from __future__ import annotations

import statistics

from server.ops.stats import gini, percentile


def quantiles(values: list[float], digits: int = 1) -> dict[str, float]:
    """Count, mean, p10/p50/p90/p95 and max of a sample, rounded; {} when empty."""
    if not values:
        return {}
    s = sorted(values)
    figures: dict[str, float] = {"n": len(s), "mean": round(statistics.mean(s), digits)}
    for p in (10, 50, 90, 95):
        value = percentile(s, p, method="nearest_rank")
        assert value is not None  # the sample is not empty
        figures[f"p{p}"] = round(value, digits)
    figures["max"] = round(s[-1], digits)
    return figures


def spread(values: list[float]) -> dict[str, float | None]:
    """How evenly an amount is shared: Gini and standard deviation over everyone,
    p90/p10 over those who got anything (with idle ones p10 would be 0)."""
    if not values:
        return {}
    q = quantiles(values, digits=2)
    working = [v for v in values if v > 0]
    wq = quantiles(working, digits=2) if working else {}
    return {
        "mean": q["mean"],
        "std": round(statistics.pstdev(values), 2),
        "p10": q["p10"],
        "p50": q["p50"],
        "p90": q["p90"],
        "max": q["max"],
        "gini": gini(values),
        "idle": len(values) - len(working),
        "p90_p10_working": round(wq["p90"] / wq["p10"], 2) if wq and wq["p10"] > 0 else None,
    }
