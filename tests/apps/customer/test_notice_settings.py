"""通知设置 through the customer app's state against a live server: opened from 我的,
a switch turned is saved at once, the essential kinds are shown on and cannot be turned
(a refusal in Chinese, the switches as the server holds them), in both languages."""

from __future__ import annotations

import flet as ft

from customer_app.state import CustomerState
from customer_app.views.me import me_view
from customer_app.views.notice_settings import notice_settings_view
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import signed_in
from tests.apps.customer.test_wallet import keyed_control, texts


def switch(root: object, key: str) -> ft.Switch:
    control = keyed_control(root, key)
    assert isinstance(control, ft.Switch)
    return control


async def test_switches_are_saved_at_once_and_essential_ones_stay_on(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    await signed_in(state, server, "周女士")
    await state.load_me()
    assert keyed_control(me_view(state), "open-notice-settings") is not None
    await state.open_notice_settings()
    assert state.session.route == "/notice-settings"
    prefs = state.me.notice_settings
    assert prefs is not None and all(c.on for c in prefs.channels)
    page = notice_settings_view(state)
    assert {"通知设置", "短信", "上门前提醒", "支付提醒"} <= set(texts(page))
    assert not switch(page, "notice-channel-sms").disabled
    payments = switch(page, "notice-group-payments")
    assert payments.value is True and payments.disabled  # essential: on, and says why
    assert any(s.startswith("必要通知，不能关闭") for s in texts(page))

    assert await state.set_notice_switch("channel", "sms", False)
    assert await state.set_notice_switch("group", "reminders", False)
    assert state.session.notice == "notice_settings.saved"
    saved = state.me.notice_settings
    assert saved is not None
    assert (saved.muted_channels, saved.muted_groups) == (["sms"], ["reminders"])
    assert switch(notice_settings_view(state), "notice-channel-sms").value is False
    again = await state.client.notification_preferences()  # what the server keeps
    assert (again.muted_channels, again.muted_groups) == (["sms"], ["reminders"])

    assert not await state.set_notice_switch("group", "payments", False)  # refused
    assert state.session.error == "这类通知关系到订单和安全，不能关闭"
    assert state.me.notice_settings == saved  # back to what is saved
    assert switch(notice_settings_view(state), "notice-group-payments").value is True

    assert await state.set_notice_switch("channel", "sms", True)
    assert state.me.notice_settings.muted_channels == []  # type: ignore[union-attr]
    state.set_lang("en")
    assert {"Notification settings", "SMS", "Payment reminders"} <= set(
        texts(notice_settings_view(state))
    )


async def test_the_settings_page_opened_by_its_address_asks_for_sign_in(
    state: CustomerState,
) -> None:
    await state.start()
    await state.open_route("/notice-settings")
    assert state.session.route == "/login"
