"""Distance and travel time on the device, for both apps. Pure: no I/O.

The apps never import the server, so this is their single copy of the server's two
estimates: ``haversine_m`` is ``server.geo.coords.haversine_m`` (great-circle distance on
the mean-radius sphere) and ``travel_seconds`` is ``server.geo.travel.travel_seconds``
(straight-line distance times a road factor, at a speed in km/h). Each app names its own
speeds (the customer's city speed, the technician's by travel mode); ``eta_minutes`` is
how both show the result: whole minutes rounded up, at least one.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
ROAD_FACTOR = 1.3  # streets are longer than the straight line


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (within a city, well under 1 % from the ellipsoid's)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def travel_seconds(meters: float, speed_kmh: float, *, road_factor: float = ROAD_FACTOR) -> float:
    """Seconds to cover ``meters`` of straight line by road at ``speed_kmh``; 0 for none."""
    if meters <= 0:
        return 0.0
    return meters * road_factor / (speed_kmh / 3.6)


def eta_minutes(meters: float, speed_kmh: float) -> int:
    """``travel_seconds`` as the apps show it: whole minutes rounded up, at least one."""
    return max(1, math.ceil(travel_seconds(meters, speed_kmh) / 60))
