"""The technician's open pool in headless Chromium, updated by push: with dispatch in
pool mode and the app's poll ten minutes away, an order paid meanwhile appears on the
open pool screen, and leaves it when another technician takes it, without 刷新."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.apps.conftest import DEMO_ADDRESS

pytestmark = pytest.mark.e2e


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for what the app's process does on its own (its feed connecting)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _open_pool(page, ui) -> None:  # noqa: ANN001
    """Tap 抢单池 on the home screen. A tap that lands while the home re-renders with what
    the sign-in loaded opens nothing (as ``ui.fill`` knows): then it is tapped again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(5):
        ui.tap(page, "抢单池")
        try:
            ui.wait_text(page, "暂无可抢订单", timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the pool screen never opened")


def test_the_pool_screen_follows_the_server_by_push(  # noqa: ANN001
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:
    operator = e2e_server.staff("operator")
    r = e2e_server.call(
        "PUT", "/ops/settings", operator, json={"rules": {"dispatch": {"mode": "pool"}}}
    )
    assert r.status_code == 200, r.text
    tech = e2e_server.ready_technician("王师傅")
    rival = e2e_server.ready_technician("李师傅")
    customer = e2e_server.register("customer", name="李女士")
    # the poll (the app's fallback) is ten minutes away: the pool changes only by push
    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url, geolocation=(DEMO_ADDRESS["lat"] + 0.0036, DEMO_ADDRESS["lng"]))
    ui.fill(page, "手机号", tech["phone"])
    ui.fill(page, "密码", tech["password"])
    ui.tap(page, "登录")
    ui.wait_text(page, "今日工作")
    _open_pool(page, ui)
    # his app's live connection reached the server (it is also what keeps him present)
    _until(lambda: bool(e2e_server.app.state.realtime.hub.by_user.get(tech["user"]["id"])))

    order = e2e_server.paid_order(customer)  # enters the pool: pushed to the open screen
    ui.wait_text(page, "三里屯 · ")  # the card: district and distance, never the address
    ui.wait_text(page, "暂无可抢订单", present=False)
    screenshot(page, "technician_pool", "三里屯 · ")

    r = e2e_server.call("POST", f"/orders/{order['id']}/claim", rival, json={})
    assert r.status_code == 200, r.text  # taken by someone else: it leaves the screen
    ui.wait_text(page, "暂无可抢订单")
    ui.wait_text(page, "三里屯 · ", present=False)
