"""The time-and-place tests of the hard filters as one compiled loop over (job,
technician) pairs (numba). Pure.

Per pair: the booked jobs on either side and any overlap, the departure point (the
previous job, the live position or home) and its travel time, the service circle, the
distance cap, the travel to and from the neighbouring jobs, lateness and time off; in
``eligibility.evaluate``'s order of operations. As array operations these were some
forty numpy calls per decision, each walking its arrays again; one pass does them all.

A pair the loop cannot settle exactly gets ``UNSURE`` and goes to ``evaluate`` itself:
a comparison within a hair of its threshold, or a departure outside the days around the
jobs whose UTC offset it was given (rush hours are local). Drawn service areas are tested
by the caller (``DRAWN``); weekly hours come in as ``hours_bad``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache

import numpy as np
from numba import njit

from server.dispatch.column_fields import AREA_CIRCLE, AREA_PYTHON, ColumnFields
from server.dispatch.columns import EPOCH, MODES, ONE_US, TechnicianColumns
from server.dispatch.eligibility import EligibilityPolicy
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.vector_travel import DAY_US, HOUR_US, steady_offset, time_of_day_us
from server.geo.coords import EARTH_RADIUS_M

TOL_M = 1e-6  # metres: closer than this to a threshold, the exact code decides
TOL_S = 1e-6  # seconds, likewise
TOL_US = 2.0  # microseconds: a timedelta rounds to one
_C = ColumnFields.COL
# The block columns the loop reads, in this order (it is passed their indices).
_FIELDS = (
    "area_kind", "c_lat", "c_lng", "c_r_m", "has_loc", "loc_lat", "loc_lng", "has_home",
    "home_lat", "home_lng", "max_dist_m", "mode", "weekly", "n_busy", "n_off",
    "bb_lat_lo", "bb_lat_hi", "bb_lng_lo", "bb_lng_hi",
)  # fmt: skip
COLUMN_INDEX = np.array([_C[f] for f in _FIELDS], dtype=np.int64)
UNKNOWN = (np.nan, np.nan, np.nan)  # no distance known beforehand
# Verdict bits per candidate.
OUTSIDE, BAD, UNSURE, AREA_UNSURE, DRAWN = 1, 2, 4, 8, 16


@njit(cache=True, nogil=True)
def _haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:  # pragma: no cover
    p1 = lat1 * (math.pi / 180.0)
    p2 = lat2 * (math.pi / 180.0)
    dp = p2 - p1
    dl = (lng2 - lng1) * (math.pi / 180.0)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@njit(cache=True, nogil=True)
def _seconds(
    meters: float,
    leave: int | np.int64,
    mode: int,
    tr: np.ndarray,
    ti: np.ndarray,
    speeds: np.ndarray,
    peaks: np.ndarray,
) -> float:  # pragma: no cover
    """Travel seconds, or -1.0 when ``leave`` is outside the span of the given offset.
    ``tr``: [road factor, overhead s, peak now]; ``ti``: [offset, span lo, span hi, now]
    in microseconds."""
    if leave == ti[3]:
        peak = tr[2] > 0
    elif leave < ti[1] or leave > ti[2]:
        return -1.0
    else:
        tod = (leave + ti[0]) % DAY_US
        peak = False
        for w in range(peaks.shape[0]):
            if tod >= peaks[w, 0] and tod < peaks[w, 1]:
                peak = True
    speed = speeds[mode, 1] if peak else speeds[mode, 0]
    if meters <= 0:
        return 0.0
    return tr[1] + meters * tr[0] / (speed / 3.6)


@njit(cache=True, nogil=True)
def pair_verdict(  # pragma: no cover
    r: int,
    lat: float,
    lng: float,
    start: int | np.int64,
    end: int | np.int64,
    hours_bad: bool,
    block: np.ndarray,
    cols: np.ndarray,
    busy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    off: tuple[np.ndarray, np.ndarray],
    pol: np.ndarray,
    tr: np.ndarray,
    ti: np.ndarray,
    speeds: np.ndarray,
    peaks: np.ndarray,
    known: tuple[float, float, float],
) -> tuple[int, float, float]:
    """Verdict bits, distance and ETA of one job (at ``lat, lng`` from ``start`` to
    ``end``, us) for row ``r``; ``pol``: [chain gap, location horizon, turnaround] in
    seconds; ``ti``: [offset, span lo, span hi, now, late tolerance] in us; ``known``: a
    point and its distance to the job already worked out (the departure is often it)."""
    busy_start, busy_end, busy_lat, busy_lng = busy
    off_start, off_end = off
    now, late = ti[3], ti[4]
    g = block[r]
    has_prev = has_next = clash = False
    prev_end = next_start = np.int64(0)
    prev_lat = prev_lng = next_lat = next_lng = 0.0
    for k in range(int(g[cols[13]])):
        bs, be = busy_start[r, k], busy_end[r, k]
        if bs < end and start < be:
            clash = True
        if be <= start and (not has_prev or be > prev_end):
            has_prev, prev_end = True, be
            prev_lat, prev_lng = busy_lat[r, k], busy_lng[r, k]
        if bs >= end and (not has_next or bs < next_start):
            has_next, next_start = True, bs
            next_lat, next_lng = busy_lat[r, k], busy_lng[r, k]
    gap_s = (start - prev_end) / 1e6
    chain = has_prev and gap_s <= pol[0]
    soon = (start - now) / 1e6 <= pol[1]
    has_loc, has_home = g[cols[4]] > 0, g[cols[7]] > 0
    use_loc = (not chain) and has_loc and (soon or not has_home)
    located = chain or has_loc or has_home
    leave: int | np.int64
    if chain:
        dep_lat, dep_lng, leave = prev_lat, prev_lng, prev_end
    elif use_loc:
        dep_lat, dep_lng, leave = g[cols[5]], g[cols[6]], now
    else:
        dep_lat, dep_lng, leave = g[cols[8]], g[cols[9]], start
    mode = int(g[cols[11]])
    if dep_lat == known[0] and dep_lng == known[1]:
        d = known[2]
    else:
        d = _haversine(dep_lat, dep_lng, lat, lng)
    e = _seconds(d, leave, mode, tr, ti, speeds, peaks)
    f = 0
    # Area: a circle here; a drawn area (in its box) is tested by the caller.
    kind = int(g[cols[0]])
    if kind == AREA_CIRCLE:
        dc = _haversine(g[cols[1]], g[cols[2]], lat, lng)
        radius = g[cols[3]]
        if not dc <= radius:
            f |= OUTSIDE
        if abs(dc - radius) <= TOL_M:
            f |= AREA_UNSURE
    else:
        f |= OUTSIDE
        if kind == AREA_PYTHON:
            f |= DRAWN
    max_m = g[cols[10]]
    unsure = located and abs(d - max_m) <= TOL_M
    bad = (not located) or d > max_m or clash
    # A travel time the loop cannot know (-1: its departure lies outside the span
    # of the offset it was given) leaves the pair to the exact code.
    unknown = e < 0
    if has_prev:
        leg = _haversine(prev_lat, prev_lng, lat, lng)
        secs = _seconds(leg, prev_end, mode, tr, ti, speeds, peaks)
        unknown = unknown or secs < 0
        need = secs + pol[2]
        bad = bad or need > gap_s
        unsure = unsure or abs(need - gap_s) <= TOL_S
    if has_next:
        leg = _haversine(lat, lng, next_lat, next_lng)
        secs = _seconds(leg, end, mode, tr, ti, speeds, peaks)
        unknown = unknown or secs < 0
        need = secs + pol[2]
        have = (next_start - end) / 1e6
        bad = bad or need > have
        unsure = unsure or abs(need - have) <= TOL_S
    if use_loc and ((not has_prev) or prev_end <= now):
        over = e * 1e6 - float(start - now + late)
        bad = bad or over > 0
        unsure = unsure or abs(over) <= TOL_US
    bad = bad or hours_bad
    for k in range(int(g[cols[14]])):
        if off_start[r, k] < end and start < off_end[r, k]:
            bad = True
    if unknown:
        bad, unsure = False, True
    if bad:
        f |= BAD
    if unsure:
        f |= UNSURE
    return f, d, e


@njit(cache=True, nogil=True)
def _verdicts(  # pragma: no cover
    pairs: np.ndarray,
    block: np.ndarray,
    cols: np.ndarray,
    busy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    off: tuple[np.ndarray, np.ndarray],
    jobs: tuple[np.ndarray, np.ndarray],
    hours_bad: np.ndarray,
    pol: np.ndarray,
    tr: np.ndarray,
    ti: np.ndarray,
    speeds: np.ndarray,
    peaks: np.ndarray,
    flags: np.ndarray,
    dist: np.ndarray,
    eta: np.ndarray,
) -> None:
    """Fills ``flags`` (verdict bits), ``dist`` and ``eta`` per pair (``pairs``: job, row);
    ``jobs``: ([lat, lng], [start, end]) per job."""
    where, when = jobs
    for i in range(pairs.shape[0]):
        j, r = pairs[i, 0], pairs[i, 1]
        flags[i], dist[i], eta[i] = pair_verdict(
            r, where[j, 0], where[j, 1], when[j, 0], when[j, 1], hours_bad[i],
            block, cols, busy, off, pol, tr, ti, speeds, peaks, UNKNOWN,
        )  # fmt: skip


@lru_cache(maxsize=64)
def _constants(
    travel: RoadFactorTravelTime, policy: EligibilityPolicy
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Speeds by mode (off-peak, peak), rush hours (us of the day), the policy's seconds
    and its lateness tolerance (us): the same for every decision under one model."""
    speeds = np.array([[travel.speeds[m].off_peak_kmh, travel.speeds[m].peak_kmh] for m in MODES])
    peaks = np.array(
        [[time_of_day_us(a), time_of_day_us(b)] for a, b in travel.peaks], dtype=np.int64
    )
    pol = np.array(
        [policy.chain_gap_s, policy.live_location_horizon_s, policy.turnaround_s],
        dtype=np.float64,
    )
    late_us = timedelta(seconds=policy.late_tolerance_s) // ONE_US
    return speeds, peaks.reshape(-1, 2), pol, late_us


