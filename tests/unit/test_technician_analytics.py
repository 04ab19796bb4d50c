"""The technician's business figures (``payments.analytics_core``): periods on the city's
calendar, totals that add up, a grid that never points at a home, the district average."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.errors import Unprocessable
from server.payments import analytics_core as core

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)  # Wednesday 3 June, 10:00 in the city


def test_periods_are_days_weeks_and_months_of_the_city():
    days = core.periods("day", NOW, TZ)
    assert len(days) == 15 and days[-2] == datetime(2026, 6, 3, tzinfo=TZ)
    assert days[-1] == datetime(2026, 6, 4, tzinfo=TZ) and days[0] == datetime(
        2026, 5, 21, tzinfo=TZ
    )
    weeks = core.periods("week", NOW, TZ)
    assert weeks[-2] == datetime(2026, 6, 1, tzinfo=TZ)  # this week's Monday
    assert all(w.weekday() == 0 for w in weeks) and len(weeks) == 13
    months = core.periods("month", NOW, TZ)
    assert [m.month for m in months] == [1, 2, 3, 4, 5, 6, 7]
    # late evening UTC is already tomorrow in the city
    assert core.periods("day", datetime(2026, 6, 3, 17, 0, tzinfo=UTC), TZ)[-2].day == 4
    # December into January
    assert core.periods("month", datetime(2026, 12, 2, tzinfo=UTC), TZ)[-1] == datetime(
        2027, 1, 1, tzinfo=TZ
    )


def test_bad_grouping_and_naive_times_are_refused():
    with pytest.raises(Unprocessable) as e:
        core.periods("year", NOW, TZ)
    assert e.value.code == "analytics_grouping_invalid"
    with pytest.raises(Unprocessable):
        core.periods("day", NOW.replace(tzinfo=None), TZ)


def work(at: datetime, lat: float = 31.2304, lng: float = 121.4737, d: str = "黄浦区") -> core.Work:
    return core.Work(at, lat, lng, d, "cat_clean")


offsets = st.lists(st.integers(min_value=-20 * 24 * 60, max_value=2 * 24 * 60), max_size=40)


@given(
    orders=offsets,
    lines=st.lists(
        st.tuples(st.integers(-40 * 24 * 60, 60), st.integers(-5000, 90_000)), max_size=40
    ),
)
def test_buckets_hold_exactly_what_falls_in_the_range(orders, lines):
    edges = core.periods("day", NOW, TZ)
    ws = [work(NOW + timedelta(minutes=m)) for m in orders]
    inc = [core.Income(NOW + timedelta(minutes=m), fen, None) for m, fen in lines]
    got = core.buckets(edges, ws, inc)
    inside = [w for w in ws if edges[0] <= w.finished_at < edges[-1]]
    assert sum(b.orders for b in got) == len(inside)
    assert sum(b.income for b in got) == sum(i.amount for i in inc if edges[0] <= i.at < edges[-1])
    for b, nxt in zip(got, edges[1:], strict=True):
        assert b.orders == sum(1 for w in inside if b.start <= w.finished_at < nxt)


def test_a_line_on_the_edge_of_midnight_goes_to_the_city_day():
    edges = core.periods("day", NOW, TZ)
    midnight = datetime(2026, 6, 3, tzinfo=TZ)
    got = core.buckets(
        edges,
        [],
        [
            core.Income(midnight, 100, None),
            core.Income(midnight - timedelta(microseconds=1), 7, None),
        ],
    )
    assert got[-1].income == 100 and got[-2].income == 7


def test_spots_are_grid_cells_not_homes():
    ws = [work(NOW, 31.23041, 121.47372), work(NOW, 31.2349, 121.4751), work(NOW, 31.2601, 121.40)]
    spots = core.spots(ws)
    assert [s.orders for s in spots] == [2, 1]
    assert (spots[0].lat, spots[0].lng) == (31.235, 121.475)  # the cell's centre
    assert all(round(s.lat * 1000) % 5 == 0 and round(s.lng * 1000) % 5 == 0 for s in spots)


def test_home_district_and_the_average_beside_his_own():
    ws = [work(NOW, d="黄浦区"), work(NOW, d="静安区"), work(NOW, d="静安区"), work(NOW, d="")]
    assert core.home_district(ws) == "静安区"
    assert core.home_district([work(NOW, d="b"), work(NOW, d="a")]) == "a"  # a tie: by name
    assert core.home_district([]) is None
    f = core.district_figures("静安区", "me", {"me": 2, "x": 6}, {"me": 300, "x": 900, "y": 300})
    assert (f.technicians, f.my_orders, f.my_income) == (3, 2, 300)
    assert (f.average_orders, f.average_income) == (round(8 / 3, 2), 500.0)
    alone = core.district_figures("静安区", "me", {}, {})
    assert (alone.technicians, alone.average_orders, alone.average_income) == (1, 0.0, 0.0)


def test_by_category_keeps_order_less_income_apart():
    ws = [work(NOW), work(NOW)]
    got = core.by_category(ws, [core.Income(NOW, 500, "cat_clean"), core.Income(NOW, 80, None)])
    assert got == {"cat_clean": (2, 500), None: (0, 80)}
