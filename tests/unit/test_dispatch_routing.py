from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.dispatch.fleet import FleetJob, FleetTechnician, plan_fleet
from server.dispatch.geo import LatLng, RoadFactorTravelTime, TravelMode, distance_m
from server.dispatch.routing import DayJob, plan_day
from simulation.solomon import (
    SolomonInstance,
    check_solomon_routes,
    parse_solomon,
    read_solomon,
    solve_solomon,
)

SOLOMON_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "solomon"
TRAVEL = RoadFactorTravelTime()
BASE = LatLng(31.2304, 121.4737)
DAY = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai

SMALL = """SMALL1

VEHICLE
NUMBER     CAPACITY
   3         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        500          0
    1      10         0         10          0         30         10
    2      20         0         10         0        200         10
    3      0          10        20         50        120         10
    4      0          20        20          0        300         10
"""


def test_parse_solomon_lf_and_crlf_agree():
    a = parse_solomon(SMALL)
    b = parse_solomon(SMALL.replace("\n", "\r\n"))
    assert a == b
    assert a.name == "SMALL1" and a.vehicles == 3 and a.capacity == 50
    assert a.depot.id == 0 and len(a.customers) == 4
    assert a.customers[2].ready == 50 and a.customers[2].due == 120
    assert a.euclid(1, 2) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "X\nCUSTOMER\n0 0 0 0 0 10 0\n",
        "X\nVEHICLE\n2 10\nCUSTOMER\n",
        "X\nVEHICLE\n2 10\nCUSTOMER\n1 0 0 0 0\n",
    ],
    ids=["empty", "no-vehicle", "no-customers", "short-row"],
)
def test_parse_solomon_rejects_broken_files(text):
    with pytest.raises(ValueError):
        parse_solomon(text)


@pytest.mark.skipif(not SOLOMON_DIR.is_dir(), reason="shared Solomon files not present")
def test_read_every_shared_instance():
    files = sorted(SOLOMON_DIR.glob("*.txt"))
    assert files
    for f in files:
        inst = read_solomon(f)
        assert inst.name == f.stem
        assert len(inst.customers) == 100 and inst.vehicles == 25
        assert [c.id for c in inst.customers] == list(range(1, 101))


def test_check_solomon_routes_catches_violations():
    inst = parse_solomon(SMALL)
    ok, dist = check_solomon_routes(inst, [[1, 2], [3, 4]])
    assert ok and dist == pytest.approx(10 + 10 + 20 + 10 + 10 + 20)
    late, _ = check_solomon_routes(inst, [[2, 1], [3, 4]])  # 1 reached at 40, due 30
    assert not late
    over, _ = check_solomon_routes(inst, [[1, 2, 3, 4]])  # load 60 > 50
    assert not over
    missing, _ = check_solomon_routes(inst, [[1, 2]])
    assert not missing


def test_solve_small_solomon_instance():
    inst = parse_solomon(SMALL)
    res = solve_solomon(inst, seconds=0.3)
    assert res.feasible
    assert sorted(c for r in res.routes for c in r) == [1, 2, 3, 4]
    ok, dist = check_solomon_routes(inst, res.routes)
    assert ok and dist == pytest.approx(res.distance)
    assert res.distance == pytest.approx(80.0)  # 0-1-2-0 (40) and 0-3-4-0 (40)


@pytest.mark.skipif(
    not (SOLOMON_DIR / "C101.txt").is_file(), reason="shared Solomon files not present"
)
def test_solve_c101_prefix():
    full = read_solomon(SOLOMON_DIR / "C101.txt")
    inst = SolomonInstance(full.name, full.vehicles, full.capacity, full.depot, full.customers[:25])
    res = solve_solomon(inst, seconds=1.0)
    assert res.feasible
    assert sorted(c for r in res.routes for c in r) == list(range(1, 26))


# ----------------------------------------------------------------- one technician's day


def at(minutes: float) -> datetime:
    return DAY + timedelta(minutes=minutes)


def offset(km_north: float, km_east: float) -> LatLng:
    return LatLng(BASE.lat + km_north / 111.195, BASE.lng + km_east / (111.195 * 0.8554))


def test_plan_day_orders_by_windows_not_by_input():
    jobs = [
        DayJob("late", offset(1, 0), at(240), at(300), 3600),
        DayJob("early", offset(0, 1), at(0), at(60), 3600),
        DayJob("mid", offset(1, 1), at(120), at(180), 3600),
    ]
    plan = plan_day(jobs, start=BASE, start_at=DAY, travel=TRAVEL)
    assert plan.feasible and plan.method == "exact" and plan.warnings == ()
    assert plan.order == ["early", "mid", "late"]
    for v, j in zip(plan.visits, sorted(jobs, key=lambda j: j.earliest), strict=True):
        assert j.earliest <= v.start_at <= j.latest
        assert v.arrive_at <= v.start_at and v.end_at == v.start_at + timedelta(seconds=j.service_s)


def test_plan_day_prefers_less_travel_when_windows_allow():
    # Wide windows: visiting east-west-east is worse than east-east-west.
    wide = (at(0), at(600))
    jobs = [
        DayJob("e1", offset(0, 2), *wide, 600),
        DayJob("w", offset(0, -2), *wide, 600),
        DayJob("e2", offset(0, 2.5), *wide, 600),
    ]
    plan = plan_day(jobs, start=BASE, start_at=DAY, travel=TRAVEL)
    assert plan.order in (["e1", "e2", "w"], ["w", "e1", "e2"])


