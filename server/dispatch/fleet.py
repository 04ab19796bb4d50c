"""A fleet plan for operators: many technicians' days at once. Pure computation.

Technicians and jobs on a map become an integer VRPTW (``fleet_problem``: meters and
seconds) that ``server.dispatch.vrptw.solve_vrptw`` solves with PyVRP; ``plan_fleet``
turns its routes back into stops with times. The same solver is measured against the
Solomon benchmark's best-known solutions (``simulation.solomon``). One technician's day
alone, exactly, is ``routing.plan_day``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from server.dispatch.geo import LatLng, TravelMode, TravelTime, distance_m
from server.dispatch.vrptw import VehicleSpec, VrptwProblem, solve_vrptw


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
    arrive_at: datetime | None = None
    end_at: datetime | None = None
    travel_s: int = 0  # from the previous stop (or the start)


@dataclass(frozen=True)
class FleetPlan:
    routes: dict[str, tuple[FleetStop, ...]]  # technician id -> stops in order
    unassigned: tuple[str, ...]
    total_distance_m: int
    feasible: bool
    distance_m: dict[str, int] = field(default_factory=dict)  # per technician, with return
    leave_at: dict[str, datetime] = field(default_factory=dict)  # per technician with stops


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

    def sec_up(t: datetime) -> int:  # a window opens no earlier in whole seconds
        return max(0, math.ceil((t - plan_start).total_seconds()))

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
        tw.append((sec_up(job.earliest), max(sec_up(job.earliest), sec(job.latest))))
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
    no_improvement: int | None = None,
) -> FleetPlan:
    """Assign and order many technicians' jobs for a day (operators' planning view).

    ``no_improvement`` also stops after that many iterations without a better plan: a
    technician's day of a few jobs converges in milliseconds, long before ``seconds``.
    """
    if not technicians:
        raise ValueError("a fleet plan needs at least one technician")
    if len({j.id for j in jobs}) != len(jobs):
        raise ValueError("job ids must be unique")
    if not jobs:
        return FleetPlan({t.id: () for t in technicians}, (), 0, True)
    problem = fleet_problem(technicians, jobs, plan_start=plan_start, travel=travel, mode=mode)
    sol = solve_vrptw(problem, seconds=seconds, seed=seed, no_improvement=no_improvement)
    routes: dict[str, tuple[FleetStop, ...]] = {t.id: () for t in technicians}
    distance = {t.id: 0 for t in technicians}
    leave_at: dict[str, datetime] = {}
    nd = problem.num_depots
    job_by_loc = {nd + k: j for k, j in enumerate(jobs)}
    for r in sol.routes:
        tech = technicians[r.vehicle_type]
        stops = []
        # Earliest starts, so a late window never hides an early arrival (PyVRP's own
        # schedule leaves as late as it can), leaving just in time for the first job.
        first = r.clients[0]
        prev = problem.vehicles[r.vehicle_type].start_depot
        t = max(
            problem.vehicles[r.vehicle_type].tw_early,
            problem.tw[first][0] - int(problem.duration[prev, first]),
        )
        leave_at[tech.id] = plan_start + timedelta(seconds=t)
        for c in r.clients:
            leg = int(problem.duration[prev, c])
            arrive = t + leg
            t = max(arrive, problem.tw[c][0])
            end = t + problem.service[c - nd]
            at = plan_start + timedelta(seconds=t)
            stops.append(
                FleetStop(
                    job_by_loc[c].id,
                    at,
                    plan_start + timedelta(seconds=arrive),
                    plan_start + timedelta(seconds=end),
                    leg,
                )
            )
            t = end
            prev = c
        routes[tech.id] = tuple(stops)
        distance[tech.id] = r.distance
    return FleetPlan(
        routes=routes,
        unassigned=tuple(job_by_loc[c].id for c in sol.unassigned),
        total_distance_m=sol.distance,
        feasible=sol.feasible,
        distance_m=distance,
        leave_at=leave_at,
    )
