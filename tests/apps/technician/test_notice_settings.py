"""通知设置 in the technician app's state against a real server: his groups (the
certificate reminder may be turned off; work alerts, a visit moved and safety may not),
a switch saved at once, a refusal on the status strip in Chinese with the switches as
the server holds them."""

from __future__ import annotations

from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer


async def test_his_switches_are_saved_and_work_alerts_stay_on(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    account = live_server.ready_technician("钱师傅")
    assert await tech.login(account["phone"], account["password"])
    await tech.load_notice_settings()
    prefs = tech.me.notice_settings
    assert prefs is not None
    assert [(g.group, g.locked) for g in prefs.groups] == [
        ("certificates", False),
        ("order_changes", True),
        ("work_alerts", True),
        ("safety", True),
    ]

    assert await tech.set_notice_switch("group", "certificates", False)
    assert await tech.set_notice_switch("channel", "email", False)
    saved = tech.me.notice_settings
    assert saved is not None
    assert (saved.muted_channels, saved.muted_groups) == (["email"], ["certificates"])
    assert tech.session.notices[-1].text == "已保存"

    assert not await tech.set_notice_switch("group", "work_alerts", False)
    assert tech.session.notices[-1].text == "这类通知关系到订单和安全，不能关闭"
    assert tech.me.notice_settings == saved  # the switch is back on
    assert next(g for g in saved.groups if g.group == "work_alerts").on

    assert await tech.set_notice_switch("group", "certificates", True)
    assert tech.me.notice_settings.muted_groups == []  # type: ignore[union-attr]
