import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dispatch.geo import haversine_m
from server.dispatch.spatial import GridIndex
from simulation.indexes import H3Index, NaiveIndex

INDEXES = [
    pytest.param(lambda: H3Index(resolution=8), id="h3-r8"),
    pytest.param(lambda: H3Index(resolution=9), id="h3-r9"),
    pytest.param(lambda: GridIndex(cell_m=1000), id="grid-1km"),
    pytest.param(lambda: NaiveIndex(), id="naive"),
]


@pytest.mark.parametrize("make", INDEXES)
def test_insert_move_remove(make):
    idx = make()
    idx.insert("a", 31.2304, 121.4737)
    idx.insert("b", 31.2404, 121.4737)
    assert len(idx) == 2 and "a" in idx
    with pytest.raises(ValueError):
        idx.insert("a", 31.0, 121.0)
    assert [i for i, _ in idx.nearby(31.2304, 121.4737, 500)] == ["a"]
    idx.move("a", 31.3304, 121.4737)  # ~11 km north: a different cell
    assert idx.position("a") == (31.3304, 121.4737)
    assert [i for i, _ in idx.nearby(31.2304, 121.4737, 1500)] == ["b"]
    assert [i for i, _ in idx.nearby(31.3304, 121.4737, 100)] == ["a"]
    idx.move("b", 31.2405, 121.4737)  # same cell
    assert [i for i, _ in idx.nearby(31.2404, 121.4737, 50)] == ["b"]
    idx.remove("a")
    assert "a" not in idx and len(idx) == 1
    assert idx.nearby(31.3304, 121.4737, 100) == []
    with pytest.raises(KeyError):
        idx.move("a", 31.0, 121.0)
    with pytest.raises(KeyError):
        idx.remove("a")
    idx.upsert("c", 31.0, 121.0)
    idx.upsert("c", 31.001, 121.0)
    assert idx.position("c") == (31.001, 121.0)
    with pytest.raises(ValueError):
        idx.insert("bad", 121.0, 31.0)  # swapped coordinates


def test_nearby_sorted_by_distance():
    idx = H3Index()
    for k in range(10):
        idx.insert(f"t{k}", 31.2304 + 0.002 * k, 121.4737)
    got = idx.nearby(31.2304, 121.4737, 1_000)
    distances = [d for _, d in got]
    assert distances == sorted(distances)
    assert [i for i, _ in got][:3] == ["t0", "t1", "t2"]


points = st.tuples(st.floats(-0.15, 0.15), st.floats(-0.15, 0.15))


@settings(max_examples=120, deadline=None)
@given(
    center_lat=st.floats(-65, 65),
    center_lng=st.floats(-175, 175),
    offsets=st.lists(points, min_size=1, max_size=60),
    q=points,
    radius=st.floats(0, 12_000),
    resolution=st.sampled_from([7, 8, 9]),
)
def test_index_finds_exactly_what_a_naive_scan_finds(
    center_lat, center_lng, offsets, q, radius, resolution
):
    h3i, grid = H3Index(resolution), GridIndex(cell_m=750)
    pts = {}
    for k, (dlat, dlng) in enumerate(offsets):
        lat, lng = center_lat + dlat, center_lng + dlng
        pts[f"t{k}"] = (lat, lng)
        h3i.insert(f"t{k}", lat, lng)
        grid.insert(f"t{k}", lat, lng)
    qlat, qlng = center_lat + q[0], center_lng + q[1]
    expected = {i for i, (lat, lng) in pts.items() if haversine_m(qlat, qlng, lat, lng) <= radius}
    assert {i for i, _ in h3i.nearby(qlat, qlng, radius)} == expected
    assert {i for i, _ in grid.nearby(qlat, qlng, radius)} == expected
    assert expected <= set(h3i.within(qlat, qlng, radius))


def test_h3_ring_count_grows_with_radius():
    idx = H3Index(resolution=8)
    k1 = idx.rings_for(31.23, 121.47, 1_000)
    k5 = idx.rings_for(31.23, 121.47, 5_000)
    assert 1 <= k1 < k5
    # Roughly linear: the disk stays proportional to the circle, not to the city.
    assert k5 <= math.ceil(k1 * 5)
