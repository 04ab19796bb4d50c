"""When and where a technician works. Pure: values in, values out.

A weekly schedule is a mapping ``{"mon": [["08:00", "12:00"], ["13:00", "20:00"]], ...}``
in the city's local time. A window whose end is at or before its start runs past
midnight into the next day (``["22:00", "06:00"]``); ``"24:00"`` is allowed as an end.
Windows of one schedule may not overlap (also across midnight), so what a technician
typed is what they get: nothing is silently merged.

``None`` as a schedule means "no weekly limits set" (the technician takes work at any
hour); an empty schedule means "never". Time off (leave, sick days) always wins.

The service area is a circle (centre + radius) or a polygon of ``[lat, lng]`` vertices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.geo.coords import EARTH_RADIUS_M, haversine_m
from server.geo.polygons import point_in_polygon

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MAX_WINDOWS_PER_DAY = 6
MAX_TIME_OFF_DAYS = 180
MAX_RADIUS_KM = 50.0
MAX_POLYGON_VERTICES = 200
EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class AvailabilityError(ValueError):
    """Bad schedule, time off or area; ``code`` is the API error code."""

    def __init__(self, message: str, *, code: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


# --------------------------------------------------------------------------- weekly


def parse_hhmm(value: str) -> int:
    """Minutes after midnight; "24:00" is 1440 (only meaningful as an end)."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise AvailabilityError(
            f"time must be HH:MM, got {value!r}",
            code="availability_time_invalid",
            details={"value": value},
        )
    if value == "24:00":
        return MINUTES_PER_DAY
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Window:
    """One recurring window: ``weekday`` 0 = Monday; minutes after local midnight.

    ``end_min`` may exceed 1440 (the window runs into the next day)."""

    weekday: int
    start_min: int
    end_min: int

    @property
    def week_start(self) -> int:
        return self.weekday * MINUTES_PER_DAY + self.start_min

    @property
    def week_end(self) -> int:
        return self.weekday * MINUTES_PER_DAY + self.end_min

    @property
    def start_time(self) -> time:
        return time(self.start_min // 60, self.start_min % 60)

    @property
    def end_time(self) -> time:
        """Wall-clock end; midnight for a window ending at 24:00."""
        end = self.end_min % MINUTES_PER_DAY
        return time(end // 60, end % 60)


def _window(weekday: int, day: str, pair: Sequence[str]) -> Window:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise AvailabilityError(
            "each window is [start, end]",
            code="availability_window_invalid",
            details={"day": day, "window": pair},
        )
    start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
    if start == MINUTES_PER_DAY:
        raise AvailabilityError(
            "a window cannot start at 24:00",
            code="availability_time_invalid",
            details={"day": day, "window": list(pair)},
        )
    if end == start:
        raise AvailabilityError(
            "a window must have a length",
            code="availability_window_empty",
            details={"day": day, "window": list(pair)},
        )
    if end < start:
        end += MINUTES_PER_DAY  # past midnight
    return Window(weekday, start, end)


def windows_of(weekly: Mapping[str, Sequence[Sequence[str]]]) -> list[Window]:
    """Validate a schedule and return its windows sorted through the week."""
    if not isinstance(weekly, Mapping):
        raise AvailabilityError(
            "weekly availability is an object keyed by weekday", code="availability_invalid"
        )
    unknown = sorted(set(weekly) - set(WEEKDAYS))
    if unknown:
        raise AvailabilityError(
            "unknown weekday",
            code="availability_weekday_invalid",
            details={"unknown": unknown, "allowed": list(WEEKDAYS)},
        )
    windows: list[Window] = []
    for weekday, day in enumerate(WEEKDAYS):
        pairs = weekly.get(day) or []
        if not isinstance(pairs, list | tuple):
            raise AvailabilityError(
                "a day holds a list of windows", code="availability_invalid", details={"day": day}
            )
        if len(pairs) > MAX_WINDOWS_PER_DAY:
            raise AvailabilityError(
                "too many windows in one day",
                code="availability_too_many_windows",
                details={"day": day, "max": MAX_WINDOWS_PER_DAY},
            )
        windows.extend(_window(weekday, day, pair) for pair in pairs)
    windows.sort(key=lambda w: w.week_start)
    # Overlap check on the week circle: Sunday night may run into Monday morning, so
    # every window is also looked at one week later.
    spans = [(w.week_start, w.week_end, w) for w in windows]
    spans += [(s + MINUTES_PER_WEEK, e + MINUTES_PER_WEEK, w) for s, e, w in spans]
    spans.sort(key=lambda item: item[0])
    reach_end, reach_window = -1, None
    for s, e, w in spans:
        if reach_window is not None and s < reach_end and w != reach_window:
            raise AvailabilityError(
                "two windows overlap",
                code="availability_overlap",
                details={"first": _describe(reach_window), "second": _describe(w)},
            )
        if e > reach_end:
            reach_end, reach_window = e, w
    return windows


def _describe(window: Window) -> dict[str, Any]:
    end = MINUTES_PER_DAY if window.end_min == MINUTES_PER_DAY else window.end_min % MINUTES_PER_DAY
    return {
        "day": WEEKDAYS[window.weekday],
        "start": format_hhmm(window.start_min),
        "end": format_hhmm(end),
    }


def normalize_weekly(
    weekly: Mapping[str, Sequence[Sequence[str]]] | None,
) -> dict[str, list[list[str]]] | None:
    """The canonical stored form: every weekday present, windows sorted by start."""
    if weekly is None:
        return None
    out: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for w in windows_of(weekly):
        described = _describe(w)
        out[described["day"]].append([described["start"], described["end"]])
    return out


def total_weekly_minutes(weekly: Mapping[str, Sequence[Sequence[str]]]) -> int:
    return sum(w.end_min - w.start_min for w in windows_of(weekly))


# --------------------------------------------------------------------------- time off


@dataclass(frozen=True)
class Interval:
    """A half-open span of aware datetimes [start, end)."""

    start: datetime
    end: datetime
    reason: str = field(default="", compare=False)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def _aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise AvailabilityError(
            f"{name} must carry a time zone", code="time_zone_required", details={"field": name}
        )


def validate_time_off(
    entries: Iterable[Interval], *, now: datetime | None = None
) -> list[Interval]:
    """Each leave must end after it starts and last at most 180 days; sorted by start.

    Leave that ended before ``now`` is dropped (it can't change anything any more)."""
    out = []
    for entry in entries:
        _aware("start", entry.start)
        _aware("end", entry.end)
        if not (2000 <= entry.start.year and entry.end.year <= 2100):
            raise AvailabilityError(
                "time off must fall within 2000-2100",
                code="time_off_invalid",
                details={"start": entry.start.isoformat(), "end": entry.end.isoformat()},
            )
        if entry.end <= entry.start:
            raise AvailabilityError(
                "time off must end after it starts",
                code="time_off_invalid",
                details={"start": entry.start.isoformat(), "end": entry.end.isoformat()},
            )
        if entry.end - entry.start > timedelta(days=MAX_TIME_OFF_DAYS):
            raise AvailabilityError(
                "time off is limited to 180 days at a time",
                code="time_off_too_long",
                details={"max_days": MAX_TIME_OFF_DAYS},
            )
        if now is not None and entry.end <= now:
            continue
        out.append(entry)
    return sorted(out, key=lambda e: e.start)


# --------------------------------------------------------------------------- calendar


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(
    intervals: list[tuple[datetime, datetime]], holes: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    result = intervals
    for h_start, h_end in holes:
        nxt: list[tuple[datetime, datetime]] = []
        for start, end in result:
            if h_end <= start or end <= h_start:
                nxt.append((start, end))
                continue
            if start < h_start:
                nxt.append((start, h_start))
            if h_end < end:
                nxt.append((h_end, end))
        result = nxt
    return result


def _local_day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def weekly_intervals(
    weekly: Mapping[str, Sequence[Sequence[str]]] | None,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """The concrete working spans (UTC) of a schedule that touch [start, end), merged."""
    _aware("start", start)
    _aware("end", end)
    if end <= start:
        return []
    if weekly is None:
        return [(start, end)]
    windows = windows_of(weekly)
    by_day: dict[int, list[Window]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append(w)
    first = start.astimezone(tz).date() - timedelta(days=1)  # yesterday's overnight window
    last = end.astimezone(tz).date()
    spans = []
    day = first
    while day <= last:
        midnight = _local_day_start(day, tz)
        for w in by_day.get(day.weekday(), []):
            # Wall-clock arithmetic: a 24:00 or overnight end is the next day's local time.
            w_start = (midnight + timedelta(minutes=w.start_min)).astimezone(tz)
            w_end_day = day + timedelta(days=w.end_min // MINUTES_PER_DAY)
            w_end_min = w.end_min % MINUTES_PER_DAY
            w_end = datetime.combine(w_end_day, time(w_end_min // 60, w_end_min % 60), tzinfo=tz)
            if w_start < end and start < w_end:
                spans.append((w_start.astimezone(start.tzinfo), w_end.astimezone(start.tzinfo)))
        day += timedelta(days=1)
    return _merge(spans)


def working_intervals(
    weekly: Mapping[str, Sequence[Sequence[str]]] | None,
    time_off: Iterable[Interval],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """Working time inside [start, end): the schedule minus time off, clipped, merged."""
    spans = [(max(s, start), min(e, end)) for s, e in weekly_intervals(weekly, start, end, tz)]
    spans = [(s, e) for s, e in spans if s < e]
    return _subtract(spans, [(t.start, t.end) for t in time_off])


def is_available(
    weekly: Mapping[str, Sequence[Sequence[str]]] | None,
    time_off: Iterable[Interval],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> bool:
    """Is the whole of [start, end) inside working time and outside every time off?"""
    if end <= start:
        return False
    spans = working_intervals(weekly, time_off, start, end, tz)
    return len(spans) == 1 and spans[0] == (start, end)


def is_on_leave(time_off: Iterable[Interval], at: datetime) -> bool:
    return any(t.start <= at < t.end for t in time_off)


# --------------------------------------------------------------------------- area


def validate_point(lat: float, lng: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and math.isfinite(lng)) or not (
        -90 <= lat <= 90 and -180 <= lng <= 180
    ):
        raise AvailabilityError(
            "coordinates are off the map",
            code="coordinates_invalid",
            details={"lat": lat, "lng": lng},
        )
    return float(lat), float(lng)


@dataclass(frozen=True)
class Area:
    """A circle (``center`` + ``radius_km``) or a polygon; exactly one of them."""

    center: tuple[float, float] | None = None
    radius_km: float | None = None
    polygon: tuple[tuple[float, float], ...] | None = None

    @property
    def kind(self) -> str:
        return "polygon" if self.polygon else "circle"

    def contains(self, lat: float, lng: float) -> bool:
        if self.polygon:
            return point_in_polygon(lat, lng, self.polygon)
        assert self.center is not None and self.radius_km is not None
        return haversine_m(self.center[0], self.center[1], lat, lng) <= self.radius_km * 1000

    def bounds(self) -> tuple[float, float, float, float]:
        """``(lat_lo, lat_hi, lng_lo, lng_hi)`` holding the whole area (a circle's with a
        0.1 % margin): dispatch asks the database for the areas whose box holds an
        address, then tests them exactly."""
        if self.polygon:
            lats = [p[0] for p in self.polygon]
            lngs = [p[1] for p in self.polygon]
            return (min(lats), max(lats), min(lngs), max(lngs))
        assert self.center is not None and self.radius_km is not None
        lat, lng = self.center
        reach = self.radius_km * 1.001 / EARTH_RADIUS_KM  # radians of arc
        lat_lo, lat_hi = lat - math.degrees(reach), lat + math.degrees(reach)
        if lat_lo <= -89.0 or lat_hi >= 89.0:
            return (max(lat_lo, -90.0), min(lat_hi, 90.0), -180.0, 180.0)
        # a degree of longitude is shortest at the latitude farthest from the equator
        widest = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
        dlng = math.degrees(reach / widest)
        if lng - dlng < -180.0 or lng + dlng > 180.0:
            return (lat_lo, lat_hi, -180.0, 180.0)
        return (lat_lo, lat_hi, lng - dlng, lng + dlng)

    def centroid(self) -> tuple[float, float]:
        if self.polygon:
            return (
                sum(p[0] for p in self.polygon) / len(self.polygon),
                sum(p[1] for p in self.polygon) / len(self.polygon),
            )
        assert self.center is not None
        return self.center


def make_area(
    *,
    center: tuple[float, float] | None = None,
    radius_km: float | None = None,
    polygon: Sequence[Sequence[float]] | None = None,
) -> Area:
    """Validate a drawn area: a circle of up to 50 km, or a simple polygon of 3-200 vertices."""
    if polygon:
        if center is not None or radius_km is not None:
            raise AvailabilityError(
                "give a circle or a polygon, not both", code="service_area_ambiguous"
            )
        if not 3 <= len(polygon) <= MAX_POLYGON_VERTICES:
            raise AvailabilityError(
                "a polygon has 3 to 200 vertices",
                code="service_area_polygon_invalid",
                details={"min": 3, "max": MAX_POLYGON_VERTICES},
            )
        vertices = []
        for vertex in polygon:
            if len(vertex) != 2:
                raise AvailabilityError(
                    "each vertex is [lat, lng]", code="service_area_polygon_invalid"
                )
            vertices.append(validate_point(float(vertex[0]), float(vertex[1])))
        if vertices[0] == vertices[-1]:
            vertices.pop()  # a closed ring repeats its first vertex
        if len(set(vertices)) < 3 or _polygon_area(vertices) == 0:
            raise AvailabilityError(
                "the polygon encloses no area", code="service_area_polygon_invalid"
            )
        return Area(polygon=tuple(vertices))
    if center is None or radius_km is None:
        raise AvailabilityError(
            "give a centre and a radius, or a polygon", code="service_area_required"
        )
    if not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RADIUS_KM):
        raise AvailabilityError(
            "the radius is 0-50 km",
            code="service_area_radius_invalid",
            details={"max_km": MAX_RADIUS_KM},
        )
    return Area(center=validate_point(*center), radius_km=float(radius_km))


def _polygon_area(vertices: Sequence[tuple[float, float]]) -> float:
    total = 0.0
    for i, (y1, x1) in enumerate(vertices):
        y2, x2 = vertices[(i + 1) % len(vertices)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2
