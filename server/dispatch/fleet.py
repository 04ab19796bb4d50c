"""A fleet plan for operators: many technicians' days at once. Pure computation.

``solve_vrptw`` plans many vehicles with PyVRP's iterated local search, from technicians
and jobs on a map (``fleet_problem``, ``plan_fleet``). PyVRP wants integers: meters and
seconds. The Solomon VRPTW benchmark, the public yardstick that measures this planner
against published best-known solutions, feeds the same solver from
``simulation.solomon``. One technician's day alone is ``routing.plan_day``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from server.dispatch.geo import LatLng, TravelMode, TravelTime, distance_m


@dataclass(frozen=True)
class VehicleSpec:
    start_depot: int
    end_depot: int
    capacity: int
    tw_early: int
    tw_late: int
    count: int = 1
    name: str = ""


@dataclass
class VrptwProblem:
    """An integer VRPTW: depots are locations ``0..num_depots-1``, clients follow.

    ``demand``, ``service``, ``prize`` and ``required`` are per client; ``tw`` per
    location. ``distance``/``duration`` are full square integer matrices.
    """

    names: list[str]
    coords: list[tuple[float, float]]
    num_depots: int
    distance: np.ndarray
    duration: np.ndarray
    tw: list[tuple[int, int]]
    service: list[int]
    demand: list[int]
    vehicles: list[VehicleSpec]
    prize: list[int] | None = None
    required: list[bool] | None = None

    def __post_init__(self) -> None:
        n = len(self.names)
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            raise ValueError("distance and duration must be square matrices over all locations")
        m = n - self.num_depots
        for name, seq in (("service", self.service), ("demand", self.demand)):
            if len(seq) != m:
                raise ValueError(f"{name} needs one entry per client")
        if len(self.tw) != n or len(self.coords) != n:
            raise ValueError("tw and coords need one entry per location")


@dataclass(frozen=True)
class RoutePlan:
    vehicle_type: int
    clients: tuple[int, ...]  # location indices, in visiting order
    distance: int
    start_time: int
    end_time: int


@dataclass(frozen=True)
class VrpSolution:
    routes: tuple[RoutePlan, ...]
    distance: int  # integer units of the problem
    feasible: bool
    unassigned: tuple[int, ...]  # location indices of clients left out (optional ones)
    runtime_s: float
    iterations: int

    @property
    def vehicles_used(self) -> int:
        return len(self.routes)


def solve_vrptw(
    problem: VrptwProblem,
    *,
    seconds: float = 5.0,
    seed: int = 0,
    vehicle_fixed_cost: int = 0,
) -> VrpSolution:
    """Solve with PyVRP's iterated local search under a wall-clock limit."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    if seconds <= 0:
        raise ValueError("seconds must be positive")
    model = Model()
    locs = [
        model.add_location(x=float(x), y=float(y), name=nm)
        for (x, y), nm in zip(problem.coords, problem.names, strict=True)
    ]
    depots = [
        model.add_depot(
            locs[d], tw_early=problem.tw[d][0], tw_late=problem.tw[d][1], name=problem.names[d]
        )
        for d in range(problem.num_depots)
    ]
    for v in problem.vehicles:
        model.add_vehicle_type(
            num_available=v.count,
            capacity=v.capacity,
            start_depot=depots[v.start_depot],
            end_depot=depots[v.end_depot],
            tw_early=v.tw_early,
            tw_late=v.tw_late,
            fixed_cost=vehicle_fixed_cost,
            name=v.name,
        )
    for c in range(problem.num_depots, len(problem.names)):
        k = c - problem.num_depots
        model.add_client(
            locs[c],
            delivery=problem.demand[k],
            service_duration=problem.service[k],
            tw_early=problem.tw[c][0],
            tw_late=problem.tw[c][1],
            prize=0 if problem.prize is None else problem.prize[k],
            required=True if problem.required is None else problem.required[k],
            name=problem.names[c],
        )
    dist, dur = problem.distance, problem.duration
    n = len(locs)
    for i in range(n):
        for j in range(n):
            if i != j:
                model.add_edge(locs[i], locs[j], distance=int(dist[i, j]), duration=int(dur[i, j]))

    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False, collect_stats=False)
    best = result.best
    nd = problem.num_depots
    routes = []
    visited: set[int] = set()
    for r in best.routes():
        clients = tuple(a.idx + nd for a in r if a.is_client())
        visited.update(clients)
        routes.append(
            RoutePlan(
                r.vehicle_type(), clients, int(r.distance()), int(r.start_time()), int(r.end_time())
            )
        )
    unassigned = tuple(c for c in range(nd, n) if c not in visited)
    return VrpSolution(
        routes=tuple(routes),
        distance=int(best.distance()),
        feasible=bool(best.is_feasible()),
        unassigned=unassigned,
        runtime_s=float(result.runtime),
        iterations=int(result.num_iterations),
    )


# -------------------------------------------------------------- operators' fleet plan


