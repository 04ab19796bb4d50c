from datetime import UTC, datetime

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dispatch.geo import (
    CircleArea,
    LatLng,
    PolygonArea,
    RoadFactorTravelTime,
    TravelMode,
    distance_m,
    haversine_m,
    haversine_many_m,
)
from server.geo.polygons import point_in_polygon

BEIJING = LatLng(39.9042, 116.4074)
SHANGHAI = LatLng(31.2304, 121.4737)


def geodesic_m(a: LatLng, b: LatLng) -> float:
    """Exact ellipsoidal distance (WGS84, geopy's Karney algorithm): the reference."""
    return float(geodesic(a, b).meters)


def test_haversine_matches_geodesic_between_cities():
    fast = distance_m(BEIJING, SHANGHAI)
    exact = geodesic_m(BEIJING, SHANGHAI)
    assert 1_060_000 < exact < 1_075_000
    assert abs(fast - exact) / exact < 0.005


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-60, 60),
    lng=st.floats(-170, 170),
    dlat=st.floats(-0.2, 0.2),
    dlng=st.floats(-0.2, 0.2),
)
def test_haversine_within_0_6_percent_of_geodesic_at_city_scale(lat, lng, dlat, dlng):
    a, b = LatLng(lat, lng), LatLng(lat + dlat, lng + dlng)
    exact = geodesic_m(a, b)
    fast = distance_m(a, b)
    assert abs(fast - exact) <= 0.006 * exact + 1e-6


def test_vectorised_haversine_equals_scalar():
    lats = np.array([31.0, 31.1, 30.9])
    lngs = np.array([121.0, 121.2, 121.5])
    many = haversine_many_m(31.05, 121.1, lats, lngs)
    for k in range(3):
        assert many[k] == pytest.approx(haversine_m(31.05, 121.1, lats[k], lngs[k]), rel=1e-12)


SQUARE = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
# A "U" shape: the notch between the arms is outside.
U_SHAPE = [(0, 0), (0, 3), (3, 3), (3, 2), (1, 2), (1, 1), (3, 1), (3, 0)]


@pytest.mark.parametrize(
    ("polygon", "point", "inside"),
    [
        (SQUARE, (0.5, 0.5), True),
        (SQUARE, (1.5, 0.5), False),
        (SQUARE, (0.0, 0.5), True),  # on an edge
        (SQUARE, (1.0, 1.0), True),  # a vertex
        (SQUARE, (-0.0001, 0.5), False),
        (U_SHAPE, (2.0, 1.5), False),  # in the notch
        (U_SHAPE, (2.0, 0.5), True),  # in the lower arm
        (U_SHAPE, (0.5, 1.5), True),  # in the spine
    ],
)
def test_point_in_polygon(polygon, point, inside):
    assert point_in_polygon(point[0], point[1], polygon) is inside


def test_point_in_polygon_needs_three_vertices():
    with pytest.raises(ValueError):
        point_in_polygon(0, 0, [(0, 0), (1, 1)])


def test_service_areas():
    circle = CircleArea(SHANGHAI, radius_km=3)
    assert circle.contains(LatLng(31.2404, 121.4737))  # ~1.1 km north
    assert not circle.contains(LatLng(31.2604, 121.4737))  # ~3.3 km north
    poly = PolygonArea(
        (LatLng(31.2, 121.4), LatLng(31.2, 121.5), LatLng(31.3, 121.5), LatLng(31.3, 121.4))
    )
    assert poly.contains(SHANGHAI)
    assert not poly.contains(BEIJING)
    with pytest.raises(ValueError):
        CircleArea(SHANGHAI, radius_km=0)
    with pytest.raises(ValueError):
        CircleArea(LatLng(121.47, 31.23), radius_km=1)  # swapped lat/lng


def _utc_for_local(hour: int, minute: int = 0) -> datetime:
    """Shanghai is UTC+8 with no daylight saving."""
    return datetime(2026, 6, 1, (hour - 8) % 24, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mode", "local_hour", "kmh"),
    [
        (TravelMode.EBIKE, 10, 18.0),
        (TravelMode.EBIKE, 8, 18.0),
        (TravelMode.CAR, 10, 25.0),
        (TravelMode.CAR, 7, 15.0),
        (TravelMode.CAR, 8, 15.0),
        (TravelMode.CAR, 9, 25.0),  # 9:00 ends the morning peak
        (TravelMode.CAR, 17, 15.0),
        (TravelMode.CAR, 18, 15.0),
        (TravelMode.CAR, 19, 25.0),
        (TravelMode.WALK, 12, 4.5),
    ],
)
def test_road_factor_speeds_by_mode_and_local_hour(mode, local_hour, kmh):
    tt = RoadFactorTravelTime()
    seconds = tt.seconds_for_distance(10_000, _utc_for_local(local_hour), mode)
    assert seconds == pytest.approx(10_000 * 1.3 / (kmh / 3.6))


def test_travel_time_protocol_call_and_validation():
    tt = RoadFactorTravelTime()
    a = LatLng(31.2304, 121.4737)
    b = LatLng(31.2304 + 0.05, 121.4737)
    s = tt.seconds(a, b, _utc_for_local(11))
    assert s == pytest.approx(distance_m(a, b) * 1.3 / 5.0)
    assert tt.seconds(a, a, _utc_for_local(11)) == 0.0
    with pytest.raises(ValueError):
        tt.seconds(a, b, datetime(2026, 6, 1, 3, 0))
    with pytest.raises(ValueError):
        RoadFactorTravelTime(road_factor=0.9)
