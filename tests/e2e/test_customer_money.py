"""A customer's money in the browser: 我的 → 钱包, a top-up paid on the provider's page
lands in the balance; 我的 → 积分商城, points become a coupon in the wallet."""

from __future__ import annotations

import re

import pytest

from server.pricing.models import LoyaltyAccount
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.e2e


def test_a_top_up_and_points_for_a_coupon(
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:  # noqa: ANN001
    url = flet_web_app("customer_app", e2e_server.base_url)
    page = open_app(url)
    ui.wait_text(page, "平台热销")
    ui.tap(page, "登录", exact=True)
    ui.tap(page, "没有账号？注册")
    phone = e2e_server.next_phone()
    ui.fill(page, "手机号", phone)
    ui.check(page, re.compile("我已阅读并同意"))
    ui.fill(page, "密码", "correct horse")
    ui.press(page, "Enter")
    ui.wait_text(page, "平台热销")
    login = e2e_server.call(
        "POST", "/auth/login", json={"phone": phone, "password": "correct horse"}
    ).json()
    with unit_of_work(e2e_server.app) as uow:  # earned on earlier orders
        uow.session.add(LoyaltyAccount(customer_id=login["user"]["id"], points=300))

    ui.tap(page, "我的", exact=True)
    ui.tap_to(page, "钱包", "余额明细")
    ui.tap(page, "充值 ¥100.00")
    ui.wait_text(page, "请用微信或支付宝扫码支付 ¥100.00")
    ui.tap(page, "已完成支付")
    ui.wait_text(page, "充值成功")
    ui.wait_text(page, "¥100.00")
    screenshot(page, "customer_wallet", "余额明细")

    ui.tap_id(page, "back")
    ui.tap_to(page, "积分商城", "我的积分：300")
    screenshot(page, "customer_mall", "我的积分：300")
    ui.tap(page, "兑换")  # the first item: 10元无门槛券, 200 points
    ui.wait_text(page, "兑换成功，优惠券已放入钱包")
    ui.wait_text(page, "我的积分：100")
    ui.wait_text(page, "我的兑换")

    # 通知设置: the reminders before a visit turned off; paying before a booking lapses
    # stays on (essential), and the server keeps the choice
    ui.tap(page, "我的", exact=True)
    ui.tap_to(page, "通知设置", "通知类型")
    ui.wait_text(page, "必要通知，不能关闭")
    ui.tap(page, "上门前提醒")
    ui.wait_text(page, "已保存")
    saved = e2e_server.call("GET", "/me/notification-preferences", login).json()
    assert saved["muted_groups"] == ["reminders"], saved
    screenshot(page, "customer_notice_settings", "通知类型")
