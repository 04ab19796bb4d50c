"""客户管理 against a live server: the technician tags and notes the customer of an order
he serves and sets a reminder; the note reads back on the customer's next order; when
the reminder falls due it is listed for the home screen in his words, and cached."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from client.models import FollowUpRead
from server.orders.models import CustomerNote
from technician_app.state import TechnicianState
from technician_app.state.customers import follow_up_line
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import onboard
from tests.unit_of_work import unit_of_work


async def test_a_note_and_its_reminder_reach_the_day_view(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer", name="王丽")
    first = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    await tech.load_customer_note(first["id"])
    assert tech.work.customer_records[first["id"]].updated_at is None  # nothing noted yet
    assert await tech.save_customer_note(
        first["id"],
        tags=["有宠物", "老客户"],
        note="家里有狗，先打电话",
        remind_in_days=28,
        remind_what="更换滤芯",
    )
    saved = tech.work.customer_records[first["id"]]
    assert saved.tags == ["有宠物", "老客户"] and saved.remind_what == "更换滤芯"
    assert tech.session.notices[-1].code == "customer_note_saved"
    assert tech.work.follow_ups == []  # due in 28 days, not today

    second = live_server.assign(customer, tech.user.id, hours_ahead=30)
    await tech.load_customer_note(second["id"])
    assert tech.work.customer_records[second["id"]].note == "家里有狗，先打电话"

    # 28 days pass: the reminder is due (the server's record moved to today)
    with unit_of_work(live_server.app) as uow:
        row = uow.session.exec(select(CustomerNote)).one()
        row.remind_on = row.remind_on - timedelta(days=28)
        uow.session.add(row)
    await tech.load_follow_ups()
    [due] = tech.work.follow_ups
    assert due.order_id == second["id"] and due.customer_name == "王*"
    today = due.remind_on
    assert follow_up_line(due, today, "zh").startswith("王* · 更换滤芯 · ")
    assert follow_up_line(due, today, "zh").endswith(" · 今天")
    assert follow_up_line(due, today + timedelta(days=3), "zh").endswith(" · 已过 3 天")
    assert tech.queue.cached_models("follow_ups", FollowUpRead) == {second["id"]: due}

    # a reminder without saying what for is refused, in his words, and nothing changes
    assert not await tech.save_customer_note(
        second["id"], tags=[], note="", remind_in_days=7, remind_what=""
    )
    assert tech.session.notices[-1].text == "请填写提醒事项，例如“更换滤芯”"
    assert isinstance(today, date)
