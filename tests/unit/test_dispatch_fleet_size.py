"""The planner with the fleet first (``solve_vrptw(fleet_share=...)``): its routes are
feasible, checked independently of the solver, and it finds the smallest fleet on small
instances whose minimum is known. No time limit is asserted: the machine may be busy.
Last, the fleet plan's schedule: a just-in-time departure, each job started earliest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from server.dispatch.fleet import FleetJob, FleetTechnician, plan_fleet
from server.dispatch.geo import LatLng, RoadFactorTravelTime
from server.dispatch.vrptw import VehicleSpec, VrptwProblem, solve_vrptw
from simulation.solomon import (
    SolomonInstance,
    check_solomon_routes,
    parse_solomon,
    read_solomon,
    solve_solomon,
)

SOLOMON_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "solomon"
FLEET_COST = 100_000  # per vehicle, scaled units: far above any route's distance


def _ring_instance() -> str:
    """Twelve customers on a ring, 25 units each, trucks of 100: four fit a truck, so
    three trucks at least; the wide windows let three do it (the minimum is 3)."""
    rows = ["    0     50     50      0      0   1000      0"]
    for k in range(12):
        angle = 2 * np.pi * k / 12
        x, y = 50 + 30 * np.cos(angle), 50 + 30 * np.sin(angle)
        ready = 0 if k % 2 else 100
        rows.append(f"   {k + 1:2d}  {x:6.1f} {y:6.1f}     25 {ready:6d}    800     10")
    return "RING12\n\nVEHICLE\nNUMBER CAPACITY\n  25   100\n\nCUSTOMER\n" + "\n".join(rows) + "\n"


def test_fleet_first_plan_is_feasible_and_uses_the_fewest_vehicles():
    inst = parse_solomon(_ring_instance())
    res = solve_solomon(inst, seconds=1.0, vehicle_fixed_cost=FLEET_COST, fleet_share=0.6)
    assert res.feasible
    assert sorted(c for r in res.routes for c in r) == list(range(1, 13))  # every one, once
    ok, dist = check_solomon_routes(inst, res.routes)  # windows and capacity, original units
    assert ok and dist == pytest.approx(res.distance)
    assert res.vehicles == 3


@pytest.mark.skipif(
    not (SOLOMON_DIR / "R101.txt").is_file(), reason="shared Solomon files not present"
)
def test_fleet_first_on_an_r101_prefix_gives_feasible_routes():
    full = read_solomon(SOLOMON_DIR / "R101.txt")
    inst = SolomonInstance(full.name, full.vehicles, full.capacity, full.depot, full.customers[:25])
    res = solve_solomon(inst, seconds=1.5, vehicle_fixed_cost=FLEET_COST, fleet_share=0.6)
    assert res.feasible
    assert sorted(c for r in res.routes for c in r) == list(range(1, 26))
    ok, _ = check_solomon_routes(inst, res.routes)
    assert ok


def test_fleet_first_needs_one_vehicle_type():
    problem = VrptwProblem(
        names=["d", "e", "c"],
        coords=[(0, 0), (1, 1), (2, 2)],
        num_depots=2,
        distance=np.ones((3, 3), dtype=np.int64),
        duration=np.ones((3, 3), dtype=np.int64),
        tw=[(0, 100)] * 3,
        service=[1],
        demand=[1],
        vehicles=[VehicleSpec(0, 0, 5, 0, 100), VehicleSpec(1, 1, 5, 0, 100)],
    )
    with pytest.raises(ValueError, match="one vehicle type"):
        solve_vrptw(problem, seconds=0.1, fleet_share=0.5)
    with pytest.raises(ValueError, match="fleet_share"):
        solve_vrptw(problem, seconds=0.1, fleet_share=1.0)


def test_plan_fleet_leaves_just_in_time_and_starts_each_job_as_early_as_it_can():
    day = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    home = LatLng(31.2304, 121.4737)

    def at(minutes: int) -> datetime:
        return day + timedelta(minutes=minutes)

    jobs = [
        FleetJob("late", LatLng(31.2404, 121.4737), at(240), at(300), 1800, required=False),
        FleetJob("early", LatLng(31.2304, 121.4837), at(120), at(180), 3600, required=False),
    ]
    tech = FleetTechnician("t", home, at(0), at(900))
    plan = plan_fleet([tech], jobs, plan_start=day, travel=RoadFactorTravelTime(), seconds=0.3)
    first, second = plan.routes["t"]
    assert (first.job_id, second.job_id) == ("early", "late")
    assert first.arrive_at == first.start_at == at(120)  # left home just in time
    assert plan.leave_at["t"] == at(120) - timedelta(seconds=first.travel_s)
    assert second.start_at == at(240) and second.arrive_at == first.end_at + timedelta(
        seconds=second.travel_s
    )
    assert first.end_at == at(180) and plan.distance_m["t"] > 0
