"""The hard filters of ``eligibility.evaluate`` over many (job, technician) pairs at once.
Pure.

Each pair is a job index and a row of ``TechnicianColumns``; every check of the
per-candidate code is an array operation here, in the same groups. What the arrays cannot
settle exactly is marked ``exact`` and left to ``eligibility.evaluate`` itself: a float
comparison within a hair of its threshold (a distance computed by numpy may differ from
``math``'s in the last bit), a rating dated after ``now``. Drawn service areas are tested
in Python, only for the pairs whose box holds the job. Weekly windows are tested once per
distinct set of windows and job, with ``eligibility.is_covered_by_weekly``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from server.dispatch.columns import (
    AREA_CIRCLE,
    AREA_PYTHON,
    EPOCH,
    MODES,
    ONE_US,
    TechnicianColumns,
    to_us,
)
from server.dispatch.eligibility import EligibilityPolicy, is_covered_by_weekly
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime, TravelTime
from server.geo.coords import EARTH_RADIUS_M

TOL_M = 1e-6  # metres: closer than this to a threshold, the exact code decides
TOL_S = 1e-6  # seconds, likewise
TOL_US = 2.0  # microseconds: a timedelta rounds to one
I64_MIN = np.iinfo(np.int64).min
I64_MAX = np.iinfo(np.int64).max
DAY_US = 86_400 * 1_000_000
WEEK_US = 7 * DAY_US


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


def peak_flags(travel: RoadFactorTravelTime, when_us: np.ndarray) -> np.ndarray:
    """``travel.is_peak`` for each departure time. Within a week whose ends share one UTC
    offset (no clock change between them) the local time of day is plain arithmetic;
    otherwise each distinct time is asked in Python."""
    if when_us.size == 0:
        return np.zeros(0, dtype=bool)
    lo, hi = int(when_us.min()), int(when_us.max())
    first, last = EPOCH + timedelta(microseconds=lo), EPOCH + timedelta(microseconds=hi)
    offset = first.astimezone(travel.tz).utcoffset()
    if hi - lo <= WEEK_US and offset == last.astimezone(travel.tz).utcoffset():
        assert offset is not None
        tod = (when_us + offset // ONE_US) % DAY_US
        peak = np.zeros(when_us.size, dtype=bool)
        for start, end in travel.peaks:
            peak |= (tod >= _time_us(start)) & (tod < _time_us(end))
        return peak
    uniq, inverse = np.unique(when_us, return_inverse=True)
    flags = np.fromiter(
        (travel.is_peak(EPOCH + timedelta(microseconds=int(u))) for u in uniq.tolist()),
        dtype=bool,
        count=uniq.size,
    )
    return flags[inverse]


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def travel_seconds(
    travel: RoadFactorTravelTime, meters: np.ndarray, leave_us: np.ndarray, mode: np.ndarray
) -> np.ndarray:
    """``RoadFactorTravelTime.seconds_for_distance`` element by element."""
    off = np.array([travel.speeds[m].off_peak_kmh for m in MODES])
    peak = np.array([travel.speeds[m].peak_kmh for m in MODES])
    speed = np.where(peak_flags(travel, leave_us), peak[mode], off[mode])
    secs = travel.fixed_overhead_s + meters * travel.road_factor / (speed / 3.6)
    return np.where(meters <= 0, 0.0, secs)


@dataclass
class JobTable:
    """The jobs of a decision (one) or a batch (many), as columns."""

    jobs: Sequence[JobFacts]
    lat: np.ndarray
    lng: np.ndarray
    start: np.ndarray  # us
    end: np.ndarray  # us
    day: np.ndarray  # the job's local date (as certificates are checked), ordinal
    skills: np.ndarray  # int64 mask over the columns' skills
    nobody: np.ndarray  # needs a skill no technician here has
    certs: dict[str, np.ndarray]  # kind -> which jobs need it

    @classmethod
    def of(cls, jobs: Sequence[JobFacts], cols: TechnicianColumns, tz: str) -> JobTable:
        zone = ZoneInfo(tz)
        masks = [cols.skill_mask(j.required_skills) for j in jobs]
        certs: dict[str, np.ndarray] = {}
        for i, job in enumerate(jobs):
            for kind in job.required_certificates:
                certs.setdefault(kind, np.zeros(len(jobs), dtype=bool))[i] = True
        return cls(
            jobs=jobs,
            lat=np.array([j.location.lat for j in jobs]),
            lng=np.array([j.location.lng for j in jobs]),
            start=np.array([to_us(j.start) for j in jobs], dtype=np.int64),
            end=np.array([to_us(j.end) for j in jobs], dtype=np.int64),
            day=np.array([j.end.astimezone(zone).date().toordinal() for j in jobs]),
            skills=np.array([m or 0 for m in masks], dtype=np.int64),
            nobody=np.array([m is None for m in masks], dtype=bool),
            certs=certs,
        )


@dataclass
class Verdicts:
    """Per pair: eligible by the arrays, or left to the exact code; where from and how far."""

    ok: np.ndarray
    exact: np.ndarray
    dist: np.ndarray
    eta: np.ndarray


def _blocked(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray
) -> np.ndarray | None:
    """Pairs ruled out by a block either way or a hand-back; None when there are none."""
    keys: list[int] = []
    for i, job in enumerate(jt.jobs):
        ids = job.blocked_technician_ids | job.handed_back_by
        slots = cols.blocking.get(job.customer_id, set())
        if ids:
            slots = slots | set(cols.slots_of(ids).tolist())
        keys.extend(i * cols.cap + k for k in slots)
    if not keys:
        return None
    return np.isin(j * cols.cap + s, np.array(keys, dtype=np.int64))


def _status_and_skills(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Group one: who fails on status, block, skills or certificates."""
    fail = ~cols.fit[s] | ((jt.skills[j] & ~cols.skills[s]) != 0)
    if jt.nobody.any():
        fail |= jt.nobody[j]
    for kind, needed in jt.certs.items():
        need = needed[j]
        expiry = cols.cert_expiry.get(kind)
        fail |= need if expiry is None else need & (expiry[s] < jt.day[j])
    blocked = _blocked(cols, jt, j, s)
    return fail if blocked is None else fail | blocked