def loop_inputs(
    travel: RoadFactorTravelTime,
    policy: EligibilityPolicy,
    *,
    first_start_us: int,
    last_end_us: int,
    now_us: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What ``pair_verdict`` is given besides the pair: ``pol``, ``tr``, ``ti``, speeds
    and rush hours, for jobs between ``first_start_us`` and ``last_end_us``."""
    lo_hour = first_start_us // HOUR_US - 72
    hi_hour = last_end_us // HOUR_US + 24
    offset = steady_offset(travel, lo_hour, hi_hour)
    span_lo, span_hi = lo_hour * HOUR_US, (hi_hour + 1) * HOUR_US - 1
    if offset is None:  # the clocks change nearby: only "now" is known, the rest is exact
        offset, span_lo, span_hi = 0, 1, 0
    speeds, peaks, pol, late_us = _constants(travel, policy)
    peak_now = travel.is_peak(EPOCH + timedelta(microseconds=now_us))
    tr = np.array([travel.road_factor, travel.fixed_overhead_s, 1.0 if peak_now else 0.0])
    ti = np.array([offset, span_lo, span_hi, now_us, late_us], dtype=np.int64)
    return pol, tr, ti, speeds, peaks


def verdicts(
    cols: TechnicianColumns,
    jt_where: np.ndarray,
    jt_when: np.ndarray,
    j: np.ndarray,
    s: np.ndarray,
    hours_bad: np.ndarray,
    *,
    now_us: int,
    travel: RoadFactorTravelTime,
    policy: EligibilityPolicy,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verdict bits, distances and ETAs of the pairs (job ``j[i]``, row ``s[i]``), the
    jobs' places and times as rows of ``jt_where`` ([lat, lng]) and ``jt_when`` ([start,
    end] us); ``hours_bad``: the pairs outside the technician's weekly hours."""
    n = s.size
    flags = np.zeros(n, dtype=np.int64)
    dist = np.empty(n)
    eta = np.empty(n)
    if n == 0:
        return flags, dist, eta
    span = dict(first_start_us=int(jt_when[:, 0].min()), last_end_us=int(jt_when[:, 1].max()))
    _verdicts(
        np.stack([j, s], axis=1).astype(np.int64, copy=False),
        cols.block,
        COLUMN_INDEX,
        calendars(cols),
        (cols.off_start, cols.off_end),
        (jt_where, jt_when),
        hours_bad,
        *loop_inputs(travel, policy, now_us=now_us, **span),
        flags,
        dist,
        eta,
    )
    return flags, dist, eta


def calendars(cols: TechnicianColumns) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return cols.busy_start, cols.busy_end, cols.busy_lat, cols.busy_lng
