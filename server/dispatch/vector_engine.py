"""One decision and one batch on ``TechnicianColumns``: the engine's hot path. Pure.

The same answer as ``engine.decide`` / ``engine.batch_matrix`` with the per-candidate
code (``tests/unit/test_dispatch_vector.py`` holds them to it): the candidates within
the radius, the same eligible ones in the same order with the same scores. Pairs the
arrays leave undecided (``exact``) go through ``eligibility.evaluate`` and
``scoring.score_candidate`` themselves, and so do near-ties of the ranking (scores
within ``TIE``), so that rounding can never reorder two candidates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np

from server.dispatch.column_fields import STATUS_ABSENT_BIT
from server.dispatch.columns import NEVER_EXPIRES, TechnicianColumns
from server.dispatch.eligibility import EligibilityPolicy, Rejection, evaluate
from server.dispatch.facts import JobFacts
from server.dispatch.geo import RoadFactorTravelTime
from server.dispatch.ranked import DispatchDecision, LazyRanked, LazyRejections
from server.dispatch.scoring import CandidateScore, score_candidate
from server.dispatch.vector_decision import TIE, Candidates, decide_rows, rank
from server.dispatch.vector_eligibility import JobTable, hard_filters
from server.dispatch.vector_scoring import score_pairs
from server.geo.coords import box_around, haversine_many_m
from server.rules.dispatch import DispatchWeights, ScoringPolicy


def exact_pair(
    cols: TechnicianColumns,
    job: JobFacts,
    slot: int,
    *,
    now: datetime,
    travel: RoadFactorTravelTime,
    weights: DispatchWeights,
    scoring: ScoringPolicy,
    policy: EligibilityPolicy,
) -> tuple[tuple[Rejection, ...], CandidateScore | None]:
    """The per-candidate verdict and score of one pair (the reference)."""
    tech = cols.facts[slot]
    assert tech is not None
    ev = evaluate(tech, job, now=now, travel=travel, policy=policy, exhaustive=False)
    if ev.rejections or ev.distance_m is None:
        return ev.rejections, None
    cs = score_candidate(
        tech, distance_m=ev.distance_m, eta_s=ev.eta_s, now=now, weights=weights, policy=scoring
    )
    return (), cs


def within_radius(
    cols: TechnicianColumns, lat: float, lng: float, radius_m: float, bit: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Rows positioned within ``radius_m`` (as the spatial index finds them; with skill
    ``bit`` only, if set), with their distances: a box, then the exact haversine."""
    box = box_around(lat, lng, radius_m)
    plat, plng = cols.pos_lat, cols.pos_lng
    cand = cols.positioned(bit)[0] if box is None else cols.in_box(*box, bit=bit)
    d = haversine_many_m(lat, lng, plat[cand], plng[cand])
    keep = d <= radius_m
    return cand[keep], d[keep]


