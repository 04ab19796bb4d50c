"""The integer VRPTW and its solver: PyVRP's iterated local search. Pure computation.

PyVRP wants integers, so a ``VrptwProblem`` is in whole units (meters and seconds for
operators' plans, scaled coordinates for the Solomon benchmark of ``simulation.solomon``).
``solve_vrptw`` can put the fleet size first (``fleet_share``): the hierarchical objective
the Solomon best-known solutions are ranked by. Technicians and jobs on a map become a
problem in ``server.dispatch.fleet``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # PyVRP loads on first solve, not with the server
    from pyvrp import Model, ProblemData, Solution

FLEET_ATTEMPT_S = 2.5  # one attempt at cutting the fleet, before a restart with a new seed


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


def _model(problem: VrptwProblem, vehicle_fixed_cost: int) -> Model:
    from pyvrp import Model

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
    return model


def _visits(solution: Solution) -> list[list[int]]:
    return [[a.idx for a in r if a.is_client()] for r in solution.routes()]


def _cut_fleet(data: ProblemData, seconds: float, seed: int) -> tuple[ProblemData, Solution | None]:
    """The smallest fleet PyVRP's ``minimise_fleet`` finds in ``seconds``, with a feasible
    solution on it (None when none was found: then the fleet is left as it was).

    ``minimise_fleet`` returns only a fleet size; a callback keeps the best feasible
    solution of each solve it runs, so the final solve starts from a plan that fits. The
    time a fleet one vehicle short takes to become feasible is heavy-tailed (on RC105 one
    seed in two finds 13 vehicles within 2.5 s, others not in 8 s), so the search runs as
    attempts of ``FLEET_ATTEMPT_S`` with a new seed each, from the fleet found so far.
    """
    from pyvrp import IteratedLocalSearchCallbacks, Result, SolveParams, minimise_fleet
    from pyvrp import Solution as PyvrpSolution
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
    from pyvrp.stop import MaxRuntime

    class KeepFeasible(IteratedLocalSearchCallbacks):
        best: PyvrpSolution | None = None

        def on_end(self, result: Result) -> None:
            b = result.best
            if b.is_feasible() and (
                self.best is None
                or (b.num_routes(), b.distance()) < (self.best.num_routes(), self.best.distance())
            ):
                self.best = b

    keeper = KeepFeasible()
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=keeper))
    deadline = time.perf_counter() + seconds
    current = data
    attempt = 0
    while (left := deadline - time.perf_counter()) > 0.05:
        budget = MaxRuntime(min(FLEET_ATTEMPT_S, left))
        with warnings.catch_warnings():  # trying a fleet too small to be feasible is the method
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            minimise_fleet(current, budget, seed=seed + 7919 * attempt, params=params)
        if keeper.best is not None:
            fleet = data.vehicle_type(0).replace(num_available=keeper.best.num_routes())
            current = data.replace(vehicle_types=[fleet])
        if not budget(0):
            break  # it stopped before its time: the fleet is at its lower bound
        attempt += 1
    if keeper.best is None:
        return data, None
    return current, PyvrpSolution(current, _visits(keeper.best))


def solve_vrptw(
    problem: VrptwProblem,
    *,
    seconds: float = 5.0,
    seed: int = 0,
    vehicle_fixed_cost: int = 0,
    fleet_share: float = 0.0,
    no_improvement: int | None = None,
) -> VrpSolution:
    """Solve with PyVRP's iterated local search under a wall-clock limit.

    ``fleet_share`` > 0 (one vehicle type, every client required) spends that share of
    the time on the fewest vehicles first (``minimise_fleet``), then the rest on distance
    with that fleet, starting from the feasible plan found: the literature's hierarchical
    objective, vehicles first. A fixed cost per vehicle alone often keeps one too many.
    """
    from pyvrp import solve
    from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if not 0 <= fleet_share < 1:
        raise ValueError("fleet_share must be in [0, 1)")
    started = time.perf_counter()
    data = _model(problem, vehicle_fixed_cost).data()
    init = None
    if fleet_share > 0:
        if len(problem.vehicles) != 1 or not all(problem.required or [True]):
            raise ValueError("fleet minimisation needs one vehicle type and required clients")
        data, init = _cut_fleet(data, seconds * fleet_share, seed)
    left = max(0.01, seconds - (time.perf_counter() - started))
    stop: MaxRuntime | MultipleCriteria = MaxRuntime(left)
    if no_improvement is not None:
        stop = MultipleCriteria([stop, NoImprovement(no_improvement)])
    result = solve(
        data,
        stop=stop,
        seed=seed,
        collect_stats=False,
        display=False,
        initial_solution=init,
    )
    best = result.best
    if init is not None and not best.is_feasible():
        best = init  # never trade the feasible plan on the cut fleet for an infeasible one
    nd = problem.num_depots
    n = len(problem.names)
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
        runtime_s=time.perf_counter() - started,
        iterations=int(result.num_iterations),
    )
