"""``doorstep-simulate``: the policies side by side on one seeded day, and its parts."""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.dispatch.geo import LatLng, RoadFactorTravelTime, TravelMode
from server.ops.stats import percentile
from simulation.compare import POLICIES, compare, compare_rows, write_compare
from simulation.stats import spread
from simulation.world import (
    DEMAND_BY_HOUR,
    Itinerary,
    Job,
    SimConfig,
    accept_probability,
    booking_times,
)

TZ = ZoneInfo("Asia/Shanghai")
# Wall-clock figures differ from run to run; everything else must not.
WALL_CLOCK = ("round_ms", "wall_seconds")


def _quiet(_line: str) -> None:
    pass


def _figures(report) -> dict:  # noqa: ANN001
    return {k: v for k, v in asdict(report).items() if k not in WALL_CLOCK}


def test_compare_runs_every_policy_on_the_same_day(tmp_path, settings):  # noqa: ANN001
    config = SimConfig(hours=1.0, orders=10, technicians=14, seed=11)
    reports = compare(settings=settings, config=config, workdir=tmp_path / "a", echo=_quiet)
    assert list(reports) == list(POLICIES)
    for name, r in reports.items():
        assert r.orders == 10, name  # the same bookings for every policy, none refused
        assert r.errors == 0, name
        assert r.technicians_online == 14, name
        # served + unserved = booked, and the database agrees with the bookkeeping
        assert r.accepted + r.unserved == r.orders
        assert sum(r.status_counts.values()) == r.orders
        assert r.status_counts.get("ACCEPTED", 0) == r.accepted
        assert r.unserved == sum(
            r.status_counts.get(s, 0) for s in ("PENDING_DISPATCH", "OFFERED", "CANCELLED")
        )
        # every served order came through an accepted offer or a pool claim, and was driven to
        assert r.accepted == r.offers_accepted + r.claims
        assert r.jobs_done == r.accepted
        assert r.offers_accepted + r.offers_declined + r.offers_expired <= r.offers
        for rate in (
            r.served_rate,
            r.on_time_share,
            r.asap_on_time_share,
            r.offer_timeout_share,
            r.earnings_yuan["gini"],
            r.jobs_per_technician["gini"],
        ):
            assert 0.0 <= rate <= 1.0, name
        assert sum(r.bookings_by_hour.values()) == r.orders
        if r.accepted:
            assert r.travel_min["n"] == r.accepted and r.km_per_job > 0
            assert r.earnings_yuan["mean"] > 0
    assert reports["batch"].batch_rounds > 0
    assert reports["nearest"].batch_rounds == reports["cascade"].batch_rounds == 0
    assert reports["nearest"].config["dispatch_rules"]["weights"]["proximity"] == 1.0

    json_path, png_path = tmp_path / "out" / "simulation.json", tmp_path / "out" / "simulation.png"
    write_compare(reports, json_path, png_path)
    body = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(body["summary"]) == set(POLICIES)
    assert body["summary"]["batch"]["booked"] == 10
    assert all(v in (None, 1.0) for v in body["vs_nearest"]["nearest"].values())
    assert body["reports"]["cascade"]["orders"] == 10
    import matplotlib.image

    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _channels = matplotlib.image.imread(png_path).shape
    assert width > 1000 and height > 400

    # The same seed gives the same day: run one policy again from scratch.
    again = compare(
        settings=settings, config=config, workdir=tmp_path / "b", policies=("batch",), echo=_quiet
    )
    assert _figures(again["batch"]) == _figures(reports["batch"])
    assert compare_rows(again)["batch"] == compare_rows(reports)["batch"]


def test_bookings_follow_the_hour_of_day_curve():
    start = datetime(2026, 6, 1, 0, 0, tzinfo=TZ).astimezone(UTC)
    end = start + timedelta(days=1)
    times = booking_times(random.Random(1), start, end, TZ, DEMAND_BY_HOUR, per_hour=0, count=4000)
    assert len(times) == 4000 and times == sorted(times)
    assert all(start <= t < end for t in times)
    by_hour = [0] * 24
    for t in times:
        by_hour[t.astimezone(TZ).hour] += 1
    assert by_hour[9] > 3 * by_hour[6] and by_hour[19] > 3 * by_hour[23]  # two peaks
    assert by_hour[9] > by_hour[13] < by_hour[19]
    # a rate: about per_hour x weight, summed over the hours
    stream = booking_times(random.Random(2), start, end, TZ, DEMAND_BY_HOUR, per_hour=20)
    assert len(stream) == pytest.approx(20 * sum(DEMAND_BY_HOUR), rel=0.1)


