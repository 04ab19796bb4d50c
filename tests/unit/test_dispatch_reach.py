"""The reach prefilter keeps every technician dispatch could find eligible, and the
decisions over what it keeps equal those over everyone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import numpy as np
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dispatch.assignment import assign_optimal
from server.dispatch.engine import decide
from server.dispatch.facts import JobFacts, TechnicianFacts, WeeklyWindow
from server.dispatch.geo import CircleArea, LatLng, PolygonArea, RoadFactorTravelTime
from server.dispatch.reach import Whereabouts, search_boxes, within_reach
from server.dispatch.spatial import GridIndex
from server.technicians.availability import Area

TRAVEL = RoadFactorTravelTime()
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
CENTER = LatLng(39.9042, 116.4074)
RADIUS_M = 6_000.0


def point(km_n: float, km_e: float) -> LatLng:
    return LatLng(CENTER.lat + km_n / 111.195, CENTER.lng + km_e / (111.195 * 0.7667))


def _city(seed: int, n: int = 400) -> dict[str, TechnicianFacts]:
    """Technicians over 40 x 40 km: circles and polygons, live positions or only a home
    base, some with a distance limit; everyone online with the skill."""
    rng = random.Random(seed)
    out = {}
    for k in range(n):
        home = point(rng.uniform(-20, 20), rng.uniform(-20, 20))
        if k % 5 == 0:
            d = rng.uniform(1, 4)
            n_, e_ = (home.lat - CENTER.lat) * 111.195, (home.lng - CENTER.lng) * 111.195 * 0.7667
            area = PolygonArea(
                (
                    point(n_ + d, e_ - d),
                    point(n_ + d, e_ + d),
                    point(n_ - d, e_ + d),
                    point(n_ - d, e_),
                )
            )
        else:
            area = CircleArea(home, rng.choice([2.0, 4.0, 8.0]))
        live = point(rng.uniform(-20, 20), rng.uniform(-20, 20)) if k % 3 == 0 else None
        out[f"t{k:04d}"] = TechnicianFacts(
            id=f"t{k:04d}",
            skills=frozenset({"cleaning"}),
            service_areas=(area,),
            home=home,
            location=live,
            max_distance_km=rng.choice([None, 3.0, 10.0]),
            weekly=tuple(WeeklyWindow(d, time(7), time(22)) for d in range(7)),
        )
    return out


def _job(k: int, where: LatLng) -> JobFacts:
    return JobFacts(
        id=f"j{k}",
        customer_id="c",
        location=where,
        start=NOW + timedelta(hours=1),
        end=NOW + timedelta(hours=3),
        required_skills=frozenset({"cleaning"}),
        price_fen=15_000,
    )


def _index(techs: dict[str, TechnicianFacts]) -> GridIndex:
    """As the service indexes them: the live position, else the home base."""
    index = GridIndex(1000.0)
    for t in techs.values():
        where = t.location or t.home
        if where is not None:
            index.insert(t.id, where.lat, where.lng)
    return index


def test_decisions_over_the_reach_equal_decisions_over_everyone():
    techs = _city(7)
    rng = random.Random(11)
    jobs = [_job(k, point(rng.uniform(-18, 18), rng.uniform(-18, 18))) for k in range(40)]
    seen = [Whereabouts(t.id, t.location or t.home, t.service_areas) for t in techs.values()]
    reach = within_reach(seen, [j.location for j in jobs], RADIUS_M)
    full_index = _index(techs)
    eligible = 0
    for job, ids in zip(jobs, reach, strict=True):
        kept = {tid: techs[tid] for tid in ids}
        full = decide(job, techs, now=NOW, travel=TRAVEL, index=full_index, radius_m=RADIUS_M)
        fast = decide(job, kept, now=NOW, travel=TRAVEL, index=_index(kept), radius_m=RADIUS_M)
        assert fast.ranked == full.ranked
        # Only the ones whose area misses the job are left out of the explanation.
        for tid in set(full.rejected) - set(fast.rejected):
            assert not any(a.contains(job.location) for a in techs[tid].service_areas)
        eligible += len(full.ranked)
        assert len(ids) < len(techs) / 10
    assert eligible > 40  # the comparison is not between empty rankings


def test_reach_is_radius_and_area():
    here = point(0, 0)
    techs = [
        Whereabouts("in", point(1, 0), (CircleArea(point(1, 0), 2.0),)),
        Whereabouts("area-misses", point(1, 0), (CircleArea(point(3, 0), 2.0),)),
        Whereabouts("too-far", point(7, 0), (CircleArea(point(0, 0), 20.0),)),
        Whereabouts("nowhere", None, (CircleArea(point(0, 0), 20.0),)),
        Whereabouts("no-area", point(0, 0), ()),
        Whereabouts(
            "polygon", point(-2, 0), (PolygonArea((point(1, -1), point(1, 1), point(-3, 0))),)
        ),
    ]
    (got,) = within_reach(techs, [here], RADIUS_M)
    assert got == {"in", "polygon"}
    assert within_reach(techs, [], RADIUS_M) == []


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-88, 88),
    lng=st.floats(-179.9, 179.9),
    radius_km=st.floats(0.1, 50),
    bearing=st.floats(0, 360),
    share=st.floats(0, 1),
)
def test_a_circle_box_holds_every_point_of_the_circle(lat, lng, radius_km, bearing, share):  # noqa: ANN001
    area = Area(center=(lat, lng), radius_km=radius_km)
    lat_lo, lat_hi, lng_lo, lng_hi = area.bounds()
    # the point at ``share`` of the radius along ``bearing`` (exact, on the ellipsoid;
    # pulled in a little since the circle is drawn on the sphere)
    p = geodesic(kilometers=radius_km * share * 0.995).destination((lat, lng), bearing)
    if not area.contains(p.latitude, p.longitude):
        return
    assert lat_lo <= p.latitude <= lat_hi and lng_lo <= p.longitude <= lng_hi


def test_a_polygon_box_is_its_extent():
    area = Area(polygon=((39.9, 116.3), (40.0, 116.35), (39.95, 116.5)))
    assert area.bounds() == (39.9, 40.0, 116.3, 116.5)


def test_search_boxes_are_the_points_or_one_box_around_many():
    pts = [point(k, -k) for k in range(3)]
    assert search_boxes(pts) == [(p.lat, p.lat, p.lng, p.lng) for p in pts]
    many = [point(k, -k) for k in range(20)]
    (box,) = search_boxes(many)
    assert box == (many[0].lat, many[-1].lat, many[-1].lng, many[0].lng)


def test_assignment_ignores_technicians_feasible_for_no_job():
    rng = np.random.default_rng(3)
    scores = rng.uniform(0, 1, size=(6, 5))
    scores[rng.uniform(size=scores.shape) < 0.3] = np.nan
    scores[:, 2] = 0.5  # ties, where a solver's choice could follow the matrix's shape
    padded = np.full((6, 50), np.nan)
    cols = [3, 10, 11, 30, 44]
    padded[:, cols] = scores
    small = assign_optimal(scores)
    big = assign_optimal(padded)
    assert [(j, cols[t]) for j, t in small.pairs] == list(big.pairs)
    assert small.total == big.total