@dataclass(frozen=True)
class FleetTechnician:
    id: str
    start: LatLng
    shift_start: datetime
    shift_end: datetime
    end: LatLng | None = None  # None: back to the start


@dataclass(frozen=True)
class FleetJob:
    id: str
    location: LatLng
    earliest: datetime
    latest: datetime  # latest start of service
    service_s: int
    required: bool = True


@dataclass(frozen=True)
class FleetStop:
    job_id: str
    start_at: datetime


@dataclass(frozen=True)
class FleetPlan:
    routes: dict[str, tuple[FleetStop, ...]]  # technician id -> stops in order
    unassigned: tuple[str, ...]
    total_distance_m: int
    feasible: bool


def fleet_problem(
    technicians: Sequence[FleetTechnician],
    jobs: Sequence[FleetJob],
    *,
    plan_start: datetime,
    travel: TravelTime,
    mode: TravelMode = TravelMode.EBIKE,
    skip_prize: int = 1_000_000,
) -> VrptwProblem:
    """Integer model of an operator's day: seconds from ``plan_start``, meters.

    Each technician gets their own start/end depots. Travel times are taken at the
    plan's start; a fleet plan is a proposal refreshed during the day, not a promise.
    Jobs marked ``required=False`` may be left out at a cost of ``skip_prize``, so an
    overbooked day yields a plan plus a list of jobs to reassign instead of no plan.
    """
    if plan_start.tzinfo is None:
        raise ValueError("plan_start must be timezone-aware")
    points: list[LatLng] = []
    names: list[str] = []
    tw: list[tuple[int, int]] = []
    vehicles: list[VehicleSpec] = []

    def sec(t: datetime) -> int:
        return max(0, int((t - plan_start).total_seconds()))

    for tech in technicians:
        s = len(points)
        points.append(tech.start)
        names.append(f"{tech.id}:start")
        tw.append((sec(tech.shift_start), sec(tech.shift_end)))
        e = s
        if tech.end is not None:
            e = len(points)
            points.append(tech.end)
            names.append(f"{tech.id}:end")
            tw.append((sec(tech.shift_start), sec(tech.shift_end)))
        vehicles.append(
            VehicleSpec(s, e, len(jobs) + 1, sec(tech.shift_start), sec(tech.shift_end), 1, tech.id)
        )
    num_depots = len(points)
    for job in jobs:
        points.append(job.location)
        names.append(job.id)
        tw.append((sec(job.earliest), sec(job.latest)))
    n = len(points)
    distance = np.zeros((n, n), dtype=np.int64)
    duration = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        for j in range(n):
            if i != j:
                distance[i, j] = round(distance_m(points[i], points[j]))
                duration[i, j] = math.ceil(travel.seconds(points[i], points[j], plan_start, mode))
    return VrptwProblem(
        names=names,
        coords=[(p[1], p[0]) for p in points],
        num_depots=num_depots,
        distance=distance,
        duration=duration,
        tw=tw,
        service=[int(j.service_s) for j in jobs],
        demand=[1 for _ in jobs],
        vehicles=vehicles,
        prize=[0 if j.required else skip_prize for j in jobs],
        required=[j.required for j in jobs],
    )


def plan_fleet(
    technicians: Sequence[FleetTechnician],
    jobs: Sequence[FleetJob],
    *,
    plan_start: datetime,
    travel: TravelTime,
    mode: TravelMode = TravelMode.EBIKE,
    seconds: float = 2.0,
    seed: int = 0,
) -> FleetPlan:
    """Assign and order many technicians' jobs for a day (operators' planning view)."""
    if not technicians:
        raise ValueError("a fleet plan needs at least one technician")
    if len({j.id for j in jobs}) != len(jobs):
        raise ValueError("job ids must be unique")
    if not jobs:
        return FleetPlan({t.id: () for t in technicians}, (), 0, True)
    problem = fleet_problem(technicians, jobs, plan_start=plan_start, travel=travel, mode=mode)
    sol = solve_vrptw(problem, seconds=seconds, seed=seed)
    routes: dict[str, tuple[FleetStop, ...]] = {t.id: () for t in technicians}
    nd = problem.num_depots
    job_by_loc = {nd + k: j for k, j in enumerate(jobs)}
    for r in sol.routes:
        tech = technicians[r.vehicle_type]
        stops = []
        t = r.start_time
        prev = problem.vehicles[r.vehicle_type].start_depot
        for c in r.clients:
            t = max(t + int(problem.duration[prev, c]), problem.tw[c][0])
            stops.append(FleetStop(job_by_loc[c].id, plan_start + timedelta(seconds=t)))
            t += problem.service[c - nd]
            prev = c
        routes[tech.id] = tuple(stops)
    return FleetPlan(
        routes=routes,
        unassigned=tuple(job_by_loc[c].id for c in sol.unassigned),
        total_distance_m=sol.distance,
        feasible=sol.feasible,
    )
