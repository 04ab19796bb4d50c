"""The hard filters of ``eligibility.evaluate`` over many (job, technician) pairs at once.
Pure.

Each pair is a job index and a row of ``TechnicianColumns``. Status, skills,
certificates and blocks are array operations over every pair; the time-and-place tests of
the pairs left run in one compiled loop (``vector_kernel``). What cannot be settled
exactly is marked ``exact`` and left to ``eligibility.evaluate`` itself: a float
comparison within a hair of its threshold (a distance computed here may differ from
``math``'s in the last bit). Drawn service areas are tested in Python, only for the pairs
whose box holds the job. Weekly windows are tested once per distinct set of windows and
job, with ``eligibility.is_covered_by_weekly``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from server.dispatch.columns import TechnicianColumns, to_us
from server.dispatch.eligibility import EligibilityPolicy, is_covered_by_weekly
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.vector_kernel import AREA_UNSURE, BAD, DRAWN, OUTSIDE, UNSURE
from server.dispatch.vector_kernel import verdicts as kernel_verdicts


@dataclass
class JobTable:
    """The jobs of a decision (one) or a batch (many), as columns."""

    jobs: Sequence[JobFacts]
    where: np.ndarray  # [lat, lng] per job
    when: np.ndarray  # [start, end] per job, us
    day: np.ndarray  # the job's local date (as certificates are checked), ordinal
    skills: np.ndarray  # int64 mask over the columns' skills
    nobody: np.ndarray  # needs a skill no technician here has
    certs: dict[str, np.ndarray]  # kind -> which jobs need it

    @property
    def lat(self) -> np.ndarray:
        return self.where[:, 0]

    @property
    def lng(self) -> np.ndarray:
        return self.where[:, 1]

    @property
    def start(self) -> np.ndarray:
        return self.when[:, 0]

    @property
    def end(self) -> np.ndarray:
        return self.when[:, 1]

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
            where=np.array([[j.location.lat, j.location.lng] for j in jobs]).reshape(-1, 2),
            when=np.array([[to_us(j.start), to_us(j.end)] for j in jobs], dtype=np.int64).reshape(
                -1, 2
            ),
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


def inside_drawn(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, s: np.ndarray, drawn: np.ndarray
) -> np.ndarray:
    """Of the pairs ``drawn`` (whose technician has a drawn service area), those whose
    job lies in it: the areas' box first, then the shapes themselves."""
    rows, lat, lng = s[drawn], jt.lat[j[drawn]], jt.lng[j[drawn]]
    boxed = (
        (lat >= cols.bb_lat_lo[rows])
        & (lat <= cols.bb_lat_hi[rows])
        & (lng >= cols.bb_lng_lo[rows])
        & (lng <= cols.bb_lng_hi[rows])
    )
    inside = []
    for i in drawn[boxed].tolist():
        tech = cols.facts[int(s[i])]
        job = jt.jobs[int(j[i])]
        if tech is not None and any(a.contains(job.location) for a in tech.service_areas):
            inside.append(i)
    return np.array(inside, dtype=np.intp)


def _outside_hours(
    cols: TechnicianColumns, jt: JobTable, j: np.ndarray, pid: np.ndarray, tz: str
) -> np.ndarray | None:
    limited = (pid >= 0).nonzero()[0]
    if limited.size == 0:
        return None
    out = np.zeros(pid.size, dtype=bool)
    zone = ZoneInfo(tz)
    pids = pid[limited].astype(np.intp)
    covered = None
    if len(jt.jobs) == 1:
        covered = coverage(cols, jt.jobs[0], tz, int(jt.start[0]), int(jt.end[0]))
    if covered is not None:
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


def coverage(
    cols: TechnicianColumns, job: JobFacts, tz: str, start_us: int, end_us: int
) -> np.ndarray | None:
    """For one job, whether each set of weekly windows covers it (kept per job time);
    None past 64 sets (then each distinct pair is asked)."""
    if len(cols.patterns) > 64:
        return None
    key = (start_us, end_us, tz, len(cols.patterns))
    covered = cols.coverage.get(key)
    if covered is None:
        if len(cols.coverage) > 4096:
            cols.coverage.clear()
        zone = ZoneInfo(tz)
        covered = cols.coverage[key] = np.array(
            [is_covered_by_weekly(job.start, job.end, w, zone) for w in cols.patterns],
            dtype=bool,
        )
    return covered


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
    js, ss = j[live], s[live]
    hours = _outside_hours(cols, jt, js, cols.weekly[ss], policy.tz)
    hours_bad = np.zeros(ss.size, dtype=bool) if hours is None else hours
    flags, d, e = kernel_verdicts(
        cols, jt.where, jt.when, js, ss, hours_bad, now_us=to_us(now), travel=travel, policy=policy
    )
    outside = (flags & OUTSIDE) != 0
    drawn = ((flags & DRAWN) != 0).nonzero()[0]
    if drawn.size:
        outside[inside_drawn(cols, jt, js, ss, drawn)] = False
    bad = (flags & BAD) != 0
    unsure = ((flags & AREA_UNSURE) != 0) | (~outside & ((flags & UNSURE) != 0))
    stage[live] = np.where(outside, 2, 3)
    exact[live[unsure]] = True
    ok[live[~outside & ~bad & ~unsure]] = True
    stage[ok | exact] = 0
    dist[live] = d
    eta[live] = e
    return verdicts
