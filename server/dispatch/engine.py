"""One dispatch decision, and one batch, from facts to a ranking. Pure.

prefilter (spatial index) -> eligibility (hard filters) -> scoring (soft preferences).

The index holds where each technician is now (live position, else home base); the
exact departure point used for distance and ETA is worked out per job by eligibility
(a previous job nearby in time wins over the live position). The search radius only
trims work: set it at least as large as the largest service-area reach in the city.

Given the technicians as arrays (``columns``), both run on them (``vector_engine``,
``vector_batch``): the same candidates, order and scores without a Python loop over the
candidates. The per-candidate code here stays the reference, and explains a rejection.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

import numpy as np

from server.dispatch.assignment import Assignment, assign_optimal
from server.dispatch.columns import TechnicianColumns
from server.dispatch.eligibility import (
    DEFAULT_POLICY,
    EligibilityPolicy,
    Evaluation,
    Rejection,
    evaluate,
)
from server.dispatch.facts import JobFacts, TechnicianFacts
from server.dispatch.geo import RoadFactorTravelTime, TravelTime
from server.dispatch.ranked import BatchMatrix, DispatchDecision
from server.dispatch.scoring import (
    DEFAULT_SCORING,
    DEFAULT_WEIGHTS,
    CandidateScore,
    score_candidate,
)
from server.dispatch.spatial import SpatialIndex
from server.dispatch.vector_batch import batch_vector
from server.dispatch.vector_engine import decide_vector
from server.dispatch.vector_travel import vector_travel
from server.rules.dispatch import DispatchWeights, ScoringPolicy

__all__ = [
    "DEFAULT_SEARCH_RADIUS_M",
    "BatchMatrix",
    "DispatchDecision",
    "batch_assign",
    "batch_matrix",
    "candidate_ids",
    "decide",
]

DEFAULT_SEARCH_RADIUS_M = 15_000.0


def candidate_ids(
    job: JobFacts,
    technicians: Mapping[str, TechnicianFacts],
    *,
    index: SpatialIndex | None,
    radius_m: float,
) -> list[str]:
    """Technicians to examine: all of them without an index, else those within the radius."""
    if index is None:
        return list(technicians)
    lat, lng = job.location
    return [tid for tid, _ in index.nearby(lat, lng, radius_m) if tid in technicians]


def _vector_ready(
    columns: TechnicianColumns | None, travel: TravelTime, index: SpatialIndex | None
) -> RoadFactorTravelTime | None:
    """The travel model when the array path can take the decision, else None."""
    if columns is None or index is None or not columns.supported:
        return None
    return vector_travel(travel)


def decide(
    job: JobFacts,
    technicians: Mapping[str, TechnicianFacts],
    *,
    now: datetime,
    travel: TravelTime,
    index: SpatialIndex | None = None,
    radius_m: float = DEFAULT_SEARCH_RADIUS_M,
    weights: DispatchWeights = DEFAULT_WEIGHTS,
    scoring: ScoringPolicy = DEFAULT_SCORING,
    policy: EligibilityPolicy = DEFAULT_POLICY,
    exclude: frozenset[str] = frozenset(),
    all_reasons: bool = False,
    columns: TechnicianColumns | None = None,
    within: Collection[str] | None = None,
) -> DispatchDecision:
    """Rank the eligible technicians for one job; ``exclude`` drops ones already tried.

    A rejected technician is recorded with the first failing group of checks (cheapest
    first) unless ``all_reasons``: in a dense city most candidates fail on skills, and
    running the calendar and travel checks for them only to list more reasons costs
    most of the decision's time. ``eligibility.check`` gives the full list on demand.

    ``within`` narrows ``technicians`` to these ids. With ``columns`` (the same
    technicians as arrays) and an index, the decision runs on the arrays
    (``vector_engine``): the same answer, without a Python loop over the candidates.
    """
    fast = _vector_ready(columns, travel, index)
    if fast is not None and columns is not None:
        members = None
        if within is not None:
            members = columns.member_mask(within)
        elif len(technicians) != len(columns):
            members = columns.member_mask(technicians)
        return decide_vector(
            job,
            columns,
            now=now,
            travel=fast,
            radius_m=radius_m,
            weights=weights,
            scoring=scoring,
            policy=policy,
            members=members,
            exclude=exclude,
            all_reasons=all_reasons,
        )
    if within is not None:
        technicians = {tid: t for tid, t in technicians.items() if tid in within}
    ids = candidate_ids(job, technicians, index=index, radius_m=radius_m)
    ranked: list[CandidateScore] = []
    rejected: dict[str, tuple[Rejection, ...]] = {}
    for tid in ids:
        if tid in exclude:
            continue
        tech = technicians[tid]
        ev = evaluate(tech, job, now=now, travel=travel, policy=policy, exhaustive=all_reasons)
        if ev.rejections or ev.distance_m is None:
            rejected[tid] = ev.rejections
            continue
        ranked.append(
            score_candidate(
                tech,
                distance_m=ev.distance_m,
                eta_s=ev.eta_s,
                now=now,
                weights=weights,
                policy=scoring,
            )
        )
    ranked.sort(key=lambda c: (-c.score, c.distance_m, c.technician_id))
    return DispatchDecision(job.id, tuple(ranked), rejected, len(ids), radius_m)


def batch_matrix(
    jobs: Sequence[JobFacts],
    technicians: Mapping[str, TechnicianFacts],
    *,
    now: datetime,
    travel: TravelTime,
    index: SpatialIndex | None = None,
    radius_m: float = DEFAULT_SEARCH_RADIUS_M,
    weights: DispatchWeights = DEFAULT_WEIGHTS,
    scoring: ScoringPolicy = DEFAULT_SCORING,
    policy: EligibilityPolicy = DEFAULT_POLICY,
    columns: TechnicianColumns | None = None,
) -> BatchMatrix:
    """Scores of every (job, technician) pair, NaN where infeasible; on the arrays when
    ``columns`` (holding ``technicians``) and an index are given."""
    fast = _vector_ready(columns, travel, index)
    if fast is not None and columns is not None:
        return batch_vector(
            jobs,
            columns,
            tuple(technicians),
            now=now,
            travel=fast,
            radius_m=radius_m,
            weights=weights,
            scoring=scoring,
            policy=policy,
        )
    tech_ids = tuple(technicians)
    col = {tid: k for k, tid in enumerate(tech_ids)}
    scores = np.full((len(jobs), len(tech_ids)), np.nan)
    dists = np.full_like(scores, np.nan)
    details: dict[tuple[int, int], CandidateScore] = {}
    for r, job in enumerate(jobs):
        for tid in candidate_ids(job, technicians, index=index, radius_m=radius_m):
            ev: Evaluation = evaluate(
                technicians[tid], job, now=now, travel=travel, policy=policy, exhaustive=False
            )
            if ev.rejections or ev.distance_m is None:
                continue
            cs = score_candidate(
                technicians[tid],
                distance_m=ev.distance_m,
                eta_s=ev.eta_s,
                now=now,
                weights=weights,
                policy=scoring,
            )
            c = col[tid]
            scores[r, c] = cs.score
            dists[r, c] = cs.distance_m
            details[(r, c)] = cs
    return BatchMatrix(
        tuple(j.id for j in jobs), tech_ids, scores, dists, np.isfinite(scores), details
    )


def batch_assign(
    matrix: BatchMatrix, *, prefer_coverage: bool = False
) -> dict[str, CandidateScore]:
    """job id -> chosen technician's score, for the jobs that got one."""
    result: Assignment = assign_optimal(
        matrix.scores, matrix.feasible, prefer_coverage=prefer_coverage
    )
    return {matrix.job_ids[j]: matrix.details[(j, t)] for j, t in result.pairs}
