"""The rows by latitude, patched as technicians move, join, leave or change skills, are
exactly what a fresh sort gives (equal latitudes included); many moves sort afresh."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from server.dispatch.latitude_order import PATCH_ROWS, ByLatitude


def fresh(bit: int, lat: np.ndarray, lng: np.ndarray, skills: np.ndarray) -> tuple:
    return ByLatitude().rows(bit, lat, lng, skills)


N = 40
lats = st.one_of(st.none(), st.sampled_from([30.0, 30.5, 31.0]), st.floats(29.0, 32.0))
moves = st.lists(st.tuples(st.integers(0, N - 1), lats, st.integers(0, 3)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(start=st.lists(lats, min_size=N, max_size=N), rounds=st.lists(moves, max_size=4))
def test_patched_lists_equal_a_fresh_sort(start, rounds) -> None:
    lat = np.array([np.nan if x is None else x for x in start])
    lng = np.arange(N, dtype=float)
    skills = np.array([k % 4 for k in range(N)], dtype=np.int64)
    index = ByLatitude()
    for bit in (-1, 0, 1):
        index.rows(bit, lat, lng, skills)
    for moves_now in rounds:
        for row, new_lat, new_skills in moves_now:
            lat[row] = np.nan if new_lat is None else new_lat
            lng[row] += 0.5
            skills[row] = new_skills
            index.moved(row, limit=4 * N)
        for bit in (-1, 0, 1):
            got = index.rows(bit, lat, lng, skills)
            want = fresh(bit, lat, lng, skills)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)


def test_many_moves_sort_afresh_and_too_many_forget() -> None:
    n = PATCH_ROWS * 2
    lat = np.linspace(30, 31, n)
    lng = np.zeros(n)
    skills = np.ones(n, dtype=np.int64)
    index = ByLatitude()
    index.rows(-1, lat, lng, skills)
    lat[:] = lat[::-1].copy()
    for row in range(n):
        index.moved(row, limit=10 * n)
    rows, got_lats, _ = index.rows(-1, lat, lng, skills)
    assert (np.diff(got_lats) >= 0).all() and rows[0] == n - 1
    small = ByLatitude()
    small.rows(-1, lat, lng, skills)
    for row in range(4):
        small.moved(row, limit=3)  # the fourth forgets them all, and the lists
    assert small._moved == [] and small._lists == {}
    np.testing.assert_array_equal(small.rows(-1, lat, lng, skills)[0], rows)
