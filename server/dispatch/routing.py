"""Routes: one technician's day. Pure computation.

``plan_day`` orders one technician's jobs so each starts inside its window. Up to
``exact_limit`` jobs it is exact (dynamic programming over subsets with Pareto labels);
past that, or when no order respects every window, an insertion heuristic with relocation
moves minimizes lateness then travel, and the plan carries warnings naming the jobs that
cannot all be kept.

The fleet plan for operators (many technicians, PyVRP) is in ``server.dispatch.fleet``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.dispatch.geo import LatLng, TravelMode, TravelTime

# Datetimes carry microseconds; a millisecond of slack keeps float offsets and the
# windows they came from agreeing.
_EPS = 1e-3


@dataclass(frozen=True)
class DayJob:
    """A job on a technician's day; service must *start* within [earliest, latest]."""

    id: str
    location: LatLng
    earliest: datetime
    latest: datetime
    service_s: float

    def __post_init__(self) -> None:
        if self.earliest.tzinfo is None or self.latest.tzinfo is None:
            raise ValueError("job windows must be timezone-aware")
        if self.latest < self.earliest:
            raise ValueError(f"job {self.id}: window closes before it opens")
        if self.service_s < 0:
            raise ValueError("service_s must be non-negative")


@dataclass(frozen=True)
class PlannedVisit:
    job_id: str
    travel_s: float
    arrive_at: datetime
    start_at: datetime
    end_at: datetime
    wait_s: float
    late_s: float


@dataclass(frozen=True)
class DayPlan:
    visits: tuple[PlannedVisit, ...]
    feasible: bool
    total_travel_s: float
    total_late_s: float
    finish_at: datetime
    return_at: datetime | None
    method: str  # "exact" | "insertion"
    warnings: tuple[str, ...] = field(default=())

    @property
    def order(self) -> list[str]:
        return [v.job_id for v in self.visits]


