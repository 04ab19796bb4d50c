"""Hard filters: may this technician be offered this job at all? (ARCHITECTURE.md §5.1)

``check`` returns every reason that rules the pair out, not just the first, so an
operator looking at a dispatch decision sees the whole picture ("outside service area
and certificate expired"). An empty list means eligible. ``evaluate`` also returns the
departure point, distance and ETA it worked out, so the scorer does not redo them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from server.dispatch.facts import (
    BusyInterval,
    Certificate,
    JobFacts,
    Level,
    Rating,
    TechnicianFacts,
    TechnicianStats,
    TimeRange,
    WeeklyWindow,
)
from server.dispatch.geo import DEFAULT_TZ, LatLng, TravelTime, distance_m

__all__ = [
    "BusyInterval",
    "Certificate",
    "EligibilityPolicy",
    "Evaluation",
    "JobFacts",
    "Level",
    "Rating",
    "Rejection",
    "RejectionCode",
    "TechnicianFacts",
    "TechnicianStats",
    "TimeRange",
    "WeeklyWindow",
    "check",
    "departure_point",
    "evaluate",
    "is_covered_by_weekly",
]


class RejectionCode(StrEnum):
    NOT_VERIFIED = "not_verified"
    SUSPENDED = "suspended"
    OFFLINE = "offline"
    ABSENT = "absent"  # online, but the app showed no sign of life lately
    BLOCKED = "blocked"
    MISSING_SKILL = "missing_skill"
    MISSING_CERTIFICATE = "missing_certificate"
    CERTIFICATE_EXPIRED = "certificate_expired"
    LOCATION_UNKNOWN = "location_unknown"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    BEYOND_MAX_DISTANCE = "beyond_max_distance"
    SLOT_CONFLICT = "slot_conflict"
    NO_TIME_FROM_PREVIOUS = "no_time_from_previous_job"
    NO_TIME_TO_NEXT = "no_time_to_next_job"
    CANNOT_ARRIVE_IN_TIME = "cannot_arrive_in_time"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    TIME_OFF = "time_off"
    DAILY_CAP_REACHED = "daily_cap_reached"
    HANDED_BACK = "handed_back"  # the technician transferred this very order away


@dataclass(frozen=True)
class Rejection:
    code: RejectionCode
    message: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class EligibilityPolicy:
    """Operator-tunable constants of the hard filters."""

    tz: str = DEFAULT_TZ
    # Minutes between one job's end (plus travel) and the next job's start: parking,
    # stairs, washing hands. Applied on both sides of the new job.
    turnaround_s: float = 10 * 60
    # How late past the booked start a technician may arrive from where they are now.
    late_tolerance_s: float = 15 * 60
    # A live position only says where a technician will set off from if the job starts
    # soon; beyond this horizon the home base is the better guess.
    live_location_horizon_s: float = 2 * 3600
    # A previous job is the departure point only if it ends this close to the new start.
    chain_gap_s: float = 3 * 3600

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)
        for name in ("turnaround_s", "late_tolerance_s", "live_location_horizon_s", "chain_gap_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be non-negative")


DEFAULT_POLICY = EligibilityPolicy()


@dataclass(frozen=True)
class Departure:
    point: LatLng
    at: datetime | None  # when the technician can leave from there (None: any time)
    source: str  # "previous_job" | "current_location" | "home"


@dataclass(frozen=True)
class Evaluation:
    rejections: tuple[Rejection, ...]
    departure: Departure | None
    distance_m: float | None
    eta_s: float | None

    @property
    def eligible(self) -> bool:
        return not self.rejections


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _previous(busy: Sequence[BusyInterval], job: JobFacts) -> BusyInterval | None:
    best: BusyInterval | None = None
    for b in busy:
        if b.end <= job.start and (best is None or b.end > best.end):
            best = b
    return best


def _next(busy: Sequence[BusyInterval], job: JobFacts) -> BusyInterval | None:
    best: BusyInterval | None = None
    for b in busy:
        if b.start >= job.end and (best is None or b.start < best.start):
            best = b
    return best


def departure_point(
    tech: TechnicianFacts,
    job: JobFacts,
    *,
    now: datetime,
    policy: EligibilityPolicy = DEFAULT_POLICY,
) -> Departure | None:
    """Where the technician will most likely set off for this job from."""
    prev = _previous(tech.busy, job)
    if prev is not None and (job.start - prev.end).total_seconds() <= policy.chain_gap_s:
        return Departure(prev.location, prev.end, "previous_job")
    soon = (job.start - now).total_seconds() <= policy.live_location_horizon_s
    if tech.location is not None and (soon or tech.home is None):
        return Departure(tech.location, now, "current_location")
    if tech.home is not None:
        return Departure(tech.home, None, "home")
    return None


def _local_interval(day: date, window: WeeklyWindow, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, window.start, tzinfo=tz)
    end_day = day if window.end > window.start else day + timedelta(days=1)
    end = datetime.combine(end_day, window.end, tzinfo=tz)
    return start, end


def is_covered_by_weekly(
    start: datetime, end: datetime, windows: Sequence[WeeklyWindow], tz: ZoneInfo
) -> bool:
    """Does the union of the weekly windows cover the whole of [start, end)?"""
    local_start = start.astimezone(tz)
    local_end = end.astimezone(tz)
    if local_start.date() == local_end.date():
        # The common case, checked without building datetimes: one window that day.
        wd, st, et = local_start.weekday(), local_start.time(), local_end.time()
        for w in windows:
            if w.weekday == wd and w.start < w.end and w.start <= st and et <= w.end:
                return True
    day = local_start.date() - timedelta(days=1)  # a window from yesterday may run past midnight
    intervals: list[tuple[datetime, datetime]] = []
    while day <= local_end.date():
        for w in windows:
            if w.weekday == day.weekday():
                intervals.append(_local_interval(day, w, tz))
        day += timedelta(days=1)
    intervals.sort()
    cursor = start
    for s, e in intervals:
        if s > cursor:
            break
        if e > cursor:
            cursor = e
        if cursor >= end:
            return True
    return cursor >= end


def _certificate_rejections(tech: TechnicianFacts, job: JobFacts, tz: ZoneInfo) -> list[Rejection]:
    out: list[Rejection] = []
    if not job.required_certificates:
        return out
    job_day = job.end.astimezone(tz).date()
    for kind in sorted(job.required_certificates):
        held = [c for c in tech.certificates if c.kind == kind]
        verified = [c for c in held if c.verified]
        if not verified:
            pending = " (uploaded, not yet verified)" if held else ""
            out.append(
                Rejection(
                    RejectionCode.MISSING_CERTIFICATE,
                    f"no verified '{kind}' certificate{pending}",
                    {"certificate": kind, "pending_verification": bool(held)},
                )
            )
            continue
        if all(c.expires_on is not None and c.expires_on < job_day for c in verified):
            latest = max(c.expires_on for c in verified if c.expires_on is not None)
            out.append(
                Rejection(
                    RejectionCode.CERTIFICATE_EXPIRED,
                    f"'{kind}' certificate expired on {latest.isoformat()}, before the job on "
                    f"{job_day.isoformat()}",
                    {
                        "certificate": kind,
                        "expired_on": latest.isoformat(),
                        "job_date": job_day.isoformat(),
                    },
                )
            )
    return out


def evaluate(
    tech: TechnicianFacts,
    job: JobFacts,
    *,
    now: datetime,
    travel: TravelTime,
    policy: EligibilityPolicy = DEFAULT_POLICY,
    exhaustive: bool = True,
) -> Evaluation:
    """All hard-filter verdicts for one pair, plus the geometry worked out on the way.

    ``exhaustive=False`` stops after the first group of checks that rejects (status,
    skills and certificates, area, distance, calendar; cheapest first), for callers
    that only need the verdict, such as the batch matrix.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = _zone(policy.tz)
    rej: list[Rejection] = []
    add = rej.append

    if not tech.verified:
        add(Rejection(RejectionCode.NOT_VERIFIED, "technician is not verified yet"))
    if tech.suspended:
        add(Rejection(RejectionCode.SUSPENDED, "technician is suspended"))
    if not tech.online:
        add(Rejection(RejectionCode.OFFLINE, "technician is offline"))
    elif not tech.present:
        add(Rejection(RejectionCode.ABSENT, "technician's app showed no sign of life lately"))
    if tech.daily_cap is not None and tech.stats.jobs_today >= tech.daily_cap:
        add(
            Rejection(
                RejectionCode.DAILY_CAP_REACHED,
                f"restricted to {tech.daily_cap} jobs a day (complaint rate), has "
                f"{tech.stats.jobs_today} today",
                {"daily_cap": tech.daily_cap, "jobs_today": tech.stats.jobs_today},
            )
        )
    if job.customer_id in tech.blocked_customer_ids or tech.id in job.blocked_technician_ids:
        add(Rejection(RejectionCode.BLOCKED, "customer and technician are blocked from each other"))
    if tech.id in job.handed_back_by:
        add(
            Rejection(
                RejectionCode.HANDED_BACK,
                "technician transferred this order away; it goes to someone else",
            )
        )

    missing = sorted(job.required_skills - tech.skills)
    if missing:
        add(
            Rejection(
                RejectionCode.MISSING_SKILL,
                "missing skill: " + ", ".join(missing),
                {"missing": missing},
            )
        )
    rej.extend(_certificate_rejections(tech, job, tz))
    if rej and not exhaustive:
        return Evaluation(tuple(rej), None, None, None)

    # Where: service area, then the technician's own distance limit.
    if not tech.service_areas:
        add(Rejection(RejectionCode.OUTSIDE_SERVICE_AREA, "technician has no service area set"))
    elif not any(area.contains(job.location) for area in tech.service_areas):
        add(
            Rejection(
                RejectionCode.OUTSIDE_SERVICE_AREA,
                "address is outside the technician's service area",
            )
        )

    if rej and not exhaustive:
        return Evaluation(tuple(rej), None, None, None)

    departure = departure_point(tech, job, now=now, policy=policy)
    dist: float | None = None
    eta: float | None = None
    if departure is None:
        add(
            Rejection(
                RejectionCode.LOCATION_UNKNOWN,
                "technician has neither a live position nor a home base",
            )
        )
    else:
        dist = distance_m(departure.point, job.location)
        leave_at = departure.at if departure.at is not None else job.start
        eta = travel.seconds(departure.point, job.location, leave_at, tech.travel_mode)
        if tech.max_distance_km is not None and dist > tech.max_distance_km * 1000.0:
            add(
                Rejection(
                    RejectionCode.BEYOND_MAX_DISTANCE,
                    f"{dist / 1000:.1f} km away, technician accepts up to "
                    f"{tech.max_distance_km:g} km",
                    {"distance_m": round(dist), "max_distance_km": tech.max_distance_km},
                )
            )

    if rej and not exhaustive:
        return Evaluation(tuple(rej), departure, dist, eta)

    # When: calendar, travel between jobs, weekly hours, time off.
    clashes = [b for b in tech.busy if b.overlaps(job.start, job.end)]
    if clashes:
        add(
            Rejection(
                RejectionCode.SLOT_CONFLICT,
                "already booked during the slot",
                {"order_ids": [b.order_id for b in clashes]},
            )
        )
    prev = _previous(tech.busy, job)
    if prev is not None:
        need = (
            travel.seconds(prev.location, job.location, prev.end, tech.travel_mode)
            + policy.turnaround_s
        )
        have = (job.start - prev.end).total_seconds()
        if need > have:
            add(
                Rejection(
                    RejectionCode.NO_TIME_FROM_PREVIOUS,
                    f"needs {need / 60:.0f} min after the previous job, has {have / 60:.0f}",
                    {
                        "order_id": prev.order_id,
                        "needed_s": round(need),
                        "available_s": round(have),
                    },
                )
            )
    nxt = _next(tech.busy, job)
    if nxt is not None:
        need = (
            travel.seconds(job.location, nxt.location, job.end, tech.travel_mode)
            + policy.turnaround_s
        )
        have = (nxt.start - job.end).total_seconds()
        if need > have:
            add(
                Rejection(
                    RejectionCode.NO_TIME_TO_NEXT,
                    f"needs {need / 60:.0f} min to reach the next job, has {have / 60:.0f}",
                    {"order_id": nxt.order_id, "needed_s": round(need), "available_s": round(have)},
                )
            )
    if (
        departure is not None
        and departure.source == "current_location"
        and eta is not None
        and (prev is None or prev.end <= now)
    ):
        arrive = now + timedelta(seconds=eta)
        latest = job.start + timedelta(seconds=policy.late_tolerance_s)
        if arrive > latest:
            add(
                Rejection(
                    RejectionCode.CANNOT_ARRIVE_IN_TIME,
                    f"earliest arrival {(arrive - job.start).total_seconds() / 60:.0f} min "
                    "after the start",
                    {"eta_s": round(eta)},
                )
            )
    if tech.weekly is not None and not is_covered_by_weekly(job.start, job.end, tech.weekly, tz):
        add(
            Rejection(
                RejectionCode.OUTSIDE_WORKING_HOURS,
                "slot is outside the technician's working hours",
            )
        )
    if any(t.overlaps(job.start, job.end) for t in tech.time_off):
        add(Rejection(RejectionCode.TIME_OFF, "technician has time off during the slot"))

    return Evaluation(tuple(rej), departure, dist, eta)


def check(
    technician: TechnicianFacts,
    job: JobFacts,
    *,
    now: datetime,
    travel: TravelTime,
    policy: EligibilityPolicy = DEFAULT_POLICY,
) -> list[Rejection]:
    """Every reason the technician may not take the job; empty when eligible."""
    return list(evaluate(technician, job, now=now, travel=travel, policy=policy).rejections)
