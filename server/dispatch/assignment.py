"""Batch assignment of pending jobs to free technicians (ARCHITECTURE.md §5.3). Pure.

Every few seconds the batch mode solves jobs x technicians as one assignment problem
instead of letting the first job grab the technician a later job needed more. Input is
a score matrix (rows jobs, columns technicians, higher better) and a feasibility mask
(the eligibility verdicts). Infeasible pairs are never assigned.

``assign_optimal`` maximizes the total score with the Hungarian-type solver in
``scipy.optimize.linear_sum_assignment``. Infeasible cells are filled with 0 and then
dropped: because feasible scores are non-negative, any matching extends to a complete
assignment with zero-valued cells, so the solver's optimum is a maximum-weight
matching. With ``prefer_coverage`` every feasible cell gets a bonus larger than any
possible score difference, which first maximizes how many jobs get a technician and
only then the total score (a business may prefer that; the default is pure weight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[tuple[int, int], ...]  # (job index, technician index)
    total: float
    unassigned_jobs: tuple[int, ...]

    def as_dict(self) -> dict[int, int]:
        return dict(self.pairs)


def _prepare(scores: np.ndarray, feasible: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2:
        raise ValueError("scores must be a 2-D matrix (jobs x technicians)")
    mask = np.isfinite(s) if feasible is None else np.asarray(feasible, dtype=bool) & np.isfinite(s)
    if mask.shape != s.shape:
        raise ValueError("feasible mask must have the shape of the score matrix")
    if np.any(s[mask] < 0):
        raise ValueError("feasible scores must be non-negative")
    return s, mask


def _result(pairs: list[tuple[int, int]], s: np.ndarray) -> Assignment:
    pairs.sort()
    total = float(sum(s[j, t] for j, t in pairs))
    assigned = {j for j, _ in pairs}
    unassigned = tuple(j for j in range(s.shape[0]) if j not in assigned)
    return Assignment(tuple(pairs), total, unassigned)


def assign_optimal(
    scores: np.ndarray, feasible: np.ndarray | None = None, *, prefer_coverage: bool = False
) -> Assignment:
    """Maximum-score matching; NaN/inf or a False mask cell marks an infeasible pair."""
    s, mask = _prepare(scores, feasible)
    if s.size == 0 or not mask.any():
        return _result([], s)
    # Only technicians feasible for some job take part: the answer then does not depend
    # on how many unreachable ones the matrix carries (nor does the solver's time).
    keep = np.flatnonzero(mask.any(axis=0))
    sub_mask = mask[:, keep]
    cost = np.where(sub_mask, s[:, keep], 0.0)
    if prefer_coverage:
        bonus = float(cost.max()) * min(cost.shape) + 1.0
        cost = np.where(sub_mask, cost + bonus, 0.0)
    rows, cols = linear_sum_assignment(cost, maximize=True)
    pairs = [(int(j), int(keep[t])) for j, t in zip(rows, cols, strict=True) if sub_mask[j, t]]
    return _result(pairs, s)


def greedy_nearest_first(
    scores: np.ndarray,
    distances: np.ndarray,
    feasible: np.ndarray | None = None,
    job_order: list[int] | None = None,
) -> Assignment:
    """The baseline most dispatchers start with: each job in turn takes the nearest free one."""
    s, mask = _prepare(scores, feasible)
    d = np.asarray(distances, dtype=float)
    if d.shape != s.shape:
        raise ValueError("distances must have the shape of the score matrix")
    free = np.ones(s.shape[1], dtype=bool)
    pairs: list[tuple[int, int]] = []
    order = range(s.shape[0]) if job_order is None else job_order
    for j in order:
        ok = mask[j] & free
        if not ok.any():
            continue
        t = int(np.argmin(np.where(ok, d[j], np.inf)))
        free[t] = False
        pairs.append((int(j), t))
    return _result(pairs, s)


def greedy_best_first(scores: np.ndarray, feasible: np.ndarray | None = None) -> Assignment:
    """Highest-scoring pair first, repeatedly: the natural greedy on the same objective."""
    s, mask = _prepare(scores, feasible)
    js, ts = np.nonzero(mask)
    order = np.argsort(-s[js, ts], kind="stable")
    used_j: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[int, int]] = []
    limit = min(s.shape)
    for k in order:
        j, t = int(js[k]), int(ts[k])
        if j in used_j or t in used_t:
            continue
        used_j.add(j)
        used_t.add(t)
        pairs.append((j, t))
        if len(pairs) == limit:
            break
    return _result(pairs, s)


def assign_exhaustive(scores: np.ndarray, feasible: np.ndarray | None = None) -> Assignment:
    """Exact maximum-weight matching by enumeration; a reference for tiny inputs (<= 8 jobs)."""
    s, mask = _prepare(scores, feasible)
    n_jobs, n_techs = s.shape
    if n_jobs > 8 or n_techs > 10:
        raise ValueError("exhaustive assignment is only for tiny instances")
    best_total = -1.0
    best: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    used = [False] * n_techs

    def walk(j: int, total: float) -> None:
        nonlocal best_total, best
        if j == n_jobs:
            if total > best_total:
                best_total = total
                best = list(current)
            return
        walk(j + 1, total)  # leave job j unassigned
        for t in range(n_techs):
            if mask[j, t] and not used[t]:
                used[t] = True
                current.append((j, t))
                walk(j + 1, total + s[j, t])
                current.pop()
                used[t] = False

    walk(0, 0.0)
    return _result(best, s)
