"""One job's candidates, hard filters and scores in a single compiled pass (numba). Pure.

``vector_engine.decide_vector`` asks, per job: the technicians with the job's rarest
skill inside the search box and radius, then ``vector_eligibility.hard_filters``, then
``vector_scoring.score_pairs``. As array steps that is about a hundred numpy calls, each
walking a few hundred rows again, and a decision run between other work finds them cold
in the cache. Here one loop visits each candidate row once: the radius, the members and
exclusions, status, skills, certificates, blocks, weekly hours, the time-and-place
tests (``vector_kernel.pair_verdict``, the same code as the pairs loop) and the score,
in the same formulas and order of operations as the array steps. What it cannot settle
is marked for the exact code in the same way; drawn service areas are tested after, in
Python, for the few rows whose area is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numba import njit

from server.dispatch.columns import TechnicianColumns, to_us
from server.dispatch.eligibility import EligibilityPolicy
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.vector_eligibility import Verdicts, coverage
from server.dispatch.vector_kernel import (
    AREA_UNSURE,
    BAD,
    COLUMN_INDEX,
    DRAWN,
    OUTSIDE,
    TOL_M,
    UNSURE,
    calendars,
    loop_inputs,
    pair_verdict,
)
from server.dispatch.vector_scoring import (
    ACCEPTANCE,
    BASE,
    DIST,
    ETA,
    FAIRNESS,
    LEVEL,
    PROXIMITY,
    RATING,
    SCORE,
    STARS,
    ScoreArrays,
    score_table,
)
from server.geo.coords import EARTH_RADIUS_M, box_around
from server.rules.dispatch import DispatchWeights, ScoringPolicy

TIE = 1e-9  # scores closer than this are ordered by the exact per-candidate scores
NO_ROWS = np.zeros(0, dtype=np.int64)
NO_BOOL = np.zeros(0, dtype=np.bool_)
NO_CERTIFICATES = np.zeros((0, 1), dtype=np.int64)
_CONSTANTS: dict[tuple[int, int], tuple[object, object, np.ndarray]] = {}


@njit(cache=True, nogil=True)
def _radius_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:  # pragma: no cover
    """``haversine_many_m``'s formula for one point, so the radius cuts where it did."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lng2 - lng1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(min(1.0, np.sqrt(a)))


@njit(cache=True, nogil=True)
def _in_rows(sorted_rows: np.ndarray, r: int) -> bool:  # pragma: no cover
    if sorted_rows.size == 0:
        return False
    i = np.searchsorted(sorted_rows, r)
    return bool(i < sorted_rows.size and sorted_rows[i] == r)


@njit(cache=True, nogil=True)
def _score(  # pragma: no cover
    r: int,
    d: float,
    e: float,
    table: np.ndarray,
    sp: np.ndarray,
    out: np.ndarray,
) -> bool:
    """``score_pairs`` for one pair into ``out`` (a row of ``num``); True when the exact
    code must score it. ``table``: ``score_table``'s rows; ``sp``: [eta basis, eta scale,
    distance scale, w proximity, w rating, prior mean, prior weight, half-life s, now s,
    idle boost, idle radius, subsidy over]."""
    if sp[0] > 0:
        proximity = sp[1] / (sp[1] + max(0.0, e))
    else:
        proximity = sp[2] / (sp[2] + d)
    t = table[r]
    age = sp[8] - t[0]
    f = 0.5 ** (max(age, 0.0) / sp[7])
    top = sp[5] * sp[6] + f * t[1] + t[3]
    bottom = sp[6] + f * t[2] + t[4]
    stars = sp[5] if bottom == 0 else top / bottom
    rating = (stars - 1.0) / 4.0
    base = sp[3] * proximity + sp[4] * rating + t[8]
    score = base * t[9]
    exact = age < 0
    if sp[9] != 1.0:
        if d <= sp[10] and t[10] > 0:
            score = score * sp[9]
        exact = exact or abs(d - sp[10]) <= TOL_M
    exact = exact or abs(d - sp[11]) <= TOL_M
    out[PROXIMITY], out[RATING] = proximity, rating
    out[LEVEL], out[FAIRNESS], out[ACCEPTANCE] = t[5], t[6], t[7]
    out[STARS], out[BASE], out[SCORE] = stars, base, score
    return exact


@njit(cache=True, nogil=True)
def rank(  # pragma: no cover
    score: np.ndarray, dist: np.ndarray, tie: float
) -> tuple[np.ndarray, np.ndarray]:
    """``np.lexsort((dist, -score))`` (best score first, then nearest; stable), and the
    ranks whose score is within ``tie`` of the next one's."""
    by_dist = np.argsort(dist, kind="mergesort")
    order = by_dist[np.argsort(-score[by_dist], kind="mergesort")]
    close = np.flatnonzero(np.abs(np.diff(score[order])) <= tie)
    return order, close


