"""改约 in the browser: the technician asks to move a booked visit; the customer reads the
request in the inbox, opens the order from it, sees the booked and the new time with his
reason, takes the new time, and the visit has moved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e


def test_the_customer_takes_the_new_time_the_technician_asks_for(
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:  # noqa: ANN001
    customer = e2e_server.register("customer", "张女士")
    order = e2e_server.paid_order(customer, hours_ahead=48)
    tech = e2e_server.register("technician", "赵师傅")
    e2e_server.move(order["id"], "assign", technician_id=tech["user"]["id"])
    booked = datetime.fromisoformat(order["scheduled_start"])
    body = {"scheduled_start": (booked + timedelta(hours=3)).isoformat(), "reason": "前一单延误"}
    r = e2e_server.call("POST", f"/orders/{order['id']}/delay-requests", tech, json=body)
    assert r.status_code == 201, r.text

    url = flet_web_app("customer_app", e2e_server.base_url)
    page = open_app(url)
    ui.sign_in_to_me(page, customer)
    ui.tap_to(page, "消息", "师傅申请改约")
    ui.tap(page, "师傅申请改约")  # the notice opens its order
    page.wait_for_url(f"**/order/{order['id']}")
    ui.wait_text(page, "新时间：")
    ui.wait_text(page, "原因：前一单延误")
    screenshot(page, "customer_delay", "同意改约")

    ui.tap(page, "同意改约")
    ui.wait_text(page, "您已同意改约")
    assert ui.button(page, "同意改约", exact=True).count() == 0  # nothing left to answer
    moved = e2e_server.call("GET", f"/orders/{order['id']}", customer).json()
    assert datetime.fromisoformat(moved["scheduled_start"]) == booked + timedelta(hours=3)
    assert moved["technician_id"] == tech["user"]["id"]
