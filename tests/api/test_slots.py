"""GET /catalog/services/{id}/slots: the day's slots counted by dispatch's own eligibility."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.dispatch.slots import SlotStatus, day_starts, status_of
from tests.api.test_dispatch import ADDRESS, north_km, paid_order, ready_technician, set_rules

CITY = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 1)  # the frozen clock: 2026-06-01 10:00 Beijing
TOMORROW = TODAY + timedelta(days=1)


def slots(api, day: date, *, service: str = "svc_daily_cleaning", at=ADDRESS, user=None, **extra):  # noqa: ANN001, ANN003
    params = {"date": day.isoformat(), "lat": at[0], "lng": at[1], **extra}
    return api.client.get(
        f"/api/v1/catalog/services/{service}/slots",
        params=params,
        headers=user["headers"] if user else {},
    )


def local(s: dict) -> tuple[time, time]:
    a = datetime.fromisoformat(s["start"]).astimezone(CITY)
    b = datetime.fromisoformat(s["end"]).astimezone(CITY)
    return a.time(), b.time()


def test_no_technician_means_every_future_slot_is_full(api):
    r = slots(api, TOMORROW)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["service_id"] == "svc_daily_cleaning" and body["units"] == 2
    got = body["slots"]
    # two-hour visits (min 2 units), hourly starts from 08:00, the last ending by 20:00
    assert [local(s) for s in got] == [(time(h), time(h + 2)) for h in range(8, 19)]
    assert {s["status"] for s in got} == {"full"} and all(s["available"] == 0 for s in got)


def test_a_ready_technician_nearby_opens_the_slots(api):
    operator = api.staff("operator")
    ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    ready_technician(api, "近师傅二", home=north_km(2), operator=operator)
    got = slots(api, TOMORROW).json()["slots"]
    assert {s["status"] for s in got} == {"open"} and {s["available"] for s in got} == {2}
    # longer visits: fewer starts, still open
    four = slots(api, TOMORROW, units=4).json()
    assert four["units"] == 4
    assert [local(s) for s in four["slots"]] == [(time(h), time(h + 4)) for h in range(8, 17)]
    # the same technicians do not count where they do not work
    far = slots(api, TOMORROW, at=north_km(40)).json()["slots"]
    assert {s["status"] for s in far} == {"full"}
    # nor for a service they lack the skill for
    other = slots(api, TOMORROW, service="svc_ac_repair")
    assert other.status_code == 200, other.text
    assert other.json()["slots"] and all(s["status"] == "full" for s in other.json()["slots"])


def test_earlier_slots_of_today_are_past_and_a_booked_slot_counts_down(api):
    operator = api.staff("operator")
    tech = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    today = slots(api, TODAY).json()["slots"]
    by_start = {local(s)[0]: s for s in today}
    # now is 10:00 and the booking lead one hour: 08:00-10:00 are past, 11:00 is the first
    for h in (8, 9, 10):
        assert by_start[time(h)]["status"] == "past" and by_start[time(h)]["available"] == 0
    for h in (11, 12):
        assert by_start[time(h)]["status"] == "open" and by_start[time(h)]["available"] == 1
    # the technician is put on a 14:00-16:00 visit tomorrow: that time and the hour
    # either side (no room for the turnaround) are full, the rest stays open
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer, hours_ahead=28)
    assert datetime.fromisoformat(order["scheduled_start"]).astimezone(CITY).hour == 14
    r = api.post(
        f"/ops/dispatch/{order['id']}/assign", operator, json={"technician_id": tech["id"]}
    )
    assert r.status_code == 200, r.text
    tomorrow = {local(s)[0]: s for s in slots(api, TOMORROW).json()["slots"]}
    for h in (13, 14, 15):
        assert tomorrow[time(h)]["status"] == "full", h
    for h in (8, 10, 17, 18):
        assert tomorrow[time(h)]["status"] == "open" and tomorrow[time(h)]["available"] == 1, h


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date": (TODAY - timedelta(days=1)).isoformat()}, "date_in_past"),
        ({"date": (TODAY + timedelta(days=61)).isoformat()}, "date_too_far"),
        ({"date": TOMORROW.isoformat(), "units": 99}, "units_out_of_range"),
    ],
)
def test_bad_dates_and_units_are_refused(api, params, code):
    r = api.client.get(
        "/api/v1/catalog/services/svc_daily_cleaning/slots",
        params={"lat": ADDRESS[0], "lng": ADDRESS[1], **params},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code


def test_malformed_input_is_4xx_and_unknown_service_404(api):
    base = "/api/v1/catalog/services/svc_daily_cleaning/slots"
    for params in (
        {"date": "tomorrow", "lat": 39.9, "lng": 116.4},
        {"date": TOMORROW.isoformat(), "lat": 91, "lng": 116.4},
        {"date": TOMORROW.isoformat(), "lat": 39.9},
        {"date": TOMORROW.isoformat(), "lat": 39.9, "lng": 116.4, "units": 0},
    ):
        r = api.client.get(base, params=params)
        assert 400 <= r.status_code < 500, (params, r.text)
    assert slots(api, TODAY + timedelta(days=60)).status_code == 200
    r = slots(api, TOMORROW, service="svc_nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "service_not_found"


@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(30, 13 * 60),
)
def test_day_starts_stay_within_the_local_day(day: date, minutes: int) -> None:
    length = timedelta(minutes=minutes)
    starts = day_starts(day, tz="Asia/Shanghai", length=length)
    assert starts == sorted(starts)
    for s in starts:
        a, b = s.astimezone(CITY), (s + length).astimezone(CITY)
        assert a.date() == day and a.time() >= time(8) and a.minute == 0
        assert b <= datetime.combine(day, time(20), CITY)
    assert len(starts) == max(0, (12 * 60 - minutes) // 60 + 1)


@given(st.integers(-600, 600), st.integers(0, 5))
def test_status_is_past_before_the_lead_else_by_count(offset_min: int, available: int) -> None:
    now = datetime(2026, 6, 1, 2, tzinfo=UTC)
    start = now + timedelta(minutes=offset_min)
    status = status_of(start, available, now=now, lead=timedelta(hours=1))
    if offset_min < 60:
        assert status is SlotStatus.PAST
    else:
        assert status is (SlotStatus.OPEN if available else SlotStatus.FULL)


def test_the_booking_lead_rule_closes_slots_and_refuses_quotes_alike(api):
    """``orders.min_lead_minutes`` is one rule for both: a slot the quote would refuse is
    not offered as open."""
    operator = api.staff("operator")
    ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    set_rules(api, operator, {"orders": {"min_lead_minutes": 180}})
    by_start = {local(s)[0]: s for s in slots(api, TODAY).json()["slots"]}
    assert by_start[time(12)]["status"] == "past" and by_start[time(13)]["status"] == "open"
    customer = api.register("customer")
    body = {
        "service_id": "svc_daily_cleaning",
        "address": {"lat": ADDRESS[0], "lng": ADDRESS[1], "text": "朝阳区"},
        "scheduled_start": datetime(2026, 6, 1, 12, tzinfo=CITY).isoformat(),
    }
    r = api.post("/quotes", customer, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "scheduled_too_soon"
