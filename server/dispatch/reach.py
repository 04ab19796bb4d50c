"""Which technicians could be eligible for a job at a place, by place alone. Pure.

The engine only examines technicians its index finds within the search radius of the job
(by where they are now: a fresh live position, else their home base), and eligibility
only accepts one whose service area contains the job. Both tests need no more than a
position and an area, so the service runs them first, on a few columns of the
technicians whose area's bounding box holds a job (an indexed search in the database),
and loads full facts (certificates, calendars, ratings) only for those left. The ones
dropped could never have been eligible, so the same candidates are ranked with the same
scores; a city of ten thousand then costs what its neighbourhood costs.

The technician's own distance limit is not used here: it is measured from where they set
off, which may be a previous job, and jobs are not among these few columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.dispatch.geo import LatLng, ServiceArea
from server.dispatch.spatial import GridIndex

# (lat_lo, lat_hi, lng_lo, lng_hi) in degrees
Box = tuple[float, float, float, float]

# A technician within this much over the radius is kept too: the engine re-applies the
# exact radius, so a hair too many costs nothing and float noise can never drop one.
RADIUS_SLACK_M = 1.0


@dataclass(frozen=True)
class Whereabouts:
    """A technician as the prefilter sees them."""

    id: str
    position: LatLng | None  # where the engine's index puts them (None: not indexed)
    areas: tuple[ServiceArea, ...]


METRES_PER_DEGREE_LAT = 111_320.0


def box_around(point: LatLng, radius_m: float) -> Box:
    """A box holding every point within ``radius_m`` of ``point`` (a little more near the
    poles' side of it; callers measure exact distances afterwards)."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlng = radius_m / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(point.lat))))
    return (point.lat - dlat, point.lat + dlat, point.lng - dlng, point.lng + dlng)


def search_boxes(points: Sequence[LatLng], limit: int = 16) -> list[Box]:
    """What to ask the database for (service areas whose box overlaps one of these): each
    point on its own, or past ``limit`` points one box around them all, since a long OR
    costs the database more than the few extra rows cost here."""
    if len(points) <= limit:
        return [(p.lat, p.lat, p.lng, p.lng) for p in points]
    lats = [p.lat for p in points]
    lngs = [p.lng for p in points]
    return [(min(lats), max(lats), min(lngs), max(lngs))]


def within_reach(
    technicians: Iterable[Whereabouts], points: Sequence[LatLng], radius_m: float
) -> list[frozenset[str]]:
    """For each point, the technicians positioned within ``radius_m`` of it whose service
    area contains it: a superset of those dispatch could find eligible there."""
    index = GridIndex(max(1000.0, radius_m / 4))
    areas: dict[str, tuple[ServiceArea, ...]] = {}
    for tech in technicians:
        if tech.position is None or not tech.areas:
            continue  # never in the engine's index, or outside every area
        index.insert(tech.id, tech.position.lat, tech.position.lng)
        areas[tech.id] = tech.areas
    out = []
    for point in points:
        near = index.nearby(point.lat, point.lng, radius_m + RADIUS_SLACK_M)
        out.append(frozenset(tid for tid, _ in near if any(a.contains(point) for a in areas[tid])))
    return out
