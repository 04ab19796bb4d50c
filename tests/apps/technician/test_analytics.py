"""经营分析 against a live server: a confirmed job counts as one order and its income on
today's bar (the same amount 我的收入 shows), under its category, on the map's grid and
against the district; the texts compare with the average in Chinese; the page renders."""

from __future__ import annotations

from datetime import UTC, datetime

import flet_map as fm

from client.citytime import CITY_TZ
from client.maps import spots_map
from client.models import DistrictComparison
from technician_app.components.earnings_charts import count_chart
from technician_app.state import TechnicianState
from technician_app.state.analytics import (
    bucket_label,
    category_income,
    comparison_lines,
    income_bars,
    order_bars,
)
from technician_app.state.earnings_charts import IncomeBar
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.technician.conftest import FAR, DeviceClock, do_job, onboard


def test_labels_and_comparisons_read_as_sentences() -> None:
    monday = datetime(2025, 12, 1, tzinfo=CITY_TZ)
    assert bucket_label(monday, "day", "zh") == "12/1"
    assert bucket_label(monday, "week", "zh") == "12/1起"
    assert bucket_label(monday, "month", "zh") == "12月"
    d = DistrictComparison(
        district="静安区",
        technicians=4,
        my_orders=6,
        my_income=51000,
        average_orders=4.0,
        average_income=60000.0,
    )
    assert comparison_lines(d, "zh") == [
        "静安区：本期有 4 位师傅接单",
        "你完成 6 单，区域平均 4 单（高出 50%）",
        "你收入 ¥510.00，区域平均 ¥600.00（低于 15%）",
    ]
    level = d.model_copy(update={"my_orders": 4, "average_income": 51000.0})
    assert comparison_lines(level, "en")[1:] == [
        "You did 4 jobs; the average is 4 (level)",
        "You earned ¥510.00; the average is ¥510.00 (level)",
    ]


async def test_a_confirmed_job_shows_in_every_figure(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    door = {**DEMO_ADDRESS, "lat": FAR[0], "lng": FAR[1]}
    order = live_server.assign(customer, tech.user.id, address=door)
    await tech.refresh()
    await do_job(tech, order["id"], device)
    r = live_server.call("POST", f"/orders/{order['id']}/confirm", customer)
    assert r.status_code == 200, r.text
    device.now = datetime.now(UTC)

    await tech.load_earnings_period("month")
    earned = tech.me.earnings.earned if tech.me.earnings else 0
    await tech.load_analytics("day")
    a = tech.me.analytics
    assert a is not None and tech.me.analytics_by == "day"
    assert (a.orders, a.income) == (1, earned) and earned > 0
    today = order_bars(a, "zh")[-1]
    assert today.amount == 1 and income_bars(a, "zh")[-1].amount == earned
    assert today.label == bucket_label(datetime.now(CITY_TZ), "day", "zh")
    [category] = category_income(a, "zh")
    assert category.amount == earned and category.share == 1.0 and category.name
    [spot] = a.spots
    assert abs(spot.lat - FAR[0]) <= 0.01 and abs(spot.lng - FAR[1]) <= 0.01
    assert a.district is not None and a.district.my_orders == 1

    await tech.load_analytics("month")
    assert tech.me.analytics is not None and tech.me.analytics.by == "month"
    assert len(tech.me.analytics.buckets) == 6 and tech.me.analytics.income == earned
    # kept for a start without signal
    assert tech.queue.cached_model("analytics", type(tech.me.analytics)) == tech.me.analytics


def test_the_job_chart_counts_and_the_map_draws_one_cell_per_spot() -> None:
    days = [datetime(2025, 12, d, tzinfo=CITY_TZ) for d in range(1, 15)]
    bars = [IncomeBar(bucket_label(d, "day", "zh"), d, n % 3) for n, d in enumerate(days)]
    chart = count_chart(bars, "day").content
    assert [g.rods[0].to_y for g in chart.groups] == [n % 3 for n in range(14)]
    assert chart.groups[2].rods[0].tooltip == "12/3 2" and chart.left_axis.title.value == "单"
    assert (chart.max_y, chart.left_axis.label_spacing) == (3, 1)  # whole jobs, not ¥100
    shown = [label.label.value for label in chart.bottom_axis.labels]
    assert shown == ["12/1", "12/4", "12/7", "12/10", "12/13"]  # every third, no crowding
    street = spots_map([(31.235, 121.475, 3), (31.245, 121.465, 1)]).content
    (cells,) = [layer for layer in street.layers if isinstance(layer, fm.CircleLayer)]
    assert [c.coordinates.latitude for c in cells.circles] == [31.235, 31.245]
    assert all(c.use_radius_in_meter and c.radius >= 500 for c in cells.circles)
