"""The customer app in Chromium when things go wrong: opened while the server is down, it
fills in by itself once the server answers (no reload); a refusal is said in Chinese under
the field it concerns."""

from __future__ import annotations

import re

import pytest

from tests.apps.conftest import free_port, live_settings, serve

pytestmark = pytest.mark.e2e

RECOVERY_MS = 60_000  # the catalog is asked again after 1, 2, 4, 8, then every 15 s


def under_field(page, label: str, text: str) -> bool:  # noqa: ANN001
    """Whether ``text`` is drawn as the text field ``label``'s own line: in its box or just
    under it (the message at the top of the screen is not)."""
    field = page.get_by_role("textbox", name=label).first.bounding_box()
    assert field is not None, label
    top, bottom = field["y"], field["y"] + field["height"] + 40
    said = [node.bounding_box() for node in page.get_by_text(text, exact=True).all()]
    return any(box is not None and top <= box["y"] <= bottom for box in said)


def test_opened_while_the_server_is_down_the_home_fills_in_by_itself(
    tmp_path, flet_web_app, open_app, ui
) -> None:  # noqa: ANN001
    port = free_port()  # nothing answers here yet
    url = flet_web_app("customer_app", f"http://127.0.0.1:{port}")
    page = open_app(url)
    ui.wait_text(page, "网络连接失败")
    settings = live_settings(tmp_path / "server")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with serve(settings, port=port):
        ui.wait_text(page, "日常保洁", timeout=RECOVERY_MS)  # the catalog, with no reload
        ui.wait_text(page, "网络连接失败", present=False)


def test_refusals_are_said_in_chinese_under_their_fields(
    e2e_server, flet_web_app, open_app, ui
) -> None:  # noqa: ANN001
    account = e2e_server.register("customer", name="吴女士")
    url = flet_web_app("customer_app", e2e_server.base_url)
    page = open_app(url)
    ui.wait_text(page, "日常保洁")
    ui.tap(page, "我的")
    # a wrong password: under the password
    ui.fill(page, "手机号", account["user"]["phone"])
    ui.fill(page, "密码", "not my password")
    ui.press(page, "Enter")
    ui.wait_text(page, "手机号或密码错误")
    assert under_field(page, "密码", "手机号或密码错误")
    # sign-up with a phone number the server's own check refuses: under the phone
    ui.tap(page, "没有账号？注册")
    ui.fill(page, "手机号", "12")
    ui.check(page, re.compile("我已阅读并同意"))
    ui.fill(page, "密码", "correct horse")
    ui.tap(page, "注册", exact=True)
    ui.wait_text(page, "请检查：手机号")
    assert under_field(page, "手机号", "请检查：手机号")
