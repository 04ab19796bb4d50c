"""Baselines the batch assignment (``server.dispatch.assignment.assign_optimal``) is
measured against: the greedy rules most dispatchers start with, and brute force as the
exact reference on tiny inputs. Same inputs and ``Assignment`` result as the optimum:
rows are jobs, columns technicians, higher scores better, infeasible pairs never used.
"""

from __future__ import annotations

import numpy as np

from server.dispatch.assignment import Assignment, prepare_scores


def greedy_nearest_first(
    scores: np.ndarray,
    distances: np.ndarray,
    feasible: np.ndarray | None = None,
    job_order: list[int] | None = None,
) -> Assignment:
    """The baseline most dispatchers start with: each job in turn takes the nearest free one."""
    s, mask = prepare_scores(scores, feasible)
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
    return Assignment.from_pairs(pairs, s)


def greedy_best_first(scores: np.ndarray, feasible: np.ndarray | None = None) -> Assignment:
    """Highest-scoring pair first, repeatedly: the natural greedy on the same objective."""
    s, mask = prepare_scores(scores, feasible)
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
    return Assignment.from_pairs(pairs, s)


def assign_exhaustive(scores: np.ndarray, feasible: np.ndarray | None = None) -> Assignment:
    """Exact maximum-weight matching by enumeration; a reference for tiny inputs (<= 8 jobs)."""
    s, mask = prepare_scores(scores, feasible)
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
    return Assignment.from_pairs(best, s)