def test_acceptance_falls_with_distance():
    near, mid, far = (accept_probability(0.9, km, 8.0) for km in (0.5, 8.0, 20.0))
    assert 0.85 < near <= 0.9 and mid == pytest.approx(0.45) and far < 0.15


def test_spread_of_pay():
    s = spread([0.0, 100.0, 100.0, 300.0])
    assert s["idle"] == 1 and s["p90_p10_working"] == 3.0 and 0 < s["gini"] < 1
    assert spread([50.0, 50.0])["gini"] == 0.0 and spread([50.0, 50.0])["std"] == 0.0


def test_simulation_quantiles_are_nearest_rank_the_dashboards_interpolate():
    working = [100.0, 100.0, 300.0]
    assert percentile(working, 90, method="nearest_rank") == 300.0  # a value that happened
    assert percentile(working, 10, method="nearest_rank") == 100.0
    assert percentile(working, 90) == pytest.approx(260.0)  # linear, the default
    assert percentile([], 50, method="nearest_rank") is None
    with pytest.raises(ValueError):
        percentile(working, 50, method="median")  # type: ignore[arg-type]  # not a method


def _job(
    order_id: str,
    start: datetime,
    km_north: float,
    *,
    asap: bool = False,
    accepted_at: datetime | None = None,
    duration_factor: float = 1.0,
) -> Job:
    return Job(
        order_id=order_id,
        lat=39.92 + km_north / 111.32,
        lng=116.44,
        start=start,
        duration=timedelta(hours=2),
        booked_at=start - timedelta(hours=1),
        accepted_at=accepted_at or start - timedelta(minutes=58),
        asap=asap,
        duration_factor=duration_factor,
    )


def test_a_technician_moves_from_job_to_job_and_an_overrun_makes_the_next_late():
    travel = RoadFactorTravelTime(tz="Asia/Shanghai")
    home = LatLng(39.92, 116.44)
    trip = Itinerary(
        home=home,
        position=home,
        mode=TravelMode.EBIKE,
        travel=travel,
        tz=TZ,
        early=timedelta(minutes=5),
        road_factor=travel.road_factor,
    )
    ten = datetime(2026, 6, 1, 10, 0, tzinfo=TZ).astimezone(UTC)
    trip.add(_job("b", ten + timedelta(hours=2, minutes=15), 6.0))
    trip.add(_job("a", ten, 3.0, duration_factor=1.3))  # runs 36 min over
    assert trip.advance(ten - timedelta(hours=1)) == []
    first, second = trip.advance(ten + timedelta(hours=3))
    assert first.job.order_id == "a" and first.late_s == 0
    assert first.arrive == ten - timedelta(minutes=5)  # planned to be 5 min early
    assert first.km == pytest.approx(3.0 * 1.3, rel=0.01)
    # the second trip starts where the first job was, once it is over
    assert second.depart == first.end and second.km == pytest.approx(3.0 * 1.3, rel=0.01)
    assert second.late_s > 0
    assert trip.position(second.arrive) == LatLng(39.92 + 6.0 / 111.32, 116.44)
    halfway = trip.position(second.depart + (second.arrive - second.depart) / 2)
    assert halfway.lat == pytest.approx(39.92 + 4.5 / 111.32)
    # an ASAP job is left for at once, and started on arrival
    accepted = second.end + timedelta(minutes=1)
    trip.add(_job("c", accepted + timedelta(hours=1), 0.0, asap=True, accepted_at=accepted))
    (third,) = trip.advance(accepted)
    assert third.depart == accepted and third.km == pytest.approx(6.0 * 1.3, rel=0.01)
    assert third.end == third.arrive + timedelta(hours=2) and third.late_s == 0
