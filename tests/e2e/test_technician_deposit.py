"""The technician's 保证金 screen in headless Chromium: opened from the earnings page, it
says what is required, held and missing and why (a failed spot check took part of it,
with the inspector's reason), and the top-up, asked first, makes it whole."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _open(page, ui, button: str, expect: str) -> None:  # noqa: ANN001
    """Tap ``button`` until ``expect`` shows: a tap that lands while the screen re-renders
    with what was just loaded opens nothing (as the pool's browser test knows)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(5):
        ui.tap(page, button)
        try:
            ui.wait_text(page, expect, timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"{expect} never showed after tapping {button}")


def test_the_deposit_screen_shows_a_deduction_and_takes_a_top_up(  # noqa: ANN001
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:
    from server.quality import service as quality_service
    from server.quality.models import QualityCheck
    from tests.unit_of_work import unit_of_work

    tech = e2e_server.ready_technician("王师傅")
    customer = e2e_server.register("customer", name="赵女士")
    order = e2e_server.assign(customer, tech["user"]["id"])
    # the job done and its spot check failed (the API tests walk both; here the screen is
    # what is under test)
    with unit_of_work(e2e_server.app) as uow:
        check = QualityCheck(
            id="qck_e2e",
            order_id=order["id"],
            technician_id=tech["user"]["id"],
            customer_id=customer["user"]["id"],
            service_id=order["service_id"],
            status="failed",
            sampling_rate_bp=500,
            sampled_at=uow.clock.now(),
            findings_enc=uow.cipher.encrypt("未清洁冰箱内部"),
        )
        uow.session.add(check)
        uow.session.flush()
        check.deduction = quality_service.deduct_for_check(uow, check)

    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url)
    ui.fill(page, "手机号", tech["phone"])
    ui.fill(page, "密码", tech["password"])
    ui.tap(page, "登录")
    ui.wait_text(page, "今日工作")
    _open(page, ui, "收入", "申请提现")
    _open(page, ui, "保证金", "缴纳与扣除记录")
    ui.wait_text(page, "日常保洁 质检未通过扣除")
    ui.wait_text(page, "原因：未清洁冰箱内部")
    ui.wait_text(page, "质检扣款超出已缴保证金，欠缴 ¥200.00，请尽快补缴")
    screenshot(page, "technician_deposit", "缴纳与扣除记录")

    ui.tap(page, "补缴 ¥2200.00")
    ui.wait_text(page, "确认通过微信支付补缴保证金 ¥2200.00？")
    ui.tap(page, "确认补缴")
    ui.wait_text(page, "保证金已足额")
    ui.wait_text(page, "补缴保证金")