def test_plan_day_reports_conflicts_when_infeasible():
    jobs = [
        DayJob("a", offset(0, 1), at(60), at(70), 7200),
        DayJob("b", offset(0, 2), at(60), at(75), 7200),
        DayJob("c", offset(30, 0), at(0), at(5), 600),  # 30 km away, must start within 5 min
    ]
    plan = plan_day(jobs, start=BASE, start_at=DAY, travel=TRAVEL)
    assert not plan.feasible and plan.method == "insertion"
    assert plan.total_late_s > 0
    text = " ".join(plan.warnings)
    assert "a and b overlap" in text
    assert "job c cannot be reached" in text
    assert sorted(plan.order) == ["a", "b", "c"]


def test_plan_day_with_return_and_empty_day():
    empty = plan_day([], start=BASE, start_at=DAY, travel=TRAVEL, end=BASE)
    assert empty.feasible and empty.visits == () and empty.return_at == DAY
    one = plan_day(
        [DayJob("x", offset(2, 0), at(30), at(90), 1800)],
        start=BASE,
        start_at=DAY,
        travel=TRAVEL,
        end=BASE,
    )
    assert one.return_at > one.finish_at
    assert one.total_travel_s == pytest.approx(
        2 * TRAVEL.seconds(BASE, offset(2, 0), DAY), rel=1e-6
    )


def test_plan_day_validates_input():
    with pytest.raises(ValueError):
        plan_day([DayJob("x", BASE, at(0), at(1), 1)] * 2, start=BASE, start_at=DAY, travel=TRAVEL)
    with pytest.raises(ValueError):
        DayJob("x", BASE, at(10), at(0), 1)


def test_large_day_uses_the_heuristic_and_stays_feasible():
    jobs = [
        DayJob(f"j{k}", offset(0.3 * k, 0), at(60 * k), at(60 * k + 30), 1800) for k in range(15)
    ]
    plan = plan_day(list(reversed(jobs)), start=BASE, start_at=DAY, travel=TRAVEL)
    assert plan.method == "insertion" and plan.feasible
    assert plan.order == [f"j{k}" for k in range(15)]


@st.composite
def feasible_days(draw):
    """Build a day by walking a hidden order, then put each window around the real start."""
    n = draw(st.integers(1, 8))
    mode = draw(st.sampled_from([TravelMode.EBIKE, TravelMode.WALK]))
    points = [offset(draw(st.floats(-4, 4)), draw(st.floats(-4, 4))) for _ in range(n)]
    t = 0.0
    prev = BASE
    jobs = []
    for k, p in enumerate(points):
        leg = TRAVEL.seconds(prev, p, DAY + timedelta(seconds=(t // 60) * 60), mode)
        arrive = t + leg
        hidden_start = arrive + draw(st.floats(0, 1800))
        earliest = max(0.0, hidden_start - draw(st.floats(0, 3600)))
        latest = hidden_start + draw(st.floats(0, 3600))
        service = draw(st.floats(300, 5400))
        jobs.append(
            DayJob(
                f"j{k}",
                p,
                DAY + timedelta(seconds=earliest),
                DAY + timedelta(seconds=latest),
                service,
            )
        )
        t = max(arrive, earliest) + service
        prev = p
    shuffled = draw(st.permutations(jobs))
    return shuffled, mode


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_days())
def test_one_technician_route_respects_windows_when_feasible(day):
    jobs, mode = day
    plan = plan_day(jobs, start=BASE, start_at=DAY, travel=TRAVEL, mode=mode)
    assert plan.feasible, plan.warnings
    assert sorted(plan.order) == sorted(j.id for j in jobs)
    by_id = {j.id: j for j in jobs}
    clock = DAY
    for v in plan.visits:
        j = by_id[v.job_id]
        assert v.arrive_at >= clock
        assert (
            j.earliest - timedelta(microseconds=1)
            <= v.start_at
            <= j.latest + timedelta(microseconds=1)
        )
        assert v.late_s == 0
        clock = v.end_at


# ----------------------------------------------------------------- fleet plan


def test_plan_fleet_assigns_every_job_inside_windows():
    techs = [
        FleetTechnician("north", offset(3, 0), at(0), at(600)),
        FleetTechnician("south", offset(-3, 0), at(0), at(600)),
    ]
    jobs = [
        FleetJob(f"n{k}", offset(3 + 0.5 * k, 0.5), at(60 * k), at(60 * k + 120), 1800)
        for k in range(3)
    ] + [
        FleetJob(f"s{k}", offset(-3 - 0.5 * k, -0.5), at(60 * k), at(60 * k + 120), 1800)
        for k in range(3)
    ]
    plan = plan_fleet(techs, jobs, plan_start=DAY, travel=TRAVEL, seconds=0.5)
    assert plan.feasible and plan.unassigned == ()
    assert sorted(s.job_id for stops in plan.routes.values() for s in stops) == sorted(
        j.id for j in jobs
    )
    assert {s.job_id[0] for s in plan.routes["north"]} == {"n"}
    assert {s.job_id[0] for s in plan.routes["south"]} == {"s"}
    by_id = {j.id: j for j in jobs}
    for stops in plan.routes.values():
        for s in stops:
            assert (
                by_id[s.job_id].earliest
                <= s.start_at
                <= by_id[s.job_id].latest + timedelta(seconds=1)
            )
    assert plan.total_distance_m > distance_m(offset(3, 0), offset(4, 0.5))


def test_plan_fleet_leaves_out_optional_jobs_it_cannot_fit():
    techs = [FleetTechnician("only", BASE, at(0), at(180))]
    jobs = [
        FleetJob("a", offset(1, 0), at(0), at(30), 5400, required=False),
        FleetJob("b", offset(-1, 0), at(0), at(30), 5400, required=False),
    ]
    plan = plan_fleet(techs, jobs, plan_start=DAY, travel=TRAVEL, seconds=0.3)
    assert len(plan.unassigned) == 1
    assert len(plan.routes["only"]) == 1