def _outside_area(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray, exact: np.ndarray
) -> np.ndarray:
    """Group two: the job's address outside the technician's service area."""
    kind = cols.area_kind[s]
    lat, lng = jt.lat[j], jt.lng[j]
    d = haversine_pairs(cols.c_lat[s], cols.c_lng[s], lat, lng)
    r = cols.c_r_m[s]
    circle = kind == AREA_CIRCLE
    inside = circle & (d <= r)
    exact |= circle & (np.abs(d - r) <= TOL_M)
    drawn = kind == AREA_PYTHON
    if not drawn.any():
        return ~inside
    drawn &= (
        (lat >= cols.bb_lat_lo[s])
        & (lat <= cols.bb_lat_hi[s])
        & (lng >= cols.bb_lng_lo[s])
        & (lng <= cols.bb_lng_hi[s])
    )
    for i in np.flatnonzero(drawn).tolist():
        tech = cols.facts[int(s[i])]
        job = jt.jobs[int(j[i])]
        if tech is not None and any(a.contains(job.location) for a in tech.service_areas):
            inside[i] = True
    return ~inside


@dataclass
class _Calendar:
    has_prev: np.ndarray
    prev_end: np.ndarray
    prev_lat: np.ndarray
    prev_lng: np.ndarray
    clash: np.ndarray
    has_next: np.ndarray
    next_start: np.ndarray
    next_lat: np.ndarray
    next_lng: np.ndarray


