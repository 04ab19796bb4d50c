"""Where the technician is on the way to the customer, and how long until he arrives.

Pure: the live feed (``live_feed``) fills a :class:`Tracking` from each pushed position;
when the server sends no ETA it is estimated here from the straight-line distance
(``client.geo``, the apps' one distance and travel time) at the city speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client import geo

# ETA when the server sends none: straight-line distance x road factor at city speed.
CITY_SPEED_KMH = 20.0


def estimate_eta_minutes(distance_km: float) -> int:
    """Minutes to cover ``distance_km`` of straight line at city speed, at least one."""
    return geo.eta_minutes(distance_km * 1000, CITY_SPEED_KMH)


@dataclass
class Tracking:
    """The technician's position between acceptance and arrival."""

    lat: float | None = None
    lng: float | None = None
    at: datetime | None = None
    distance_km: float | None = None
    eta_minutes: int | None = None
