"""The technician's 培训 in headless Chromium: from home, the courses with this month's
minutes against the minimum and its note; a course's lesson marked studied; its quiz
answered and passed, with the result shown."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_study_a_lesson_and_pass_a_quiz(  # noqa: ANN001
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:
    tech = e2e_server.ready_technician("钱师傅")
    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url)
    ui.fill(page, "手机号", tech["phone"])
    ui.fill(page, "密码", tech["password"])
    ui.tap(page, "登录")
    ui.wait_text(page, "今日工作")
    ui.scroll_to(page, "培训")
    screenshot(page, "technician_home_training", "培训")

    ui.tap_to(page, "培训", "上门作业安全基础")
    ui.wait_text(page, "本月已学习 0 / 120 分钟")
    ui.tap_to(page, "上门作业安全基础", "用电安全")
    ui.wait_text(page, "知识库：电路检修")
    ui.tap(page, "标记已学习")
    ui.wait_text(page, "已学习")

    for choice in ("断开电源并验电", "开窗通风并关闭总阀", "含氯漂白剂与酸性除垢剂", "2米"):
        ui.scroll_to(page, choice)
        page.get_by_role("radio", name=choice, exact=True).first.click()
    ui.scroll_to(page, "提交答案")
    ui.tap(page, "提交答案")
    ui.wait_text(page, "答对 4/4，100分，通过！")
    ui.scroll_to(page, "答对 4/4，100分，通过！")
    screenshot(page, "technician_training_quiz", "答对 4/4，100分，通过！")

    ui.tap_to(page, "返回", "本月已学习 10 / 120 分钟")
    ui.wait_text(page, "考核已通过")
    screenshot(page, "technician_training", "本月已学习 10 / 120 分钟")

    # 通知设置, beside 培训: the certificate reminder turned off, his work alerts locked on
    ui.tap_to(page, "返回", "今日工作")
    ui.scroll_to(page, "通知设置")
    ui.tap_to(page, "通知设置", "通知类型")
    ui.wait_text(page, "必要通知，不能关闭")
    ui.tap(page, "证书到期提醒")
    ui.wait_text(page, "已保存")
    login = e2e_server.call(
        "POST", "/auth/login", json={"phone": tech["phone"], "password": tech["password"]}
    ).json()
    saved = e2e_server.call("GET", "/me/notification-preferences", login).json()
    assert saved["muted_groups"] == ["certificates"], saved
    screenshot(page, "technician_notice_settings", "通知类型")
