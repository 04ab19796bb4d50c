"""WGS-84 / GCJ-02 / BD-09: the published transforms, checked against the reference
values that the common implementations publish for (39.915, 116.404)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.geo import coords

# coordtransform's README (lng, lat order there), the same in eviltransform's tests
REFERENCE = (39.915, 116.404)


def close(a: tuple[float, float], b: tuple[float, float], tol: float = 1e-12) -> bool:
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_forward_transforms_match_the_published_values() -> None:
    assert close(coords.wgs84_to_gcj02(*REFERENCE), (39.91640428150164, 116.41024449916938))
    assert close(coords.gcj02_to_bd09(*REFERENCE), (39.92133699351021, 116.41036949371029))
    assert close(
        coords._bd09_to_gcj02_published(*REFERENCE), (39.90865673957631, 116.39762729119315)
    )


def test_the_inverse_is_exact_where_the_one_step_approximation_is_not() -> None:
    wgs = coords.gcj02_to_wgs84(*REFERENCE)
    # the published one-step value, 2·gcj − f(gcj), is within a metre of the exact inverse
    assert close(wgs, (39.91359571849836, 116.39775550083061), tol=1e-5)
    assert close(coords.wgs84_to_gcj02(*wgs), REFERENCE, tol=1e-9)
    gcj = coords.bd09_to_gcj02(*REFERENCE)  # the published inverse is off by about 10 cm
    assert close(gcj, (39.90865673957631, 116.39762729119315), tol=1e-5)
    assert close(coords.gcj02_to_bd09(*gcj), REFERENCE, tol=1e-9)


def test_outside_china_nothing_moves() -> None:
    for point in [(48.8584, 2.2945), (-33.8568, 151.2153), (37.7749, -122.4194)]:
        assert coords.wgs84_to_gcj02(*point) == point
        assert coords.gcj02_to_wgs84(*point) == point


def test_the_offset_in_beijing_is_hundreds_of_metres() -> None:
    shifted = coords.wgs84_to_gcj02(*REFERENCE)
    metres = coords.haversine_m(*REFERENCE, *shifted)
    assert 300 < metres < 700


china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))


@given(china)
def test_round_trips_return_to_the_point(point: tuple[float, float]) -> None:
    assert close(coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(*point)), point, tol=1e-9)
    assert close(coords.bd09_to_wgs84(*coords.wgs84_to_bd09(*point)), point, tol=1e-9)


@pytest.mark.parametrize(
    ("lat", "lng", "ok"),
    [
        (39.9, 116.4, True),
        (90, 180, True),
        (-90, -180, True),
        (90.01, 0, False),
        (0, 180.5, False),
        (math.nan, 0, False),
        (0, math.inf, False),
    ],
)
def test_valid_points(lat: float, lng: float, ok: bool) -> None:
    assert coords.valid(lat, lng) is ok