@njit(cache=True, nogil=True)
def _decide(  # pragma: no cover
    band: tuple[np.ndarray, np.ndarray, np.ndarray],
    search: np.ndarray,
    job: tuple[np.ndarray, np.ndarray],
    members: np.ndarray,
    excluded: np.ndarray,
    gate: np.ndarray,
    need: int,
    certs: tuple[np.ndarray, int],
    blocked: np.ndarray,
    hours: tuple[np.ndarray, np.ndarray],
    block: np.ndarray,
    cols: np.ndarray,
    busy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    off: tuple[np.ndarray, np.ndarray],
    loop: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    scoring: tuple[np.ndarray, np.ndarray],
    tie: float,
    out: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[int, int, int, int]:
    """One entry per candidate (``band``: the rows within the search box's latitudes,
    their latitudes and longitudes, in that order; ``search``: [lng lo, lng hi, radius m]; ``job``:
    ([lat, lng], [start, end] us)) into ``out``: every candidate's row and stage, the rows
    the exact code must settle (``recheck``), the eligible rows with their figures, and,
    when none is left to recheck, their ranking (``rank``). Returns the counts of each."""
    rows_by_lat, lats, lngs = band
    where, when = job
    lat, lng, start, end = where[0], where[1], when[0], when[1]
    cert_expiry, day = certs
    weekly, covered = hours
    pol, tr, ti, speeds, peaks = loop
    table, sp = scoring
    ints, stage, num = out
    rows, recheck, eligible = ints[0], ints[1], ints[2]
    n = q = m = c = 0
    for i in range(rows_by_lat.size):
        if lngs[i] < search[0] or lngs[i] > search[1]:
            continue
        r = rows_by_lat[i]
        d_pos = _radius_m(lat, lng, lats[i], lngs[i])
        if not d_pos <= search[2]:
            continue
        if (members.size > 0 and not members[r]) or _in_rows(excluded, r):
            continue
        rows[n] = r
        stage[n] = 1
        n += 1
        fail = gate[r, 0] == 0 or (need & ~gate[r, 1]) != 0 or _in_rows(blocked, r)
        for c in range(cert_expiry.shape[0]):
            fail = fail or cert_expiry[c, r] < day
        if fail:
            continue
        p = int(block[r, cols[12]])
        f, d, e = pair_verdict(
            r, lat, lng, start, end, p >= 0 and not covered[p],
            block, cols, busy, off, pol, tr, ti, speeds, peaks, (lats[i], lngs[i], d_pos),
        )  # fmt: skip
        if (f & DRAWN) != 0:
            # A drawn area whose box holds the job: the exact code tests the shape.
            g = block[r]
            if g[cols[15]] <= lat <= g[cols[16]] and g[cols[17]] <= lng <= g[cols[18]]:
                f = f & ~OUTSIDE | UNSURE
        outside = (f & OUTSIDE) != 0
        if (f & AREA_UNSURE) != 0 or (not outside and (f & UNSURE) != 0):
            stage[n - 1] = 0
            recheck[q] = r
            q += 1
        elif outside:
            stage[n - 1] = 2
        elif (f & BAD) != 0:
            stage[n - 1] = 3
        else:
            stage[n - 1] = 0
            num[m, DIST], num[m, ETA] = d, e
            if _score(r, d, e, table, sp, num[m]):
                recheck[q] = r
                q += 1
            else:
                eligible[m] = r
                m += 1
    if q == 0:
        order, close = rank(num[:m, SCORE], num[:m, DIST], tie)
        ints[3, :m] = order
        c = close.size
        ints[4, :c] = close
    return n, q, m, c


@dataclass
class Candidates:
    """A decision's candidates (rows, in ``within_radius`` order) and how far each got
    (``stage``, as ``Verdicts.stage``); the rows the exact code must settle; the scores
    of the eligible rest."""

    rows: np.ndarray
    stage: np.ndarray
    recheck: np.ndarray
    scores: ScoreArrays
    ranking: tuple[np.ndarray, np.ndarray] | None = None  # ``rank`` of the scores

    @classmethod
    def of_steps(cls, rows: np.ndarray, v: Verdicts, sa: ScoreArrays) -> Candidates:
        """The same from the array steps (``hard_filters``, ``score_pairs``)."""
        recheck = np.concatenate([rows[v.exact], sa.slots[sa.exact]])
        return cls(rows, v.stage, recheck, sa.take(np.flatnonzero(~sa.exact)))


def decide_rows(
    cols: TechnicianColumns,
    job: JobFacts,
    bit: int,
    *,
    radius_m: float,
    now: datetime,
    travel: RoadFactorTravelTime,
    weights: DispatchWeights,
    scoring: ScoringPolicy,
    policy: EligibilityPolicy,
    members: np.ndarray | None,
    excluded: np.ndarray | None,
) -> Candidates | None:
    """The candidates of ``job`` among the positioned rows with skill ``bit``; None when
    the weekly hours are too varied to be worked out once for the job (then the array
    steps decide)."""
    start_us, end_us = to_us(job.start), to_us(job.end)
    covered = coverage(cols, job, policy.tz, start_us, end_us)
    if covered is None:
        return None
    lat, lng = job.location
    box = box_around(lat, lng, radius_m) or (-np.inf, np.inf, -np.inf, np.inf)
    rows_by_lat, lats, lngs = cols.positioned(bit)
    lo = int(np.searchsorted(lats, box[0], side="left"))
    hi = int(np.searchsorted(lats, box[1], side="right"))
    band = (rows_by_lat[lo:hi], lats[lo:hi], lngs[lo:hi])
    size = band[0].size  # the outputs' bound: small enough to come from the heap
    ints = np.empty((5, size), dtype=np.int64)
    stage = np.empty(size, dtype=np.int8)
    num = np.empty((size, SCORE + 1))
    n, q, m, c = _decide(
        band,
        np.array([box[2], box[3], radius_m]),
        (np.array([lat, lng]), np.array([start_us, end_us], dtype=np.int64)),
        NO_BOOL if members is None else members,
        NO_ROWS if excluded is None else np.sort(excluded).astype(np.int64),
        cols.gate,
        cols.skill_mask(job.required_skills) or 0,
        _certificates(cols, job, policy.tz),
        _blocked_rows(cols, job),
        (cols.weekly, covered),
        cols.block,
        COLUMN_INDEX,
        calendars(cols),
        (cols.off_start, cols.off_end),
        loop_inputs(travel, policy, first_start_us=start_us, last_end_us=end_us, now_us=to_us(now)),
        (score_table(cols, weights, scoring), _scoring_inputs(now, weights, scoring)),
        TIE,
        (ints, stage, num),
    )
    scores = ScoreArrays(cols, scoring, ints[2, :m], num[:m], np.zeros(m, dtype=bool))
    ranking = None if q else (ints[3, :m], ints[4, :c])
    return Candidates(ints[0, :n], stage[:n], ints[1, :q], scores, ranking)


def _certificates(cols: TechnicianColumns, job: JobFacts, tz: str) -> tuple[np.ndarray, int]:
    """The best expiry of each certificate the job needs, one row per kind (-1 where none
    is held), and the job's local date as an ordinal: as ``status_and_skills`` reads them."""
    if not job.required_certificates:
        return NO_CERTIFICATES, 0
    none = np.full(cols.cap, -1, dtype=np.int64)
    kinds = sorted(job.required_certificates)
    expiry = np.stack([cols.cert_expiry.get(kind, none) for kind in kinds])
    return expiry, job.end.astimezone(ZoneInfo(tz)).date().toordinal()


def _blocked_rows(cols: TechnicianColumns, job: JobFacts) -> np.ndarray:
    """Rows ruled out by a block either way or a hand-back, sorted."""
    ids = job.blocked_technician_ids | job.handed_back_by
    slots = cols.blocking.get(job.customer_id, set())
    if not ids and not slots:
        return NO_ROWS
    found = set(slots) | set(cols.slots_of(ids).tolist())
    return np.array(sorted(found), dtype=np.int64)


def _scoring_inputs(now: datetime, weights: DispatchWeights, policy: ScoringPolicy) -> np.ndarray:
    sp = _scoring_constants(weights, policy).copy()
    sp[8] = to_us(now) / 1e6
    return sp


def _scoring_constants(weights: DispatchWeights, policy: ScoringPolicy) -> np.ndarray:
    """``_score``'s settings, the same for every decision under one policy (``now``: 0);
    kept per pair of objects (held in the cache, so their ids stay theirs)."""
    key = (id(weights), id(policy))
    got = _CONSTANTS.get(key)
    if got is None:
        if len(_CONSTANTS) >= 16:
            _CONSTANTS.clear()
        got = _CONSTANTS[key] = (weights, policy, _settings(weights, policy))
    return got[2]


def _settings(weights: DispatchWeights, policy: ScoringPolicy) -> np.ndarray:
    w = weights.normalized()
    return np.array(
        [
            1.0 if policy.proximity_basis == "eta" else 0.0,
            policy.eta_scale_s,
            policy.distance_scale_m,
            w["proximity"],
            w["rating"],
            policy.rating_prior_mean,
            policy.rating_prior_weight,
            policy.rating_half_life_days * 86_400.0,
            0.0,
            policy.nearby_idle_boost,
            policy.nearby_idle_radius_m,
            policy.traffic_subsidy_over_m,
        ]
    )