def _calendar(
    cols: TechnicianColumns, s: np.ndarray, start: np.ndarray, end: np.ndarray
) -> _Calendar:
    """The previous and next booked job (first of equal ends / starts, as the facts order
    them) and whether one overlaps the slot."""
    n = s.size
    out = _Calendar(
        np.zeros(n, bool), np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n, bool),
        np.zeros(n, bool), np.zeros(n, np.int64), np.zeros(n), np.zeros(n),
    )  # fmt: skip
    count = cols.n_busy[s]
    some = np.flatnonzero(count > 0)
    if some.size == 0:
        return out
    ss = s[some]
    width = int(count[some].max())
    b_start = cols.busy_start[ss, :width]
    b_end = cols.busy_end[ss, :width]
    valid = np.arange(width)[None, :] < count[some][:, None]
    st, en = start[some][:, None], end[some][:, None]
    out.clash[some] = (valid & (b_start < en) & (st < b_end)).any(axis=1)
    rows = np.arange(some.size)
    before = valid & (b_end <= st)
    pi = np.where(before, b_end, I64_MIN).argmax(axis=1)
    out.has_prev[some] = before.any(axis=1)
    out.prev_end[some] = b_end[rows, pi]
    out.prev_lat[some] = cols.busy_lat[ss, pi]
    out.prev_lng[some] = cols.busy_lng[ss, pi]
    after = valid & (b_start >= en)
    ni = np.where(after, b_start, I64_MAX).argmin(axis=1)
    out.has_next[some] = after.any(axis=1)
    out.next_start[some] = b_start[rows, ni]
    out.next_lat[some] = cols.busy_lat[ss, ni]
    out.next_lng[some] = cols.busy_lng[ss, ni]
    return out


