"""The pure availability core: weekly windows, time off, service areas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.technicians import availability as av
from server.technicians.availability import AvailabilityError, Interval

TZ = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 6, 1, tzinfo=TZ)  # a Monday, local midnight


def local(day_offset: int, hh: int, mm: int = 0) -> datetime:
    return MON + timedelta(days=day_offset, hours=hh, minutes=mm)


def test_parse_and_normalize():
    assert (
        av.parse_hhmm("00:00") == 0
        and av.parse_hhmm("24:00") == 1440
        and av.parse_hhmm("07:30") == 450
    )
    for bad in ("7:30", "24:01", "25:00", "12:60", "", "noon"):
        with pytest.raises(AvailabilityError) as err:
            av.parse_hhmm(bad)
        assert err.value.code == "availability_time_invalid"
    weekly = av.normalize_weekly(
        {"tue": [["14:00", "18:00"], ["08:00", "12:00"]], "sun": [["20:00", "24:00"]]}
    )
    assert weekly["tue"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    assert weekly["sun"] == [["20:00", "24:00"]] and weekly["mon"] == []
    assert av.normalize_weekly(None) is None
    assert av.normalize_weekly(weekly) == weekly  # idempotent


@pytest.mark.parametrize(
    ("weekly", "code"),
    [
        ({"mon": [["09:00", "09:00"]]}, "availability_window_empty"),
        ({"mon": [["24:00", "06:00"]]}, "availability_time_invalid"),
        ({"mon": [["09:00"]]}, "availability_window_invalid"),
        ({"xyz": [["09:00", "10:00"]]}, "availability_weekday_invalid"),
        ({"mon": [["09:00", "12:00"], ["11:59", "13:00"]]}, "availability_overlap"),
        ({"mon": [["22:00", "06:00"]], "tue": [["05:00", "08:00"]]}, "availability_overlap"),
        (
            {"sun": [["22:00", "06:00"]], "mon": [["05:00", "08:00"]]},
            "availability_overlap",
        ),  # week wraps
        (
            {"mon": [[f"{h:02d}:00", f"{h:02d}:30"] for h in range(7)]},
            "availability_too_many_windows",
        ),
    ],
)
def test_bad_schedules(weekly, code):
    with pytest.raises(AvailabilityError) as err:
        av.windows_of(weekly)
    assert err.value.code == code


def test_touching_windows_are_fine():
    windows = av.windows_of(
        {"mon": [["08:00", "12:00"], ["12:00", "18:00"]], "sun": [["18:00", "00:00"]]}
    )
    assert len(windows) == 3
    assert (
        av.total_weekly_minutes({"mon": [["08:00", "12:00"]], "fri": [["22:00", "02:00"]]})
        == 240 + 240
    )


def test_is_available_weekly_and_overnight():
    weekly = {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["22:00", "06:00"]]}
    assert av.is_available(weekly, [], local(0, 9), local(0, 11), TZ)
    assert av.is_available(weekly, [], local(0, 8), local(0, 12), TZ)  # exactly the window
    assert not av.is_available(weekly, [], local(0, 11), local(0, 14), TZ)  # over lunch
    assert not av.is_available(weekly, [], local(1, 9), local(1, 10), TZ)  # Tuesday: off
    assert av.is_available(weekly, [], local(5, 23), local(6, 5), TZ)  # Saturday night into Sunday
    assert not av.is_available(weekly, [], local(6, 5), local(6, 7), TZ)
    assert av.is_available(None, [], local(2, 3), local(2, 4), TZ)  # no limits set
    assert not av.is_available({}, [], local(2, 3), local(2, 4), TZ)  # never
    assert not av.is_available(weekly, [], local(0, 10), local(0, 10), TZ)  # empty span


def test_time_off_wins():
    weekly = {d: [["00:00", "24:00"]] for d in av.WEEKDAYS}
    leave = [Interval(local(2, 0), local(4, 0), "回老家")]
    assert av.is_available(weekly, leave, local(1, 10), local(1, 12), TZ)
    assert not av.is_available(weekly, leave, local(3, 10), local(3, 12), TZ)
    assert not av.is_available(weekly, leave, local(1, 23), local(2, 1), TZ)
    assert av.is_on_leave(leave, local(2, 0)) and not av.is_on_leave(leave, local(4, 0))
    # whole-day windows chain across midnight into one working span
    assert av.is_available(weekly, [], local(0, 20), local(1, 8), TZ)
    spans = av.working_intervals(weekly, leave, local(0, 0), local(7, 0), TZ)
    assert spans == [(local(0, 0), local(2, 0)), (local(4, 0), local(7, 0))]


def test_validate_time_off():
    now = local(0, 10).astimezone(UTC)
    kept = av.validate_time_off(
        [
            Interval(local(5, 0), local(6, 0)),
            Interval(local(-3, 0), local(-2, 0)),
            Interval(local(1, 0), local(2, 0)),
        ],
        now=now,
    )
    assert [k.start for k in kept] == [local(1, 0), local(5, 0)]
    with pytest.raises(AvailabilityError) as err:
        av.validate_time_off([Interval(local(2, 0), local(1, 0))])
    assert err.value.code == "time_off_invalid"
    with pytest.raises(AvailabilityError) as err:
        av.validate_time_off([Interval(local(0, 0), local(200, 0))])
    assert err.value.code == "time_off_too_long"
    with pytest.raises(AvailabilityError) as err:
        av.validate_time_off([Interval(datetime(2026, 6, 1), datetime(2026, 6, 2))])
    assert err.value.code == "time_zone_required"
    with pytest.raises(
        AvailabilityError
    ) as err:  # far-off dates that would overflow UTC arithmetic
        av.validate_time_off([Interval(datetime(1, 1, 1, tzinfo=TZ), datetime(1, 1, 2, tzinfo=TZ))])
    assert err.value.code == "time_off_invalid"


def test_areas():
    circle = av.make_area(center=(39.9334, 116.4540), radius_km=3)
    assert circle.kind == "circle" and circle.contains(39.9334, 116.4540)
    assert circle.contains(39.95, 116.454)  # ~1.9 km north
    assert not circle.contains(39.98, 116.454)  # ~5.2 km north
    square = av.make_area(
        polygon=[
            [39.95, 116.42],
            [39.95, 116.48],
            [39.91, 116.48],
            [39.91, 116.42],
            [39.95, 116.42],
        ]
    )
    assert square.kind == "polygon" and len(square.polygon) == 4  # closing vertex dropped
    assert square.contains(39.93, 116.45) and not square.contains(39.96, 116.45)
    assert square.contains(39.95, 116.45)  # on the edge
    assert square.centroid() == pytest.approx((39.93, 116.45))
    for kwargs, code in [
        ({}, "service_area_required"),
        ({"center": (39.9, 116.4), "radius_km": 0}, "service_area_radius_invalid"),
        ({"center": (39.9, 116.4), "radius_km": 80}, "service_area_radius_invalid"),
        ({"center": (99.0, 116.4), "radius_km": 3}, "coordinates_invalid"),
        (
            {"polygon": [[39.9, 116.4], [39.91, 116.41], [39.92, 116.42]]},
            "service_area_polygon_invalid",
        ),  # a line
        (
            {"polygon": [[39.9, 116.4], [39.91, 116.41], [39.9, 116.42]], "radius_km": 2},
            "service_area_ambiguous",
        ),
    ]:
        with pytest.raises(AvailabilityError) as err:
            av.make_area(**kwargs)
        assert err.value.code == code, kwargs


# --- properties ----------------------------------------------------------------------------

hhmm = st.integers(min_value=0, max_value=47).map(
    lambda half: f"{half // 2:02d}:{30 * (half % 2):02d}"
)


@st.composite
def schedules(draw):  # noqa: ANN001, ANN201
    """Random valid schedules: non-overlapping same-day windows per weekday."""
    weekly = {}
    for day in av.WEEKDAYS:
        cuts = sorted(draw(st.sets(st.integers(min_value=0, max_value=48), max_size=6)))
        pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        weekly[day] = [[av.format_hhmm(a * 30), av.format_hhmm(b * 30)] for a, b in pairs]
    return weekly


@given(
    weekly=schedules(),
    start_q=st.integers(0, 7 * 96),
    length_q=st.integers(1, 96),
    off_q=st.integers(0, 7 * 96),
    off_len=st.integers(0, 96),
)
@settings(max_examples=200, deadline=None)
def test_available_iff_every_quarter_hour_is_working(weekly, start_q, length_q, off_q, off_len):
    """Coverage by the schedule minus leave matches a brute-force check on a 15-minute grid."""
    start = MON + timedelta(minutes=15 * start_q)
    end = start + timedelta(minutes=15 * length_q)
    leave = (
        [
            Interval(
                MON + timedelta(minutes=15 * off_q), MON + timedelta(minutes=15 * (off_q + off_len))
            )
        ]
        if off_len
        else []
    )
    windows = av.windows_of(weekly)

    def working(at: datetime) -> bool:
        minute_of_week = ((at - MON).days % 7) * 1440 + (at - MON).seconds // 60
        in_window = any(w.week_start <= minute_of_week < w.week_end for w in windows)
        return in_window and not any(t.start <= at < t.end for t in leave)

    brute = all(working(start + timedelta(minutes=15 * i)) for i in range(length_q))
    assert av.is_available(weekly, leave, start, end, TZ) == brute


@given(weekly=schedules(), start_q=st.integers(0, 14 * 96), length_q=st.integers(1, 3 * 96))
@settings(max_examples=100, deadline=None)
def test_working_intervals_are_sorted_disjoint_and_inside(weekly, start_q, length_q):
    start = MON + timedelta(minutes=15 * start_q)
    end = start + timedelta(minutes=15 * length_q)
    spans = av.working_intervals(weekly, [], start, end, TZ)
    for s, e in spans:
        assert start <= s < e <= end
    for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert e1 < s2  # merged: no touching or overlapping neighbours
    total = sum(((e - s) for s, e in spans), timedelta())
    assert total <= end - start


@given(weekly=schedules())
@settings(max_examples=100, deadline=None)
def test_normalize_is_idempotent_and_keeps_minutes(weekly):
    once = av.normalize_weekly(weekly)
    assert av.normalize_weekly(once) == once
    assert av.total_weekly_minutes(once) == sum(
        av.parse_hhmm(b) - av.parse_hhmm(a) for pairs in weekly.values() for a, b in pairs
    )
