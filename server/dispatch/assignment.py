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

The baselines it is measured against (greedy nearest-first, greedy best-first, brute
force) are in ``simulation.baselines``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[tuple[int, int], ...]  # (job index, technician index)
    total: float
    unassigned_jobs: tuple[int, ...]

    def as_dict(self) -> dict[int, int]:
        return dict(self.pairs)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[int, int]], scores: np.ndarray) -> Assignment:
        """The assignment of these (job, technician) pairs, with its total and the jobs
        left out."""
        pairs.sort()
        total = float(sum(scores[j, t] for j, t in pairs))
        assigned = {j for j, _ in pairs}
        unassigned = tuple(j for j in range(scores.shape[0]) if j not in assigned)
        return cls(tuple(pairs), total, unassigned)


def prepare_scores(
    scores: np.ndarray, feasible: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The score matrix as floats and its feasibility mask (False where NaN/inf), checked."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2:
        raise ValueError("scores must be a 2-D matrix (jobs x technicians)")
    mask = np.isfinite(s) if feasible is None else np.asarray(feasible, dtype=bool) & np.isfinite(s)
    if mask.shape != s.shape:
        raise ValueError("feasible mask must have the shape of the score matrix")
    if np.any(s[mask] < 0):
        raise ValueError("feasible scores must be non-negative")
    return s, mask


def assign_optimal(
    scores: np.ndarray, feasible: np.ndarray | None = None, *, prefer_coverage: bool = False
) -> Assignment:
    """Maximum-score matching; NaN/inf or a False mask cell marks an infeasible pair."""
    s, mask = prepare_scores(scores, feasible)
    if s.size == 0 or not mask.any():
        return Assignment.from_pairs([], s)
    # Only technicians feasible for some job take part: the answer then does not depend
    # on how many unreachable ones the matrix carries (nor does the solver's time).
    keep = np.flatnonzero(mask.any(axis=0))
    sub_mask = mask[:, keep]
    cost = np.where(sub_mask, s[:, keep], 0.0)
    if prefer_coverage:
        bonus = float(cost.max()) * min(cost.shape) + 1.0
        cost = np.where(sub_mask, cost + bonus, 0.0)
    # imported on first use: it costs a good part of a second at every process start
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost, maximize=True)
    pairs = [(int(j), int(keep[t])) for j, t in zip(rows, cols, strict=True) if sub_mask[j, t]]
    return Assignment.from_pairs(pairs, s)