def _time_off(
    cols: TechnicianColumns, s: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    hit = np.zeros(s.size, dtype=bool)
    count = cols.n_off[s]
    some = np.flatnonzero(count > 0)
    if some.size:
        width = int(count[some].max())
        o_start = cols.off_start[s[some], :width]
        o_end = cols.off_end[s[some], :width]
        valid = np.arange(width)[None, :] < count[some][:, None]
        st, en = start[some][:, None], end[some][:, None]
        hit[some] = (valid & (o_start < en) & (st < o_end)).any(axis=1)
    return hit


def _outside_hours(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray, tz: str
) -> np.ndarray:
    pid = cols.weekly[s]
    limited = np.flatnonzero(pid >= 0)
    out = np.zeros(s.size, dtype=bool)
    if limited.size == 0:
        return out
    zone = ZoneInfo(tz)
    if len(jt.jobs) == 1 and len(cols.patterns) <= 64:
        job = jt.jobs[0]
        key = (int(jt.start[0]), int(jt.end[0]), tz, len(cols.patterns))
        covered = cols.coverage.get(key)
        if covered is None:
            if len(cols.coverage) > 4096:
                cols.coverage.clear()
            covered = cols.coverage[key] = np.array(
                [is_covered_by_weekly(job.start, job.end, w, zone) for w in cols.patterns]
            )
        out[limited] = ~covered[pid[limited]]
        return out
    keys = pid[limited] * len(jt.jobs) + j[limited]
    uniq, inverse = np.unique(keys, return_inverse=True)
    covered = np.empty(uniq.size, dtype=bool)
    for u, key2 in enumerate(uniq.tolist()):
        p, i = divmod(key2, len(jt.jobs))
        job = jt.jobs[i]
        covered[u] = is_covered_by_weekly(job.start, job.end, cols.patterns[p], zone)
    out[limited] = ~covered[inverse]
    return out


def hard_filters(
    cols: TechnicianColumns,
    jt: JobTable,
    j: np.ndarray,
    s: np.ndarray,
    *,
    now: datetime,
    travel: RoadFactorTravelTime,
    policy: EligibilityPolicy,
) -> Verdicts:
    """``evaluate`` over the pairs (job ``j[i]``, row ``s[i]``): eligible, or not, or left
    to the exact code; with the distance and ETA from the departure point."""
    n = s.size
    ok = np.zeros(n, dtype=bool)
    exact = np.zeros(n, dtype=bool)
    dist = np.full(n, np.nan)
    eta = np.full(n, np.nan)
    verdicts = Verdicts(ok, exact, dist, eta)
    live = np.flatnonzero(~_status_and_skills(cols, jt, j, s))
    if live.size == 0:
        return verdicts
    unsure = np.zeros(live.size, dtype=bool)
    keep = ~_outside_area(cols, jt, j[live], s[live], unsure)
    exact[live[unsure]] = True
    live = live[keep & ~unsure]
    if live.size == 0:
        return verdicts
    js, ss = j[live], s[live]
    now_us = to_us(now)
    start, end = jt.start[js], jt.end[js]
    cal = _calendar(cols, ss, start, end)
    gap_s = (start - cal.prev_end) / 1e6
    chain = cal.has_prev & (gap_s <= policy.chain_gap_s)
    soon = (start - now_us) / 1e6 <= policy.live_location_horizon_s
    has_loc, has_home = cols.has_loc[ss], cols.has_home[ss]
    use_loc = ~chain & has_loc & (soon | ~has_home)
    use_home = ~chain & ~use_loc & has_home
    located = chain | use_loc | use_home
    dep_lat = np.where(chain, cal.prev_lat, np.where(use_loc, cols.loc_lat[ss], cols.home_lat[ss]))
    dep_lng = np.where(chain, cal.prev_lng, np.where(use_loc, cols.loc_lng[ss], cols.home_lng[ss]))
    leave = np.where(chain, cal.prev_end, np.where(use_loc, now_us, start))
    lat, lng = jt.lat[js], jt.lng[js]
    mode = cols.mode[ss]
    d = haversine_pairs(dep_lat, dep_lng, lat, lng)
    # Travel: to the job, and between it and the booked jobs on either side, in one go.
    pr, nr = np.flatnonzero(cal.has_prev), np.flatnonzero(cal.has_next)
    legs = np.concatenate(
        [
            d,
            haversine_pairs(cal.prev_lat[pr], cal.prev_lng[pr], lat[pr], lng[pr]),
            haversine_pairs(lat[nr], lng[nr], cal.next_lat[nr], cal.next_lng[nr]),
        ]
    )
    secs = travel_seconds(
        travel,
        legs,
        np.concatenate([leave, cal.prev_end[pr], end[nr]]),
        np.concatenate([mode, mode[pr], mode[nr]]),
    )
    n_live, n_prev = ss.size, pr.size
    e = secs[:n_live]
    max_m = cols.max_dist_m[ss]
    unsure = located & (np.abs(d - max_m) <= TOL_M)
    bad = ~located | (d > max_m)
    # When: calendar, travel between jobs, weekly hours, time off.
    bad |= cal.clash
    need = secs[n_live : n_live + n_prev] + policy.turnaround_s
    have = gap_s[pr]
    bad[pr] |= need > have
    unsure[pr] |= np.abs(need - have) <= TOL_S
    need = secs[n_live + n_prev :] + policy.turnaround_s
    have = (cal.next_start[nr] - end[nr]) / 1e6
    bad[nr] |= need > have
    unsure[nr] |= np.abs(need - have) <= TOL_S
    late_us = timedelta(seconds=policy.late_tolerance_s) // timedelta(microseconds=1)
    timed = use_loc & (~cal.has_prev | (cal.prev_end <= now_us))
    slack = (start - now_us + late_us).astype(np.float64)
    bad |= timed & (e * 1e6 > slack)
    unsure |= timed & (np.abs(e * 1e6 - slack) <= TOL_US)
    bad |= _outside_hours(cols, jt, js, ss, policy.tz)
    bad |= _time_off(cols, ss, start, end)
    exact[live[unsure]] = True
    good = ~bad & ~unsure
    ok[live[good]] = True
    dist[live] = d
    eta[live] = e
    return verdicts


def box_around(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float] | None:
    """A lat/lng box holding every point within ``radius_m`` (with a margin), or None near
    a pole or the antimeridian, where a box does not help."""
    m_per_deg = EARTH_RADIUS_M * math.pi / 180.0
    dlat = radius_m / m_per_deg * 1.001 + 1e-9
    lat_lo, lat_hi = lat - dlat, lat + dlat
    if lat_lo <= -89.0 or lat_hi >= 89.0:
        return None
    cos_min = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlng = radius_m / (m_per_deg * cos_min) * 1.001 + 1e-9
    if dlng >= 180.0 or lng - dlng < -180.0 or lng + dlng > 180.0:
        return None
    return lat_lo, lat_hi, lng - dlng, lng + dlng
