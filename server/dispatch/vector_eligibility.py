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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from server.dispatch.column_fields import AREA_CIRCLE, AREA_PYTHON
from server.dispatch.columns import ONE_US, TechnicianColumns, to_us
from server.dispatch.eligibility import EligibilityPolicy, is_covered_by_weekly
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.vector_travel import haversine_pairs, travel_seconds

TOL_M = 1e-6  # metres: closer than this to a threshold, the exact code decides
TOL_S = 1e-6  # seconds, likewise
TOL_US = 2.0  # microseconds: a timedelta rounds to one
I64_MIN = np.iinfo(np.int64).min
I64_MAX = np.iinfo(np.int64).max


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
    stage: np.ndarray  # where a rejected pair failed: 1 status, skills, certificates; 2 area


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


def status_and_skills(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Group one: who fails on status, block, skills or certificates."""
    gate = cols.gate[s]
    need = jt.skills[0] if len(jt.jobs) == 1 else jt.skills[j]
    fail = (gate[:, 0] == 0) | ((need & ~gate[:, 1]) != 0)
    if jt.nobody.any():
        fail |= jt.nobody[j]
    for kind, needed in jt.certs.items():
        need_kind = needed[j]
        expiry = cols.cert_expiry.get(kind)
        fail |= need_kind if expiry is None else need_kind & (expiry[s] < jt.day[j])
    blocked = _blocked(cols, jt, j, s)
    return fail if blocked is None else fail | blocked


def _outside_area(
    cols: TechnicianColumns,
    jt: JobTable,
    j: np.ndarray,
    s: np.ndarray,
    g: np.ndarray,
    d: np.ndarray,
    exact: np.ndarray,
) -> np.ndarray:
    """Group two: the job's address outside the technician's service area (``g``: the
    rows' blocks, ``d``: from a circle's centre to the job)."""
    c = TechnicianColumns.COL
    kind = g[:, c["area_kind"]]
    lat, lng = jt.lat[j], jt.lng[j]
    r = g[:, c["c_r_m"]]
    circle = kind == AREA_CIRCLE
    inside = circle & (d <= r)
    exact |= circle & (np.abs(d - r) <= TOL_M)
    drawn = kind == AREA_PYTHON
    if not drawn.any():
        return ~inside
    drawn &= (
        (lat >= g[:, c["bb_lat_lo"]])
        & (lat <= g[:, c["bb_lat_hi"]])
        & (lng >= g[:, c["bb_lng_lo"]])
        & (lng <= g[:, c["bb_lng_hi"]])
    )
    for i in drawn.nonzero()[0].tolist():
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
    cols: TechnicianColumns, s: np.ndarray, count: np.ndarray, start: np.ndarray, end: np.ndarray
) -> _Calendar:
    """The previous and next booked job (first of equal ends / starts, as the facts order
    them) and whether one overlaps the slot."""
    n = s.size
    out = _Calendar(
        np.zeros(n, bool), np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n, bool),
        np.zeros(n, bool), np.zeros(n, np.int64), np.zeros(n), np.zeros(n),
    )  # fmt: skip
    some = (count > 0).nonzero()[0]
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
    cols: TechnicianColumns, s: np.ndarray, count: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray | None:
    some = (count > 0).nonzero()[0]
    if some.size == 0:
        return None
    hit = np.zeros(s.size, dtype=bool)
    width = int(count[some].max())
    o_start = cols.off_start[s[some], :width]
    o_end = cols.off_end[s[some], :width]
    valid = np.arange(width)[None, :] < count[some][:, None]
    st, en = start[some][:, None], end[some][:, None]
    hit[some] = (valid & (o_start < en) & (st < o_end)).any(axis=1)
    return hit


def _outside_hours(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, pid: np.ndarray, tz: str
) -> np.ndarray | None:
    limited = (pid >= 0).nonzero()[0]
    if limited.size == 0:
        return None
    out = np.zeros(pid.size, dtype=bool)
    zone = ZoneInfo(tz)
    pids = pid[limited].astype(np.intp)
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
        out[limited] = ~covered[pids]
        return out
    keys = pids * len(jt.jobs) + j[limited]
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
    stage = np.ones(n, dtype=np.int8)
    verdicts = Verdicts(ok, exact, dist, eta, stage)
    live = (~status_and_skills(cols, jt, j, s)).nonzero()[0]
    if live.size == 0:
        return verdicts
    g = cols.block[s[live]]
    c = TechnicianColumns.COL
    js, ss = j[live], s[live]
    now_us = to_us(now)
    start, end = jt.start[js], jt.end[js]
    cal = _calendar(cols, ss, g[:, c["n_busy"]], start, end)
    gap_s = (start - cal.prev_end) / 1e6
    chain = cal.has_prev & (gap_s <= policy.chain_gap_s)
    soon = (start - now_us) / 1e6 <= policy.live_location_horizon_s
    has_loc, has_home = g[:, c["has_loc"]] > 0, g[:, c["has_home"]] > 0
    use_loc = ~chain & has_loc & (soon | ~has_home)
    located = chain | has_loc | has_home
    dep_lat = np.where(use_loc, g[:, c["loc_lat"]], g[:, c["home_lat"]])
    dep_lng = np.where(use_loc, g[:, c["loc_lng"]], g[:, c["home_lng"]])
    leave = np.where(use_loc, now_us, start)
    pr, nr = cal.has_prev.nonzero()[0], cal.has_next.nonzero()[0]
    if pr.size:
        dep_lat = np.where(chain, cal.prev_lat, dep_lat)
        dep_lng = np.where(chain, cal.prev_lng, dep_lng)
        leave = np.where(chain, cal.prev_end, leave)
    lat, lng = jt.lat[js], jt.lng[js]
    mode = g[:, c["mode"]].astype(np.intp)
    # One haversine for all: the service area's centre to the job, then the legs (to the
    # job, and between it and the booked jobs on either side), whose travel times follow.
    n_live, n_prev = ss.size, pr.size
    dists = haversine_pairs(
        np.concatenate([g[:, c["c_lat"]], dep_lat, cal.prev_lat[pr], lat[nr]]),
        np.concatenate([g[:, c["c_lng"]], dep_lng, cal.prev_lng[pr], lng[nr]]),
        np.concatenate([lat, lat, lat[pr], cal.next_lat[nr]]),
        np.concatenate([lng, lng, lng[pr], cal.next_lng[nr]]),
    )
    legs = dists[n_live:]
    secs = travel_seconds(
        travel,
        legs,
        np.concatenate([leave, cal.prev_end[pr], end[nr]]),
        np.concatenate([mode, mode[pr], mode[nr]]),
    )
    area_unsure = np.zeros(n_live, dtype=bool)
    outside = _outside_area(cols, jt, js, ss, g, dists[:n_live], area_unsure)
    d, e = legs[:n_live], secs[:n_live]
    max_m = g[:, c["max_dist_m"]]
    unsure = located & (np.abs(d - max_m) <= TOL_M)
    bad = ~located | (d > max_m) | cal.clash
    # When: calendar, travel between jobs, weekly hours, time off.
    if pr.size:
        need = secs[n_live : n_live + n_prev] + policy.turnaround_s
        have = gap_s[pr]
        bad[pr] |= need > have
        unsure[pr] |= np.abs(need - have) <= TOL_S
    if nr.size:
        need = secs[n_live + n_prev :] + policy.turnaround_s
        have = (cal.next_start[nr] - end[nr]) / 1e6
        bad[nr] |= need > have
        unsure[nr] |= np.abs(need - have) <= TOL_S
    late_us = timedelta(seconds=policy.late_tolerance_s) // ONE_US
    timed = use_loc & (~cal.has_prev | (cal.prev_end <= now_us))
    over = e * 1e6 - (start - now_us + late_us).astype(np.float64)
    bad |= timed & (over > 0)
    unsure |= timed & (np.abs(over) <= TOL_US)
    for more in (
        _outside_hours(cols, jt, js, g[:, c["weekly"]], policy.tz),
        _time_off(cols, ss, g[:, c["n_off"]], start, end),
    ):
        if more is not None:
            bad |= more
    unsure = area_unsure | (~outside & unsure)
    stage[live] = np.where(outside, 2, 3)
    exact[live[unsure]] = True
    ok[live[~outside & ~bad & ~unsure]] = True
    stage[ok | exact] = 0
    dist[live] = d
    eta[live] = e
    return verdicts
