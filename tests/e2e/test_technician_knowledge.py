"""The technician's 知识库 in headless Chromium: from his order, 查看知识库 opens that
service's article; from the list, a search with his own words for a fault (空调 漏水)
finds the air conditioner's article, opened with its SOP steps, the fault and its fix,
and the safety notes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_search_the_knowledge_base_and_read_an_article(  # noqa: ANN001
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:
    tech = e2e_server.ready_technician("王师傅")
    customer = e2e_server.register("customer", name="赵女士")
    e2e_server.assign(customer, tech["user"]["id"])  # a 日常保洁 job on today's route
    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url)
    ui.fill(page, "手机号", tech["phone"])
    ui.fill(page, "密码", tech["password"])
    ui.tap(page, "登录")
    ui.wait_text(page, "今日工作")

    ui.tap_to(page, "打开订单 1", "查看知识库")
    ui.tap_to(page, "查看知识库", "操作步骤（SOP）")
    ui.wait_text(page, "铺设防污垫、与客户确认清洁范围")  # the order's own service
    ui.tap_to(page, "返回", "全部文章", exact=True)  # the article's back: the whole list
    ui.wait_text(page, "日常保洁")

    ui.fill(page, "搜索服务、故障或步骤", "空调 漏水")
    ui.tap(page, "搜索", exact=True)
    ui.wait_text(page, "室内机漏水")  # the matching fault, under the article's name
    screenshot(page, "technician_knowledge_search", "室内机漏水", gone="日常保洁")
    ui.tap_to(page, "空调维修", "诊断：铺防污垫、检测并拍摄故障现象")
    ui.wait_text(page, "需拍照留证")
    screenshot(page, "technician_knowledge", "操作步骤（SOP）", gone="全部文章")

    ui.scroll_to(page, "安全须知")
    ui.wait_text(page, "处理：检查排水管是否堵塞、坡度是否正确，清理接水盘")
    ui.wait_text(page, "检修室外机须系好安全绳")
