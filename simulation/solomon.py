"""The Solomon VRPTW benchmark: the public yardstick for routing with time windows, so the
fleet planner (``server.dispatch.vrptw.solve_vrptw``) can be measured against published
best-known solutions (``bench/solomon_bench.py``).

``read_solomon`` parses the instance files (LF or CRLF, blank lines anywhere);
``solomon_problem`` turns an instance into the planner's integer model: PyVRP wants
integers, so coordinates and times are scaled by ``scale`` (100 by default) with distances
rounded and travel times rounded up, and a plan that is feasible in integers is feasible
in the original units. ``solve_solomon`` reports distances back in original units,
recomputed exactly, and ``check_solomon_routes`` checks every window and the capacity
there, independently of the solver.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.dispatch.vrptw import VehicleSpec, VrptwProblem, solve_vrptw


@dataclass(frozen=True)
class SolomonCustomer:
    id: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: SolomonCustomer
    customers: tuple[SolomonCustomer, ...]

    @property
    def nodes(self) -> tuple[SolomonCustomer, ...]:
        return (self.depot, *self.customers)

    def euclid(self, a: int, b: int) -> float:
        """Distance between node ``a`` and node ``b`` (0 is the depot)."""
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


def _numbers(tokens: list[str]) -> list[float] | None:
    try:
        return [float(t) for t in tokens]
    except ValueError:
        return None


def parse_solomon(text: str) -> SolomonInstance:
    """Parse the text of a Solomon file (LF or CRLF line ends, blank lines anywhere)."""
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ValueError("empty Solomon file")
    name = lines[0]
    vehicles = capacity = None
    rows: list[SolomonCustomer] = []
    section = ""
    for ln in lines[1:]:
        upper = ln.upper()
        if upper.startswith("VEHICLE"):
            section = "vehicle"
            continue
        if upper.startswith("CUSTOMER"):
            section = "customer"
            continue
        nums = _numbers(ln.split())
        if nums is None:
            continue  # a column header line
        if section == "vehicle" and len(nums) == 2 and vehicles is None:
            vehicles, capacity = int(nums[0]), int(nums[1])
        elif section == "customer":
            if len(nums) != 7:
                raise ValueError(f"customer row needs 7 columns, got {len(nums)}: {ln!r}")
            rows.append(
                SolomonCustomer(
                    id=int(nums[0]),
                    x=nums[1],
                    y=nums[2],
                    demand=int(nums[3]),
                    ready=nums[4],
                    due=nums[5],
                    service=nums[6],
                )
            )
    if vehicles is None or capacity is None:
        raise ValueError("no VEHICLE block with number and capacity")
    if not rows:
        raise ValueError("no CUSTOMER rows")
    if rows[0].id != 0:
        raise ValueError("the first customer row must be the depot (number 0)")
    return SolomonInstance(name, vehicles, capacity, rows[0], tuple(rows[1:]))


def read_solomon(path: str | Path) -> SolomonInstance:
    return parse_solomon(Path(path).read_text(encoding="utf-8", errors="replace"))


# ------------------------------------------------------------------ solving


def solomon_problem(inst: SolomonInstance, *, scale: int = 100) -> VrptwProblem:
    """Integer model of a Solomon instance: x ``scale``, distance rounded, time rounded up."""
    nodes = inst.nodes
    xy = np.array([(c.x, c.y) for c in nodes])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * scale
    distance = np.rint(d).astype(np.int64)
    duration = np.ceil(d - 1e-9).astype(np.int64)
    np.fill_diagonal(duration, 0)
    return VrptwProblem(
        names=[str(c.id) for c in nodes],
        coords=[(c.x, c.y) for c in nodes],
        num_depots=1,
        distance=distance,
        duration=duration,
        tw=[(round(c.ready * scale), round(c.due * scale)) for c in nodes],
        service=[round(c.service * scale) for c in inst.customers],
        demand=[c.demand for c in inst.customers],
        vehicles=[
            VehicleSpec(
                0,
                0,
                inst.capacity,
                round(inst.depot.ready * scale),
                round(inst.depot.due * scale),
                inst.vehicles,
            )
        ],
    )


@dataclass(frozen=True)
class SolomonResult:
    name: str
    distance: float  # original units, recomputed exactly
    vehicles: int
    feasible: bool  # every window met and capacity respected, checked in original units
    routes: tuple[tuple[int, ...], ...]  # Solomon customer numbers per route
    runtime_s: float
    iterations: int


def check_solomon_routes(
    inst: SolomonInstance, routes: Sequence[Sequence[int]]
) -> tuple[bool, float]:
    """Feasibility and total distance of routes (customer numbers) in original units."""
    seen: list[int] = []
    total = 0.0
    ok = True
    nodes = inst.nodes
    for route in routes:
        t = nodes[0].ready
        prev = 0
        load = 0
        for c in route:
            dist = inst.euclid(prev, c)
            total += dist
            t = max(t + dist, nodes[c].ready)
            if t > nodes[c].due + 1e-6:
                ok = False
            t += nodes[c].service
            load += nodes[c].demand
            prev = c
            seen.append(c)
        back = inst.euclid(prev, 0)
        total += back
        if t + back > nodes[0].due + 1e-6 or load > inst.capacity:
            ok = False
    if sorted(seen) != list(range(1, len(nodes))):
        ok = False
    return ok, total


def solve_solomon(
    inst: SolomonInstance,
    *,
    seconds: float = 5.0,
    seed: int = 0,
    scale: int = 100,
    vehicle_fixed_cost: int = 0,
    fleet_share: float = 0.0,
) -> SolomonResult:
    problem = solomon_problem(inst, scale=scale)
    sol = solve_vrptw(
        problem,
        seconds=seconds,
        seed=seed,
        vehicle_fixed_cost=vehicle_fixed_cost,
        fleet_share=fleet_share,
    )
    routes = tuple(tuple(int(problem.names[c]) for c in r.clients) for r in sol.routes)
    ok, dist = check_solomon_routes(inst, routes)
    return SolomonResult(
        name=inst.name,
        distance=dist,
        vehicles=len(routes),
        feasible=ok and sol.feasible,
        routes=routes,
        runtime_s=sol.runtime_s,
        iterations=sol.iterations,
    )
