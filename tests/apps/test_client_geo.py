"""client.geo is the apps' copy of the server's distance and travel time: they must agree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import geo
from customer_app.state import estimate_eta_minutes
from server.geo.coords import haversine_m
from server.geo.travel import travel_seconds
from technician_app import navigation

lat = st.floats(min_value=-89, max_value=89)
lng = st.floats(min_value=-179, max_value=179)


@given(lat, lng, lat, lng)
def test_distance_is_the_servers(a: float, b: float, c: float, d: float) -> None:
    assert geo.haversine_m(a, b, c, d) == pytest.approx(haversine_m(a, b, c, d), rel=1e-12)


@given(st.floats(min_value=-10, max_value=200_000), st.sampled_from([4.5, 18.0, 20.0, 25.0]))
def test_travel_time_is_the_servers(meters: float, speed_kmh: float) -> None:
    assert geo.travel_seconds(meters, speed_kmh) == pytest.approx(
        travel_seconds(meters, speed_kmh), rel=1e-12
    )


def test_each_app_keeps_its_speeds_and_rounds_up_to_a_minute() -> None:
    assert geo.eta_minutes(0, 20.0) == 1
    assert estimate_eta_minutes(1.2) == 5  # 1.2 km x 1.3 at 20 km/h: 4.68 min
    assert navigation.eta_minutes(1000) == 5  # 1.3 km at 18 km/h (e-bike): 4.33 min
    assert navigation.eta_minutes(1000, "car") == 4  # at 25 km/h: 3.12 min
    assert navigation.eta_minutes(1000, "walk") == 18  # at 4.5 km/h: 17.3 min
    assert navigation.eta_minutes(1000, "rocket") == navigation.eta_minutes(1000)
