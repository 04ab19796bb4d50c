"""The notification centre in the customer app (headless Chromium): the inbox opened from
"me" fills live when the technician sets off; a tap marks the notice read and opens its
order, with the inbox behind it.

The screenshot goes to ``tests/e2e/out/customer_inbox.png``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_inbox_fills_live_and_a_tap_opens_the_order(
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:  # noqa: ANN001
    customer = e2e_server.register("customer", "张女士")
    order = e2e_server.paid_order(customer)
    tech = e2e_server.register("technician", "李师傅")
    url = flet_web_app("customer_app", e2e_server.base_url)
    page = open_app(url)

    ui.sign_in_to_me(page, customer)
    ui.tap(page, "消息", exact=True)
    ui.wait_text(page, "暂无消息")

    # the technician takes the order and sets off: the notice arrives on the live feed
    e2e_server.move(order["id"], "assign", technician_id=tech["user"]["id"])
    r = e2e_server.call("POST", f"/orders/{order['id']}/depart", tech, json={})
    assert r.status_code == 200, r.text
    ui.wait_text(page, "师傅已出发")
    screenshot(page, "customer_inbox", "未读")
    ui.tap(page, "师傅已出发")  # read, and its order opened
    page.wait_for_url(f"**/order/{order['id']}")
    ui.tap_id(page, "back")  # the inbox is behind it
    page.wait_for_url("**/inbox")
    ui.wait_text(page, "师傅已出发")
    ui.wait_text(page, "未读", present=False)
    [note] = e2e_server.call("GET", "/me/notifications", customer).json()
    assert note["kind"] == "technician.departed" and note["read_at"] is not None
