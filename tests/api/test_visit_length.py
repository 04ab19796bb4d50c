"""A visit lasts as long as the service takes for the amount booked: the slots offered
and the quote's window are both that long (4 panes at 15 minutes each: one hour)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.api.test_slots import TOMORROW, local, slots


def test_a_slot_for_four_panes_lasts_an_hour_and_six_panes_ninety_minutes(api):
    four = slots(api, TOMORROW, service="svc_window_cleaning").json()
    assert four["units"] == 4  # the service's minimum, when none is asked for
    assert four["slots"] and all(
        local(s)[1] == (datetime.combine(TOMORROW, local(s)[0]) + timedelta(hours=1)).time()
        for s in four["slots"]
    )
    six = slots(api, TOMORROW, service="svc_window_cleaning", units=6).json()
    assert six["units"] == 6
    assert local(six["slots"][0]) == (time(8), time(9, 30))
    too_many = slots(api, TOMORROW, service="svc_window_cleaning", units=99)
    assert too_many.status_code == 422 and "units_out_of_range" in too_many.text


def test_the_quote_window_covers_every_pane(api):
    customer = api.register("customer", "张女士")
    q = api.quote(customer, service_id="svc_window_cleaning", units=4)
    start = datetime.fromisoformat(q["scheduled_start"])
    assert datetime.fromisoformat(q["scheduled_end"]) - start == timedelta(minutes=60)
    q = api.quote(customer, service_id="svc_window_cleaning", units=10)
    start = datetime.fromisoformat(q["scheduled_start"])
    assert datetime.fromisoformat(q["scheduled_end"]) - start == timedelta(minutes=150)
    # an hourly service still books its hours
    q = api.quote(customer, service_id="svc_daily_cleaning", units=3)
    start = datetime.fromisoformat(q["scheduled_start"])
    assert datetime.fromisoformat(q["scheduled_end"]) - start == timedelta(hours=3)