class _Legs:
    """Travel seconds between the day's points, cached per departure minute.

    A travel-time model may depend on the departure time (rush hours); caching by
    minute keeps the planner's arithmetic consistent between search and final schedule.
    """

    def __init__(
        self, points: list[LatLng], travel: TravelTime, base: datetime, mode: TravelMode
    ) -> None:
        self.points = points
        self.travel = travel
        self.base = base
        self.mode = mode
        self._cache: dict[tuple[int, int, int], float] = {}

    def __call__(self, i: int, j: int, depart_s: float) -> float:
        if i == j:
            return 0.0
        minute = int(depart_s // 60)
        key = (i, j, minute)
        v = self._cache.get(key)
        if v is None:
            when = self.base + timedelta(seconds=minute * 60)
            v = self.travel.seconds(self.points[i], self.points[j], when, self.mode)
            self._cache[key] = v
        return v


def _simulate(
    order: Sequence[int],
    legs: _Legs,
    early: list[float],
    late: list[float],
    service: list[float],
    end_node: int | None,
) -> tuple[float, float, float, list[tuple[float, float, float, float, float]]]:
    """Walk an order (job indices; node = index + 1, node 0 = start).

    Returns (total lateness, total travel, finish, per-visit rows of
    (travel, arrive, start, end, late)). Lateness: service starts when the technician
    arrives if the window has closed, and the delay counts.
    """
    t = 0.0
    node = 0
    total_travel = 0.0
    total_late = 0.0
    rows = []
    for j in order:
        leg = legs(node, j + 1, t)
        arrive = t + leg
        start = max(arrive, early[j])
        lateness = start - late[j]
        if lateness <= _EPS:
            lateness = 0.0
        end = start + service[j]
        rows.append((leg, arrive, start, end, lateness))
        total_travel += leg
        total_late += lateness
        t = end
        node = j + 1
    finish = t
    if end_node is not None:
        back = legs(node, end_node, t)
        total_travel += back
        finish = t + back
    return total_late, total_travel, finish, rows


def _exact_order(
    n: int,
    legs: _Legs,
    early: list[float],
    late: list[float],
    service: list[float],
    end_node: int | None,
    max_labels: int,
) -> list[int] | None:
    """A window-respecting order with least travel (then earliest finish), or None.

    Labels per (visited set, last job) are Pareto-optimal in (finish time, travel).
    Keeping the earliest-finishing label always makes the feasibility answer exact when
    travel time never rewards leaving later; the travel optimum is exact up to the
    ``max_labels`` cap per state.
    """
    # label: (finish, travel, parent_key, parent_label_idx)
    Label = tuple[float, float, tuple[int, int] | None, int]
    layer: dict[tuple[int, int], list[Label]] = {}
    for j in range(n):
        leg = legs(0, j + 1, 0.0)
        start = max(leg, early[j])
        if start <= late[j] + _EPS:
            layer[(1 << j, j)] = [(start + service[j], leg, None, -1)]
    history: list[dict[tuple[int, int], list[Label]]] = [layer]
    for _ in range(1, n):
        nxt: dict[tuple[int, int], list[Label]] = {}
        for (mask, last), labels in layer.items():
            for li, (fin, trav, _, _) in enumerate(labels):
                for j in range(n):
                    if mask >> j & 1:
                        continue
                    leg = legs(last + 1, j + 1, fin)
                    start = max(fin + leg, early[j])
                    if start > late[j] + _EPS:
                        continue
                    key = (mask | 1 << j, j)
                    cand: Label = (start + service[j], trav + leg, (mask, last), li)
                    bucket = nxt.setdefault(key, [])
                    if any(f <= cand[0] + 1e-9 and tr <= cand[1] + 1e-9 for f, tr, _, _ in bucket):
                        continue
                    bucket[:] = [b for b in bucket if not (cand[0] <= b[0] and cand[1] <= b[1])]
                    bucket.append(cand)
        for bucket in nxt.values():
            if len(bucket) > max_labels:
                bucket.sort(key=lambda b: b[0])
                keep = [bucket[0]] + sorted(bucket[1:], key=lambda b: b[1])[: max_labels - 1]
                bucket[:] = keep
        history.append(nxt)
        layer = nxt
        if not layer:
            return None
    full = (1 << n) - 1
    best: tuple[float, float, tuple[int, int], int] | None = None
    for (mask, last), labels in layer.items():
        if mask != full:
            continue
        for li, (fin, trav, _, _) in enumerate(labels):
            total = trav
            finish = fin
            if end_node is not None:
                back = legs(last + 1, end_node, fin)
                total += back
                finish += back
            cand = (total, finish, (mask, last), li)
            if best is None or cand[:2] < best[:2]:
                best = cand
    if best is None:
        return None
    order: list[int] = []
    node: tuple[int, int] | None = best[2]
    li = best[3]
    depth = n - 1
    while node is not None:
        order.append(node[1])
        fin, trav, parent, pli = history[depth][node][li]
        node, li = parent, pli
        depth -= 1
    order.reverse()
    return order


def _insertion_order(
    n: int,
    legs: _Legs,
    early: list[float],
    late: list[float],
    service: list[float],
    end_node: int | None,
) -> list[int]:
    """Cheapest insertion by window close, then relocate moves until no gain."""

    def cost(order: Sequence[int]) -> tuple[float, float]:
        lateness, travel_s, _, _ = _simulate(order, legs, early, late, service, end_node)
        return (round(lateness, 6), travel_s)

    order: list[int] = []
    for j in sorted(range(n), key=lambda k: (late[k], early[k])):
        best_pos, best_cost = 0, None
        for pos in range(len(order) + 1):
            c = cost(order[:pos] + [j] + order[pos:])
            if best_cost is None or c < best_cost:
                best_pos, best_cost = pos, c
        order.insert(best_pos, j)
    current = cost(order)
    improved = True
    while improved:
        improved = False
        for i in range(len(order)):
            job = order[i]
            rest = order[:i] + order[i + 1 :]
            for pos in range(len(rest) + 1):
                if pos == i:
                    continue
                cand = rest[:pos] + [job] + rest[pos:]
                c = cost(cand)
                if c < current:
                    order, current, improved = cand, c, True
                    break
            if improved:
                break
    return order


def _conflict_warnings(
    jobs: Sequence[DayJob],
    legs: _Legs,
    early: list[float],
    late: list[float],
    service: list[float],
) -> list[str]:
    """Name the obvious culprits: jobs unreachable on their own and pairs that collide."""
    out: list[str] = []
    n = len(jobs)
    for j in range(n):
        if legs(0, j + 1, 0.0) > late[j] + _EPS:
            out.append(f"job {jobs[j].id} cannot be reached before its window closes")
    for a in range(n):
        for b in range(a + 1, n):
            ab = early[a] + service[a] + legs(a + 1, b + 1, early[a] + service[a]) > late[b] + _EPS
            ba = early[b] + service[b] + legs(b + 1, a + 1, early[b] + service[b]) > late[a] + _EPS
            if ab and ba:
                out.append(
                    f"jobs {jobs[a].id} and {jobs[b].id} overlap: neither can follow the other"
                )
    return out


def plan_day(
    jobs: Sequence[DayJob],
    *,
    start: LatLng,
    start_at: datetime,
    travel: TravelTime,
    mode: TravelMode = TravelMode.EBIKE,
    end: LatLng | None = None,
    exact_limit: int = 12,
    max_labels: int = 16,
) -> DayPlan:
    """Order one technician's jobs from ``start`` leaving at ``start_at``.

    Returns ETAs per job, and ``feasible=False`` with warnings when no order lets every
    job start inside its window (the planner then minimizes total lateness).
    """
    if start_at.tzinfo is None:
        raise ValueError("start_at must be timezone-aware")
    if len({j.id for j in jobs}) != len(jobs):
        raise ValueError("job ids must be unique")
    n = len(jobs)
    points = [start, *[j.location for j in jobs]]
    end_node = None
    if end is not None:
        points.append(end)
        end_node = len(points) - 1
    legs = _Legs(points, travel, start_at, mode)
    early = [(j.earliest - start_at).total_seconds() for j in jobs]
    late = [(j.latest - start_at).total_seconds() for j in jobs]
    service = [j.service_s for j in jobs]

    order: list[int] | None = None
    method = "insertion"
    if n <= exact_limit:
        order = _exact_order(n, legs, early, late, service, end_node, max_labels) if n else []
        if order is not None:
            method = "exact"
    if order is None:
        order = _insertion_order(n, legs, early, late, service, end_node)
    lateness, travel_s, finish, rows = _simulate(order, legs, early, late, service, end_node)

    visits = []
    warnings: list[str] = []
    for j, (leg, arrive, st, en, lt) in zip(order, rows, strict=True):
        visits.append(
            PlannedVisit(
                job_id=jobs[j].id,
                travel_s=leg,
                arrive_at=start_at + timedelta(seconds=arrive),
                start_at=start_at + timedelta(seconds=st),
                end_at=start_at + timedelta(seconds=en),
                wait_s=max(0.0, early[j] - arrive),
                late_s=lt,
            )
        )
        if lt > 0:
            warnings.append(f"job {jobs[j].id} starts {lt / 60:.0f} min after its window closes")
    feasible = lateness == 0
    if not feasible:
        warnings = _conflict_warnings(jobs, legs, early, late, service) + warnings
    last_end = start_at + timedelta(seconds=rows[-1][3]) if rows else start_at
    return DayPlan(
        visits=tuple(visits),
        feasible=feasible,
        total_travel_s=travel_s,
        total_late_s=lateness,
        finish_at=last_end,
        return_at=start_at + timedelta(seconds=finish) if end is not None else None,
        method=method,
        warnings=tuple(warnings),
    )
