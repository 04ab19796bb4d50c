"""Today's jobs are the city's today (Asia/Shanghai) only: tomorrow's job is listed apart
as 明日, whatever the device's zone and however close midnight is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client.models import OrderRead
from technician_app.components.upcoming import upcoming_section
from technician_app.state import TechnicianState
from technician_app.state.model import city_day, day_label, todays_jobs, upcoming_jobs
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import DeviceClock

# 2025-06-03 23:30 in Beijing (15:30 UTC): half an hour before the city's midnight
LATE = datetime(2025, 6, 3, 15, 30, tzinfo=UTC)


def job(start: datetime, status: str = "ACCEPTED", groups: tuple[str, ...] = ()) -> OrderRead:
    return OrderRead.model_construct(
        id=f"o-{start.isoformat()}-{status}",
        status=status,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        status_groups=list(groups or ("assigned", "tracking")),
    )


def test_the_day_is_the_citys_not_utcs() -> None:
    assert city_day(LATE).isoformat() == "2025-06-03"
    after_midnight = LATE + timedelta(minutes=45)  # still 2025-06-03 in UTC
    assert after_midnight.date().isoformat() == "2025-06-03"
    assert city_day(after_midnight).isoformat() == "2025-06-04"


def test_tomorrows_job_is_not_todays() -> None:
    tonight = job(LATE + timedelta(minutes=10))
    tomorrow_morning = job(LATE + timedelta(hours=9))  # 08:30 tomorrow, same UTC date
    overdue = job(LATE - timedelta(days=1), status="EN_ROUTE")
    running_late = job(
        LATE - timedelta(hours=2), status="IN_SERVICE", groups=("assigned", "on_site", "working")
    )
    done_yesterday = job(
        LATE - timedelta(days=1), status="AWAITING_CONFIRMATION", groups=("assigned",)
    )
    orders = [tonight, tomorrow_morning, overdue, running_late, done_yesterday]
    assert todays_jobs(orders, LATE) == [tonight, overdue, running_late]
    assert upcoming_jobs(orders, LATE) == [tomorrow_morning]
    assert day_label(tomorrow_morning.scheduled_start, LATE) == "明日"
    assert day_label(LATE + timedelta(days=2), LATE) == "后天"
    assert day_label(LATE + timedelta(days=3), LATE) == "6月6日"


async def test_schedule_holds_today_only_and_tomorrow_is_upcoming(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    account = live_server.ready_technician("王师傅")
    assert await tech.login(account["phone"], account["password"])
    customer = live_server.register("customer", name="李女士")
    today = live_server.assign(customer, tech.user.id, hours_ahead=2)
    tomorrow = live_server.assign(customer, tech.user.id, hours_ahead=26)
    await tech.refresh()
    assert {o.id for o in tech.active_orders()} == {today["id"], tomorrow["id"]}

    # the phone's clock a minute before today's visit: the other is a day later, so always
    # on the city's next day, however close to midnight the test runs
    device.now = tech.order(today["id"]).scheduled_start - timedelta(minutes=1)
    schedule = tech.schedule()
    assert [row["order"].id for row in schedule] == [today["id"]]  # what 今日订单 counts
    assert [(label, o.id) for label, o in tech.upcoming()] == [("明日", tomorrow["id"])]
    heading, row = upcoming_section(tech)
    assert heading.value == "以后的订单"
    assert row.content.controls[0].value.startswith("明日 ")
