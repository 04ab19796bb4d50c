"""Where the technician is on the way to the customer, and how long until he arrives.

Pure: the live feed (``live_feed``) fills a :class:`Tracking` from each pushed position;
when the server sends no ETA it is estimated here from the straight-line distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

# ETA when the server sends none: straight-line distance x road factor at city speed.
ROAD_FACTOR = 1.3
CITY_SPEED_KMH = 20.0
# the statuses in which the order page shows the technician coming
ACTIVE_TRACKING = {"ACCEPTED", "EN_ROUTE"}


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def estimate_eta_minutes(distance_km: float) -> int:
    return max(1, math.ceil(distance_km * ROAD_FACTOR / CITY_SPEED_KMH * 60))


@dataclass
class Tracking:
    """The technician's position between acceptance and arrival."""

    lat: float | None = None
    lng: float | None = None
    at: datetime | None = None
    distance_km: float | None = None
    eta_minutes: int | None = None
