"""The technician's 保证金 screen in headless Chromium: opened from the earnings page, it
says what is required, held and missing and why (a failed spot check took part of it,
with the inspector's reason), and the top-up, asked first, makes it whole; once the
requirement falls, what it holds above it is taken back (退还), asked first too."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


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
    ui.tap_to(page, "收入", "申请提现")
    ui.tap_to(page, "保证金", "缴纳、扣除与退还记录")
    ui.wait_text(page, "日常保洁 质检未通过扣除")
    ui.wait_text(page, "原因：未清洁冰箱内部")
    ui.wait_text(page, "质检扣款超出已缴保证金，欠缴 ¥200.00，请尽快补缴")
    screenshot(page, "technician_deposit", "缴纳、扣除与退还记录")

    ui.tap(page, "补缴 ¥2200.00")
    ui.wait_text(page, "确认通过微信支付补缴保证金 ¥2200.00？")
    ui.tap(page, "确认补缴")
    ui.wait_text(page, "保证金已足额")
    ui.wait_text(page, "补缴保证金")

    # the requirement falls (operators lower the base): what is held above it is his to
    # take back, asked first, paid out with his next payout
    operator = e2e_server.staff("operator")
    r = e2e_server.call(
        "PUT",
        "/ops/settings",
        operator,
        json={"rules": {"quality": {"deposit": {"base_fen": 150_000}}}},
    )
    assert r.status_code == 200, r.text
    ui.tap(page, "返回")
    ui.tap_to(page, "保证金", "可退还 ¥500.00")
    screenshot(page, "technician_deposit_return", "可退还 ¥500.00")
    ui.tap(page, "退还 ¥500.00")
    ui.wait_text(page, "确认退还保证金 ¥500.00？")
    ui.tap(page, "确认退还")
    ui.wait_text(page, "已退还 ¥500.00，将随下次结算打到您的收款账户")
    ui.wait_text(page, "退还保证金")
    ui.wait_text(page, "可退还", present=False)
    held = e2e_server.call("GET", "/technician/deposit", tech).json()
    assert (held["held"], held["returnable"]) == (150_000, 0)