def decide_vector(
    job: JobFacts,
    cols: TechnicianColumns,
    *,
    now: datetime,
    travel: RoadFactorTravelTime,
    radius_m: float,
    weights: DispatchWeights,
    scoring: ScoringPolicy,
    policy: EligibilityPolicy,
    members: np.ndarray | None = None,
    exclude: frozenset[str] = frozenset(),
    all_reasons: bool = False,
) -> DispatchDecision:
    """``engine.decide`` with the spatial index, on the arrays. ``members`` (a mask over
    rows) narrows the technicians as the mapping passed to ``decide`` would."""
    lat, lng = job.location
    excluded = cols.slots_of(exclude) if exclude else None

    def narrow(cand: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if members is not None:
            keep = members[cand]
            cand, d = cand[keep], d[keep]
        return cand, d

    # Only technicians with the job's (rarest) skill can be eligible: the hot path
    # searches among them; everyone in the radius is counted when asked.
    bit = cols.narrowest(job.required_skills)
    everyone: list[tuple[np.ndarray, np.ndarray]] = []

    def in_radius() -> tuple[np.ndarray, np.ndarray]:
        if not everyone:
            everyone.append(narrow(*within_radius(cols, lat, lng, radius_m)))
        return everyone[0]

    def prefiltered() -> int:
        return int(in_radius()[0].size)

    tables: list[JobTable] = []

    def job_table() -> JobTable:
        if not tables:
            tables.append(JobTable.of([job], cols, policy.tz))
        return tables[0]

    found = None
    if bit is not None:
        found = decide_rows(
            cols, job, bit, radius_m=radius_m, now=now, travel=travel, weights=weights,
            scoring=scoring, policy=policy, members=members, excluded=excluded,
        )  # fmt: skip
    if found is None:  # no skill anyone has, or weekly hours too varied: the array steps
        if bit is None:
            cand = np.zeros(0, dtype=np.intp)
        else:
            cand, _ = narrow(*within_radius(cols, lat, lng, radius_m, bit))
            if excluded is not None:
                cand = cand[~np.isin(cand, excluded)]
        j = np.zeros(cand.size, dtype=np.intp)
        v = hard_filters(cols, job_table(), j, cand, now=now, travel=travel, policy=policy)
        ok = np.flatnonzero(v.ok)
        sa = score_pairs(
            cols, cand[ok], v.dist[ok], v.eta[ok], now=now, weights=weights, policy=scoring
        )
        found = Candidates.of_steps(cand, v, sa)
    cand, sa = found.rows, found.scores
    kw = dict(now=now, travel=travel, weights=weights, scoring=scoring, policy=policy)
    checked: dict[int, tuple[Rejection, ...]] = {}
    exact_scores: list[CandidateScore] = []
    for k in found.recheck.tolist():
        why, cs = exact_pair(cols, job, k, **kw)  # type: ignore[arg-type]
        if cs is None:
            checked[k] = why
        else:
            exact_scores.append(cs)
    scores, dists = sa.score, sa.dist
    if exact_scores:
        scores = np.concatenate([scores, [c.score for c in exact_scores]])
        dists = np.concatenate([dists, [c.distance_m for c in exact_scores]])
    order, close = found.ranking or rank(scores, dists, TIE)
    n_fast = sa.slots.size

    def item(x: int) -> int | CandidateScore:
        """Position ``x`` of the combined list: an index into ``sa``, or an exact score."""
        return x if x < n_fast else exact_scores[x - n_fast]

    def exact_of(x: int | CandidateScore) -> CandidateScore:
        if isinstance(x, CandidateScore):
            return x
        _, cs = exact_pair(cols, job, int(sa.slots[x]), **kw)  # type: ignore[arg-type]
        assert cs is not None, "the arrays and the per-candidate code disagree"
        return cs

    # Near-ties, settled on the exact scores: rank -> CandidateScore.
    settled = settle_ties(order, close, lambda x: exact_of(item(x)))
    names = cols.ids

    def ranked_ids() -> list[str]:
        slots = sa.slots.tolist()
        ids = [names[k] for k in slots] + [c.technician_id for c in exact_scores]
        out = [ids[x] for x in order.tolist()]
        for at, c in settled.items():
            out[at] = c.technician_id
        return out

    def build(i: int) -> CandidateScore:
        got = settled.get(i)
        if got is not None:
            return got
        x = item(int(order[i]))
        return x if isinstance(x, CandidateScore) else sa.candidate(x)

    def pool() -> tuple[np.ndarray, np.ndarray]:
        """Everyone in the radius but the excluded, with their distances."""
        rows, d = in_radius()
        if excluded is None:
            return rows, d
        keep = ~np.isin(rows, excluded)
        return rows[keep], d[keep]

    def rejected_keys() -> list[str]:
        ranked = set(ranked_ids())
        rows, d = pool()
        found = [(x, names[k]) for k, x in zip(rows.tolist(), d.tolist(), strict=True)]
        return [tid for _, tid in sorted(found) if tid not in ranked]

    def all_reasons_of() -> dict[str, tuple[Rejection, ...]]:
        """Every rejected technician's reasons: shared by the alike where ruled out
        early, else from ``evaluate`` (always with ``all_reasons``)."""
        keys = rejected_keys()
        shared: dict[int, tuple[Rejection, ...]] = {}
        if not all_reasons:
            early = (found.stage == 1) | (found.stage == 2)
            rows = pool()[0]
            skill_less = rows[~np.isin(rows, cand)]  # outside the search: no skill
            slots = np.concatenate([cand[early], skill_less])
            stage = np.concatenate([found.stage[early], np.ones(skill_less.size, np.int8)])
            shared = shared_reasons(cols, job_table(), slots, stage, now, policy)
            shared.update(checked)
        out = {}
        for tid in keys:
            k = cols.slot[tid]
            got = shared.get(k)
            if got is None:
                tech = cols.facts[k]
                assert tech is not None
                got = evaluate(
                    tech, job, now=now, travel=travel, policy=policy, exhaustive=all_reasons
                ).rejections
            out[tid] = got
        return out

    return DispatchDecision(
        job.id,
        LazyRanked(int(order.size), ranked_ids, build),
        LazyRejections(all_reasons_of),
        prefiltered,
        radius_m,
    )


def shared_reasons(
    cols: TechnicianColumns,
    jt: JobTable,
    slots: np.ndarray,
    stage: np.ndarray,
    now: datetime,
    policy: EligibilityPolicy,
) -> dict[int, tuple[Rejection, ...]]:
    """Rejection reasons of the technicians ruled out early (status, skills, certificates,
    area), which depend on a few facts only: technicians alike in those facts share the
    reasons ``evaluate`` gives one of them. Most of a city is ruled out here."""
    if slots.size == 0:
        return {}
    job = jt.jobs[0]
    gate = cols.gate[slots]
    capped = (gate[:, 2] & 8) != 0
    blocked = np.isin(slots, cols.slots_of(job.blocked_technician_ids))
    blocked |= np.isin(slots, np.array(sorted(cols.blocking.get(job.customer_id, ())), int))
    handed_back = np.isin(slots, cols.slots_of(job.handed_back_by))
    parts = [
        stage.astype(np.int64),
        gate[:, 2]
        | blocked.astype(np.int64) << (STATUS_ABSENT_BIT + 1)
        | handed_back.astype(np.int64) << (STATUS_ABSENT_BIT + 2),
        np.where(capped, cols.daily_cap[slots], -1),
        np.where(capped, cols.jobs_today[slots], -1),
        jt.skills[0] & ~gate[:, 1],
        cols.area_kind[slots].astype(np.int64),
    ]
    for kind in sorted(job.required_certificates):
        expiry = cols.cert_expiry.get(kind)
        held = np.full(slots.size, -1) if expiry is None else expiry[slots]
        parts.append(np.where(held >= jt.day[0], NEVER_EXPIRES, held))
    sig = np.stack(parts, axis=1)
    order = np.lexsort(sig.T[::-1])
    ordered_sig = sig[order]
    starts = np.ones(order.size, dtype=bool)
    starts[1:] = (ordered_sig[1:] != ordered_sig[:-1]).any(axis=1)
    group = np.empty(order.size, dtype=np.intp)
    group[order] = np.cumsum(starts) - 1
    first = order[starts]
    inverse = group
    travel = RoadFactorTravelTime(tz=policy.tz)  # not reached: no distance is asked so early
    table = []
    for i in first.tolist():
        tech = cols.facts[int(slots[i])]
        assert tech is not None
        ev = evaluate(tech, job, now=now, travel=travel, policy=policy, exhaustive=False)
        table.append(ev.rejections)
    return {k: table[u] for k, u in zip(slots.tolist(), inverse.ravel().tolist(), strict=True)}


def settle_ties(
    order: np.ndarray, close: np.ndarray, exact_of: Callable[[int], CandidateScore]
) -> dict[int, CandidateScore]:
    """Runs of ranks whose scores lie within ``TIE`` of each other (``close``: the ranks
    within it of the next), re-ranked on the exact scores (``exact_of`` an item of
    ``order``): rank -> its CandidateScore."""
    out: dict[int, CandidateScore] = {}
    runs: list[list[int]] = []
    for i in close.tolist():
        if runs and runs[-1][-1] == i:
            runs[-1].append(i + 1)
        else:
            runs.append([i, i + 1])
    for run in runs:
        exact = sorted(
            (exact_of(int(order[i])) for i in run),
            key=lambda c: (-c.score, c.distance_m, c.technician_id),
        )
        out.update(zip(run, exact, strict=True))
    return out
