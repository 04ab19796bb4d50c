"""Distances, travel times and search boxes over arrays, as the scalar code computes them.
Pure.

``haversine_pairs`` is ``coords.haversine_m`` element by element. Rush hours are plain
arithmetic on the local time of day when no clock change falls within the times asked
about (``steady_offset``); ``vector_kernel`` applies them.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import lru_cache

import numpy as np

from server.dispatch.columns import EPOCH, MODES, ONE_US
from server.dispatch.geo import RoadFactorTravelTime, TravelTime
from server.geo.coords import EARTH_RADIUS_M

HOUR_US = 3_600 * 1_000_000
DAY_US = 24 * HOUR_US


def haversine_pairs(
    lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray
) -> np.ndarray:
    """``coords.haversine_m`` element by element, in its order of operations."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lng2 - lng1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def vector_travel(travel: TravelTime) -> RoadFactorTravelTime | None:
    """The travel model when the arrays can reproduce it exactly, else None."""
    if type(travel) is not RoadFactorTravelTime:
        return None
    if any(m not in travel.speeds for m in MODES):
        return None
    return travel


@lru_cache(maxsize=1024)
@lru_cache(maxsize=256)
def steady_offset(travel: RoadFactorTravelTime, lo_hour: int, hi_hour: int) -> int | None:
    """The UTC offset (us) in force from the start of hour ``lo_hour`` to the end of
    ``hi_hour`` (since the epoch), None if it may change in between or the span is long.
    Kept per span: decisions for jobs in the same hours ask the same."""
    if hi_hour - lo_hour > 7 * 24:
        return None
    first = EPOCH + timedelta(hours=lo_hour)
    last = EPOCH + timedelta(hours=hi_hour + 1)
    offset = first.astimezone(travel.tz).utcoffset()
    if offset is None or offset != last.astimezone(travel.tz).utcoffset():
        return None
    return offset // ONE_US


def time_of_day_us(t: time) -> int:
    """Microseconds since local midnight."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
