"""The batch score matrix (jobs x technicians) on ``TechnicianColumns``. Pure.

``engine.batch_matrix`` with the per-candidate code runs eligibility and scoring once per
pair within the radius: a thousand jobs by a thousand technicians took seconds. Here all
pairs go through the array filters and scores together; the few the arrays leave
undecided go through the per-candidate code, as in ``vector_engine``. The explained
``CandidateScore`` of a cell is built when read (``BatchMatrix.details``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import numpy as np

from server.dispatch.columns import TechnicianColumns
from server.dispatch.eligibility import EligibilityPolicy
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.ranked import BatchMatrix
from server.dispatch.scoring import CandidateScore
from server.dispatch.vector_eligibility import JobTable, hard_filters, status_and_skills
from server.dispatch.vector_engine import exact_pair
from server.dispatch.vector_scoring import ScoreArrays, score_pairs
from server.dispatch.vector_travel import haversine_pairs
from server.geo.coords import box_around
from server.rules.dispatch import DispatchWeights, ScoringPolicy


class LazyDetails(Mapping[tuple[int, int], CandidateScore]):
    """(job row, technician column) -> the cell's explained score, built when read."""

    def __init__(
        self,
        rows: np.ndarray,
        columns: np.ndarray,
        sa: ScoreArrays,
        fast: np.ndarray,
        exact: dict[tuple[int, int], CandidateScore],
    ) -> None:
        self._cells = (rows, columns, fast)
        self._index: dict[tuple[int, int], int] | None = None
        self._sa = sa
        self._exact = exact
        self._built: dict[tuple[int, int], CandidateScore] = {}

    @property
    def _at(self) -> dict[tuple[int, int], int]:
        if self._index is None:
            rows, columns, fast = self._cells
            cells = zip(rows[fast].tolist(), columns[fast].tolist(), strict=True)
            self._index = {cell: i for cell, i in zip(cells, fast.tolist(), strict=True)}
        return self._index

    def __len__(self) -> int:
        return len(self._at) + len(self._exact)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        yield from self._at
        yield from self._exact

    def __getitem__(self, key: tuple[int, int]) -> CandidateScore:
        got = self._exact.get(key) or self._built.get(key)
        if got is None:
            got = self._built[key] = self._sa.candidate(self._at[key])
        return got


def candidate_pairs(
    cols: TechnicianColumns, jt: JobTable, rows: np.ndarray, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """(job, row) pairs positioned within the radius, job by job, as the index finds them
    (less those ruled out at once on status, skills or certificates)."""
    n = len(jt.jobs)
    boxes = [box_around(float(jt.lat[i]), float(jt.lng[i]), radius_m) for i in range(n)]
    lo = np.array([b[0] if b else -np.inf for b in boxes])
    hi = np.array([b[1] if b else np.inf for b in boxes])
    west = np.array([b[2] if b else -np.inf for b in boxes])
    east = np.array([b[3] if b else np.inf for b in boxes])
    plat, plng = cols.pos_lat[rows], cols.pos_lng[rows]
    inside = (plat[None, :] >= lo[:, None]) & (plat[None, :] <= hi[:, None])
    inside &= (plng[None, :] >= west[:, None]) & (plng[None, :] <= east[:, None])
    j, k = np.nonzero(inside)
    s = rows[k]
    # Who fails on status or skills cannot be in the matrix, wherever they are.
    keep = ~status_and_skills(cols, jt, j, s)
    j, s = j[keep], s[keep]
    d = haversine_pairs(jt.lat[j], jt.lng[j], cols.pos_lat[s], cols.pos_lng[s])
    keep = d <= radius_m
    return j[keep], s[keep]


def batch_vector(
    jobs: Sequence[JobFacts],
    cols: TechnicianColumns,
    technician_ids: Sequence[str],
    *,
    now: datetime,
    travel: RoadFactorTravelTime,
    radius_m: float,
    weights: DispatchWeights,
    scoring: ScoringPolicy,
    policy: EligibilityPolicy,
) -> BatchMatrix:
    """``engine.batch_matrix`` with the spatial index, on the arrays: columns in the
    order of ``technician_ids``."""
    column_of = np.full(cols.cap, -1, dtype=np.intp)
    for c, tid in enumerate(technician_ids):
        k = cols.slot.get(tid)
        if k is not None:
            column_of[k] = c
    jt = JobTable.of(jobs, cols, policy.tz)
    j, s = candidate_pairs(cols, jt, np.flatnonzero(column_of >= 0), radius_m)
    v = hard_filters(cols, jt, j, s, now=now, travel=travel, policy=policy)
    ok = np.flatnonzero(v.ok)
    sa = score_pairs(cols, s[ok], v.dist[ok], v.eta[ok], now=now, weights=weights, policy=scoring)
    shape = (len(jobs), len(technician_ids))
    scores = np.full(shape, np.nan)
    dists = np.full(shape, np.nan)
    fast = np.flatnonzero(~sa.exact)
    rows, columns = j[ok], column_of[s[ok]]
    scores[rows[fast], columns[fast]] = sa.score[fast]
    dists[rows[fast], columns[fast]] = sa.dist[fast]
    exact: dict[tuple[int, int], CandidateScore] = {}
    undecided = np.concatenate([np.flatnonzero(v.exact), ok[sa.exact]])
    for i in undecided.tolist():
        r, k = int(j[i]), int(s[i])
        _, cs = exact_pair(
            cols,
            jobs[r],
            k,
            now=now,
            travel=travel,
            weights=weights,
            scoring=scoring,
            policy=policy,
        )
        if cs is not None:
            c = int(column_of[k])
            exact[(r, c)] = cs
            scores[r, c], dists[r, c] = cs.score, cs.distance_m
    details = LazyDetails(rows, columns, sa, fast, exact)
    return BatchMatrix(
        tuple(x.id for x in jobs),
        tuple(technician_ids),
        scores,
        dists,
        np.isfinite(scores),
        details,
    )
