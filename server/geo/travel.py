"""Travel time from distance: the one estimate behind every ETA. Pure.

A trip's time is its straight-line (great-circle, ``coords.haversine_m``) distance times
a road factor, at a speed in km/h, plus a fixed overhead. Dispatch and the live ETA use it
through ``server.dispatch.geo.RoadFactorTravelTime`` (speeds by travel mode and rush
hour); the apps keep a copy in ``client.geo`` (they never import the server), each caller
with its own named speed.
"""

from __future__ import annotations

ROAD_FACTOR = 1.3  # streets are longer than the straight line


def travel_seconds(
    meters: float, speed_kmh: float, *, road_factor: float = ROAD_FACTOR, overhead_s: float = 0.0
) -> float:
    """Seconds to cover ``meters`` of straight line by road at ``speed_kmh``; 0 for none."""
    if meters <= 0:
        return 0.0
    return overhead_s + meters * road_factor / (speed_kmh / 3.6)
