"""Geometry and travel time for dispatch. Pure: no network, no database.

Scoring runs over many candidates, so the hot path uses the haversine formula on a
sphere (error under 0.6 % against the WGS84 ellipsoid, small beside the error of the
road-factor travel estimate): ``distance_m`` is ``server.geo.coords.haversine_m`` on
``LatLng`` points, ``haversine_many_m`` the same formula over arrays. Travel time goes
through the ``TravelTime`` protocol so a real routing engine can replace the road-factor
estimate (``server.geo.travel.travel_seconds``) without touching the callers. A drawn
area's test is ``server.geo.polygons.point_in_polygon``, the one the technicians' own
service areas use too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from server.geo.coords import haversine_m, haversine_many_m  # noqa: F401  (dispatch's names)
from server.geo.polygons import point_in_polygon
from server.geo.travel import ROAD_FACTOR, travel_seconds

DEFAULT_TZ = "Asia/Shanghai"


class LatLng(NamedTuple):
    """A WGS84 point in degrees."""

    lat: float
    lng: float


def validate_latlng(lat: float, lng: float) -> None:
    """Reject coordinates that cannot be on Earth (a swapped lat/lng shows up here)."""
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise ValueError(f"coordinates must be finite, got ({lat}, {lng})")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} outside [-90, 90]")
    if not -180.0 <= lng <= 180.0:
        raise ValueError(f"longitude {lng} outside [-180, 180]")


def distance_m(a: LatLng, b: LatLng) -> float:
    """Haversine between two points; the one distance the dispatch core uses."""
    return haversine_m(a[0], a[1], b[0], b[1])


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class CircleArea:
    """A service area drawn as a centre and a radius."""

    center: LatLng
    radius_km: float

    def __post_init__(self) -> None:
        validate_latlng(self.center[0], self.center[1])
        if not self.radius_km > 0:
            raise ValueError("radius_km must be positive")

    def contains(self, point: LatLng) -> bool:
        return distance_m(self.center, point) <= self.radius_km * 1000.0


@dataclass(frozen=True)
class PolygonArea:
    """A service area drawn on the map ("only Haidian"), vertices as (lat, lng)."""

    vertices: tuple[LatLng, ...]

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise ValueError("a polygon needs at least 3 vertices")
        for v in self.vertices:
            validate_latlng(v[0], v[1])

    def contains(self, point: LatLng) -> bool:
        return point_in_polygon(point[0], point[1], self.vertices)


ServiceArea = CircleArea | PolygonArea


# --------------------------------------------------------------------------- travel


class TravelMode(StrEnum):
    WALK = "walk"
    EBIKE = "ebike"
    CAR = "car"


class TravelTime(Protocol):
    """Seconds to travel from ``origin`` to ``dest`` when leaving at ``depart_at`` (UTC)."""

    def seconds(
        self,
        origin: LatLng,
        dest: LatLng,
        depart_at: datetime,
        mode: TravelMode = TravelMode.EBIKE,
    ) -> float: ...


@dataclass(frozen=True)
class SpeedProfile:
    """Speed of one mode off-peak and in the rush hours, km/h."""

    off_peak_kmh: float
    peak_kmh: float

    def __post_init__(self) -> None:
        if not (self.off_peak_kmh > 0 and self.peak_kmh > 0):
            raise ValueError("speeds must be positive")


DEFAULT_SPEEDS: dict[TravelMode, SpeedProfile] = {
    TravelMode.WALK: SpeedProfile(4.5, 4.5),
    # E-bikes filter through jams; the rush hour barely slows them.
    TravelMode.EBIKE: SpeedProfile(18.0, 18.0),
    TravelMode.CAR: SpeedProfile(25.0, 15.0),
}
DEFAULT_PEAKS: tuple[tuple[time, time], ...] = (
    (time(7, 0), time(9, 0)),
    (time(17, 0), time(19, 0)),
)


class RoadFactorTravelTime:
    """Straight-line distance x road factor / speed by mode and local hour of departure.

    The speed is chosen once from the departure time; a trip that starts just before a
    rush hour is not slowed part way. That is well within the error of the estimate.
    """

    def __init__(
        self,
        *,
        road_factor: float = ROAD_FACTOR,
        speeds: dict[TravelMode, SpeedProfile] | None = None,
        peaks: Sequence[tuple[time, time]] = DEFAULT_PEAKS,
        tz: str = DEFAULT_TZ,
        fixed_overhead_s: float = 0.0,
    ) -> None:
        if road_factor < 1.0:
            raise ValueError("road_factor below 1 would make roads shorter than a straight line")
        if fixed_overhead_s < 0:
            raise ValueError("fixed_overhead_s must be non-negative")
        self.road_factor = road_factor
        self.speeds = dict(DEFAULT_SPEEDS if speeds is None else speeds)
        self.peaks = tuple(peaks)
        self.tz = ZoneInfo(tz)
        self.fixed_overhead_s = fixed_overhead_s
        self._peak_cache: dict[datetime, bool] = {}

    def is_peak(self, when: datetime) -> bool:
        cached = self._peak_cache.get(when)
        if cached is not None:
            return cached
        if when.tzinfo is None:
            raise ValueError("depart_at must be timezone-aware")
        local = when.astimezone(self.tz).time()
        peak = any(start <= local < end for start, end in self.peaks)
        # One decision asks about the same few departure times for every candidate.
        if len(self._peak_cache) > 4096:
            self._peak_cache.clear()
        self._peak_cache[when] = peak
        return peak

    def speed_kmh(self, when: datetime, mode: TravelMode) -> float:
        profile = self.speeds[mode]
        return profile.peak_kmh if self.is_peak(when) else profile.off_peak_kmh

    def seconds_for_distance(
        self, meters: float, depart_at: datetime, mode: TravelMode = TravelMode.EBIKE
    ) -> float:
        return travel_seconds(
            meters,
            self.speed_kmh(depart_at, mode),
            road_factor=self.road_factor,
            overhead_s=self.fixed_overhead_s,
        )

    def seconds(
        self,
        origin: LatLng,
        dest: LatLng,
        depart_at: datetime,
        mode: TravelMode = TravelMode.EBIKE,
    ) -> float:
        return self.seconds_for_distance(distance_m(origin, dest), depart_at, mode)
