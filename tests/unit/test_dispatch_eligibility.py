"""One row per rejection reason: a technician who would be eligible, changed in one way."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.dispatch.eligibility import (
    BusyInterval,
    Certificate,
    EligibilityPolicy,
    JobFacts,
    RejectionCode,
    TechnicianFacts,
    TechnicianStats,
    TimeRange,
    WeeklyWindow,
    check,
    departure_point,
    evaluate,
    is_covered_by_weekly,
)
from server.dispatch.geo import CircleArea, LatLng, PolygonArea, RoadFactorTravelTime

TRAVEL = RoadFactorTravelTime()
SH = ZoneInfo("Asia/Shanghai")
JOB_AT = LatLng(31.2304, 121.4737)  # People's Square
# 2026-06-01 is a Monday. 09:00 Shanghai = 01:00 UTC.
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
START = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 11:00 local
END = START + timedelta(hours=2)  # 13:00 local


def north(km: float) -> LatLng:
    return LatLng(JOB_AT.lat + km / 111.195, JOB_AT.lng)


def east(km: float) -> LatLng:
    return LatLng(JOB_AT.lat, JOB_AT.lng + km / (111.195 * 0.8554))


EVERY_DAY_8_TO_20 = tuple(WeeklyWindow(d, time(8), time(20)) for d in range(7))

TECH = TechnicianFacts(
    id="tech-1",
    skills=frozenset({"cleaning", "newborn_care"}),
    service_areas=(CircleArea(JOB_AT, radius_km=10),),
    home=north(2),
    location=north(1),
    weekly=EVERY_DAY_8_TO_20,
)
JOB = JobFacts(
    id="job-1",
    customer_id="cust-1",
    location=JOB_AT,
    start=START,
    end=END,
    required_skills=frozenset({"cleaning"}),
    price_fen=12_000,
)
NEWBORN = replace(
    JOB,
    required_skills=frozenset({"newborn_care"}),
    required_certificates=frozenset({"maternity_nurse"}),
)


def local(hh: int, mm: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 6, day, hh, mm, tzinfo=SH).astimezone(UTC)


CASES = [
    ("not verified", replace(TECH, verified=False), JOB, RejectionCode.NOT_VERIFIED),
    ("suspended", replace(TECH, suspended=True), JOB, RejectionCode.SUSPENDED),
    ("offline", replace(TECH, online=False), JOB, RejectionCode.OFFLINE),
    ("online but the app is absent", replace(TECH, present=False), JOB, RejectionCode.ABSENT),
    (
        "restricted technician at the daily cap",
        replace(TECH, daily_cap=2, stats=TechnicianStats(jobs_today=2)),
        JOB,
        RejectionCode.DAILY_CAP_REACHED,
    ),
    (
        "customer blocked technician",
        TECH,
        replace(JOB, blocked_technician_ids=frozenset({"tech-1"})),
        RejectionCode.BLOCKED,
    ),
    (
        "technician blocked customer",
        replace(TECH, blocked_customer_ids=frozenset({"cust-1"})),
        JOB,
        RejectionCode.BLOCKED,
    ),
    (
        "missing skill",
        replace(TECH, skills=frozenset({"aircon_repair"})),
        JOB,
        RejectionCode.MISSING_SKILL,
    ),
    (
        "newborn care without maternity nurse certificate",
        TECH,
        NEWBORN,
        RejectionCode.MISSING_CERTIFICATE,
    ),
    (
        "certificate uploaded but not verified",
        replace(TECH, certificates=(Certificate("maternity_nurse", verified=False),)),
        NEWBORN,
        RejectionCode.MISSING_CERTIFICATE,
    ),
    (
        "certificate of another kind",
        replace(TECH, certificates=(Certificate("health"),)),
        NEWBORN,
        RejectionCode.MISSING_CERTIFICATE,
    ),
    (
        "certificate expired the day before the job",
        replace(TECH, certificates=(Certificate("maternity_nurse", expires_on=date(2026, 5, 31)),)),
        NEWBORN,
        RejectionCode.CERTIFICATE_EXPIRED,
    ),
    (
        "outside circle service area",
        replace(TECH, service_areas=(CircleArea(north(20), radius_km=5),)),
        JOB,
        RejectionCode.OUTSIDE_SERVICE_AREA,
    ),
    (
        "outside polygon service area",
        replace(
            TECH,
            service_areas=(
                PolygonArea(
                    (
                        north(1),
                        north(5),
                        LatLng(north(5).lat, JOB_AT.lng + 0.05),
                        LatLng(north(1).lat, JOB_AT.lng + 0.05),
                    )
                ),
            ),
        ),
        JOB,
        RejectionCode.OUTSIDE_SERVICE_AREA,
    ),
    (
        "no service area set",
        replace(TECH, service_areas=()),
        JOB,
        RejectionCode.OUTSIDE_SERVICE_AREA,
    ),
    (
        "beyond own max distance",
        replace(TECH, max_distance_km=0.5),
        JOB,
        RejectionCode.BEYOND_MAX_DISTANCE,
    ),
    (
        "no live position and no home",
        replace(TECH, home=None, location=None),
        JOB,
        RejectionCode.LOCATION_UNKNOWN,
    ),
    (
        "already booked in the slot",
        replace(TECH, busy=(BusyInterval(local(12), local(14), north(1), "o-9"),)),
        JOB,
        RejectionCode.SLOT_CONFLICT,
    ),
    (
        "previous job 8 km away ends 10 min before",
        replace(TECH, busy=(BusyInterval(local(9), local(10, 50), north(8), "o-prev"),)),
        JOB,
        RejectionCode.NO_TIME_FROM_PREVIOUS,
    ),
    (
        "next job 8 km away starts 5 min after",
        replace(TECH, busy=(BusyInterval(local(13, 5), local(15), north(8), "o-next"),)),
        JOB,
        RejectionCode.NO_TIME_TO_NEXT,
    ),
    (
        "job starts in 10 min, technician 8 km away",
        replace(TECH, location=north(8)),
        replace(JOB, start=NOW + timedelta(minutes=10), end=NOW + timedelta(minutes=130)),
        RejectionCode.CANNOT_ARRIVE_IN_TIME,
    ),
    (
        "works afternoons only",
        replace(TECH, weekly=tuple(WeeklyWindow(d, time(14), time(20)) for d in range(7))),
        JOB,
        RejectionCode.OUTSIDE_WORKING_HOURS,
    ),
    (
        "works weekends only",
        replace(
            TECH, weekly=(WeeklyWindow(5, time(8), time(20)), WeeklyWindow(6, time(8), time(20)))
        ),
        JOB,
        RejectionCode.OUTSIDE_WORKING_HOURS,
    ),
    ("no working hours at all", replace(TECH, weekly=()), JOB, RejectionCode.OUTSIDE_WORKING_HOURS),
    (
        "time off over the slot",
        replace(TECH, time_off=(TimeRange(local(12), local(18)),)),
        JOB,
        RejectionCode.TIME_OFF,
    ),
]


def test_baseline_is_eligible():
    assert check(TECH, JOB, now=NOW, travel=TRAVEL) == []
    assert check(TECH, NEWBORN, now=NOW, travel=TRAVEL) != []
    certified = replace(
        TECH, certificates=(Certificate("maternity_nurse", expires_on=date(2027, 1, 1)),)
    )
    assert check(certified, NEWBORN, now=NOW, travel=TRAVEL) == []


@pytest.mark.parametrize(("case", "tech", "job", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_rejection_reason(case, tech, job, code):
    rejections = check(tech, job, now=NOW, travel=TRAVEL)
    assert [r.code for r in rejections] == [code], case
    assert rejections[0].message


@pytest.mark.parametrize(
    ("case", "tech", "job"),
    [
        (
            "certificate valid through the job day",
            replace(
                TECH, certificates=(Certificate("maternity_nurse", expires_on=date(2026, 6, 1)),)
            ),
            NEWBORN,
        ),
        (
            "one expired and one valid certificate",
            replace(
                TECH,
                certificates=(
                    Certificate("maternity_nurse", expires_on=date(2025, 1, 1)),
                    Certificate("maternity_nurse", expires_on=None),
                ),
            ),
            NEWBORN,
        ),
        (
            "inside polygon service area",
            replace(
                TECH,
                service_areas=(
                    PolygonArea(
                        (
                            north(-2),
                            north(2),
                            LatLng(north(2).lat, JOB_AT.lng + 0.05),
                            LatLng(north(-2).lat, JOB_AT.lng + 0.05),
                        )
                    ),
                ),
            ),
            JOB,
        ),
        (
            "inside the second of two areas",
            replace(TECH, service_areas=(CircleArea(north(30), 2), CircleArea(east(1), 2))),
            JOB,
        ),
        (
            "previous job nearby with enough time",
            replace(TECH, busy=(BusyInterval(local(8), local(10), north(1), "o-prev"),)),
            JOB,
        ),
        (
            "back-to-back jobs at the same address after turnaround",
            replace(TECH, busy=(BusyInterval(local(13, 10), local(15), JOB_AT, "o-next"),)),
            JOB,
        ),
        (
            "overnight window covers an early job",
            replace(TECH, weekly=(WeeklyWindow(0, time(22), time(6)),)),
            replace(JOB, start=local(23), end=local(5, 0, day=2)),
        ),
        (
            "two adjacent windows cover the slot together",
            replace(
                TECH,
                weekly=(WeeklyWindow(0, time(8), time(12)), WeeklyWindow(0, time(12), time(18))),
            ),
            JOB,
        ),
        (
            "restricted technician under the daily cap",
            replace(TECH, daily_cap=2, stats=TechnicianStats(jobs_today=1)),
            JOB,
        ),
        (
            "time off ends as the slot starts",
            replace(TECH, time_off=(TimeRange(local(6), local(11)),)),
            JOB,
        ),
        (
            "far job starting later: departure from home, no rush",
            replace(TECH, location=north(9)),
            replace(JOB, start=local(17), end=local(19)),
        ),
    ],
)
def test_edge_cases_that_stay_eligible(case, tech, job):
    assert check(tech, job, now=NOW, travel=TRAVEL) == [], case


def test_all_reasons_reported_together():
    tech = replace(TECH, verified=False, online=False, skills=frozenset(), service_areas=())
    codes = {r.code for r in check(tech, JOB, now=NOW, travel=TRAVEL)}
    assert codes == {
        RejectionCode.NOT_VERIFIED,
        RejectionCode.OFFLINE,
        RejectionCode.MISSING_SKILL,
        RejectionCode.OUTSIDE_SERVICE_AREA,
    }


def test_rejection_details_are_useful():
    tech = replace(TECH, busy=(BusyInterval(local(9), local(10, 50), north(8), "o-prev"),))
    (r,) = check(tech, JOB, now=NOW, travel=TRAVEL)
    assert r.details["order_id"] == "o-prev"
    assert r.details["needed_s"] > r.details["available_s"] == 600


def test_departure_point_prefers_previous_job_then_live_position_then_home():
    with_prev = replace(TECH, busy=(BusyInterval(local(9), local(10), north(3), "p"),))
    assert departure_point(with_prev, JOB, now=NOW).source == "previous_job"
    assert departure_point(TECH, JOB, now=NOW).source == "current_location"
    later = replace(JOB, start=local(18), end=local(19))
    assert departure_point(TECH, later, now=NOW).source == "home"
    assert departure_point(replace(TECH, home=None), later, now=NOW).source == "current_location"


def test_evaluate_returns_distance_and_eta():
    ev = evaluate(TECH, JOB, now=NOW, travel=TRAVEL)
    assert ev.eligible
    assert ev.distance_m == pytest.approx(1000, rel=0.01)
    assert ev.eta_s == pytest.approx(1000 * 1.3 / 5.0, rel=0.01)


def test_turnaround_policy_is_applied():
    tech = replace(TECH, busy=(BusyInterval(local(13, 5), local(15), JOB_AT, "n"),))
    assert [r.code for r in check(tech, JOB, now=NOW, travel=TRAVEL)] == [
        RejectionCode.NO_TIME_TO_NEXT
    ]
    relaxed = EligibilityPolicy(turnaround_s=0)
    assert check(tech, JOB, now=NOW, travel=TRAVEL, policy=relaxed) == []


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        replace(JOB, start=datetime(2026, 6, 1, 3, 0))
    with pytest.raises(ValueError):
        check(TECH, JOB, now=datetime(2026, 6, 1, 1, 0), travel=TRAVEL)


def test_weekly_coverage_across_midnight_and_days():
    windows = (WeeklyWindow(0, time(22), time(6)),)  # Monday night into Tuesday
    assert is_covered_by_weekly(local(23), local(2, 0, day=2), windows, SH)
    assert not is_covered_by_weekly(local(23), local(7, 0, day=2), windows, SH)
    assert not is_covered_by_weekly(local(21), local(23), windows, SH)
    whole_day = (WeeklyWindow(0, time(0), time(0)),)
    assert is_covered_by_weekly(local(0), local(23, 59), whole_day, SH)


def test_first_group_only_when_not_exhaustive():
    tech = replace(TECH, online=False, service_areas=(), time_off=(TimeRange(local(6), local(18)),))
    full = evaluate(tech, JOB, now=NOW, travel=TRAVEL)
    assert [r.code for r in full.rejections] == [
        RejectionCode.OFFLINE,
        RejectionCode.OUTSIDE_SERVICE_AREA,
        RejectionCode.TIME_OFF,
    ]
    quick = evaluate(tech, JOB, now=NOW, travel=TRAVEL, exhaustive=False)
    assert [r.code for r in quick.rejections] == [RejectionCode.OFFLINE]
    only_calendar = replace(TECH, time_off=(TimeRange(local(6), local(18)),))
    late = evaluate(only_calendar, JOB, now=NOW, travel=TRAVEL, exhaustive=False)
    assert [r.code for r in late.rejections] == [RejectionCode.TIME_OFF]
    assert evaluate(TECH, JOB, now=NOW, travel=TRAVEL, exhaustive=False).eligible


def test_an_offline_technician_is_offline_whatever_his_app_does() -> None:
    """Absence is said only of someone online: offline says it all."""
    ev = evaluate(replace(TECH, online=False, present=False), JOB, now=NOW, travel=TRAVEL)
    codes = [r.code for r in ev.rejections]
    assert RejectionCode.OFFLINE in codes and RejectionCode.ABSENT not in codes
