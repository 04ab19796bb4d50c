"""Alerts beyond the screen (``technician_app.state.alerts``): an offer that arrives while
the app is in the background, or on another screen, becomes one notification in the
technician's language that opens the offer; none while he is looking at it; never two
for one thing; the system's permission asked once, when he first goes online. The web
build never adds the device's notification service (its Flutter half is not in Flet's
web client): the alert becomes the status strip's notice with an open button."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import flet as ft
import pytest

from technician_app.alerts import SystemNotifier, make_notifier
from technician_app.main import wire_notifications
from technician_app.notifier import Alert, InAppNotifier, RecordingNotifier
from technician_app.state import Offer, TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import DeviceClock

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in the city


def offer(offer_id: str, *, source: str = "offer") -> Offer:
    return Offer(
        id=offer_id,
        order_id="ord_" + offer_id,
        service_name="日常保洁",
        district="朝阳区",
        scheduled_start=NOW + timedelta(hours=2),
        pay=8_500,
        expires_at=NOW + timedelta(seconds=20),
        distance_m=400.0,
        raw=None,  # type: ignore[arg-type]
        source=source,
    )


@pytest.fixture
async def phone(tmp_path: Path):
    """A state with no server (offers are set by hand) and a recording notifier."""
    state = TechnicianState("http://127.0.0.1:9", tmp_path / "phone", now=lambda: NOW)
    state.use_notifier(RecordingNotifier())
    yield state
    await state.close()


def sent(state: TechnicianState) -> list[Alert]:
    assert isinstance(state.notifier, RecordingNotifier)
    return state.notifier.sent


async def test_an_offer_in_the_background_is_one_notification_in_chinese(
    phone: TechnicianState,
) -> None:
    phone.set_foreground(False)
    phone.work.offers = [offer("a"), offer("p", source="pool")]  # the pool is gone looking for
    await phone._alert_offers()
    assert sent(phone) == [
        Alert("新订单，请在 20 秒内接单", "日常保洁 · 朝阳区 · 6月1日 12:00 · 收入 ¥85.00", "/")
    ]
    await phone._alert_offers()  # reloaded, pushed again: still one
    phone.set_foreground(True)
    phone.work.offers = []
    await phone._alert_offers()
    phone.work.offers = [offer("a")]  # the same offer back in the list: never twice
    phone.set_foreground(False)
    await phone._alert_offers()
    assert len(sent(phone)) == 1


async def test_in_english_when_he_chose_english(phone: TechnicianState) -> None:
    phone.set_language("en")
    phone.set_shown_route(lambda: "/earnings")  # in front, but on another screen
    phone.work.offers = [offer("a")]
    await phone._alert_offers()
    assert sent(phone) == [
        Alert(
            "New order: answer within 20 s",
            "日常保洁 · 朝阳区 · Jun 1, 12:00 · you earn ¥85.00",
            "/",
        )
    ]


async def test_none_while_he_looks_at_the_offer(phone: TechnicianState) -> None:
    phone.set_shown_route(lambda: "/")  # the home shows a pending offer first
    phone.work.offers = [offer("a")]
    await phone._alert_offers()
    assert sent(phone) == []
    phone.set_shown_route(lambda: "/pool")
    await phone._alert_offers()  # seen once already: not later from another screen
    phone.work.offers = [offer("a"), offer("b")]
    await phone._alert_offers()
    assert [a.payload for a in sent(phone)] == ["/"]


async def test_the_web_build_shows_the_alert_in_the_app(phone: TechnicianState) -> None:
    page = SimpleNamespace(web=True, route="/earnings", navigate=lambda route: None)
    wire_notifications(page, phone)  # type: ignore[arg-type]
    assert isinstance(phone.notifier, InAppNotifier)
    phone.work.offers = [offer("a")]
    await phone._alert_offers()
    notice = phone.session.notices[-1]
    assert notice.route == "/" and notice.code == "alert"
    assert notice.text == "新订单，请在 20 秒内接单：日常保洁 · 朝阳区 · 6月1日 12:00 · 收入 ¥85.00"
    page.on_app_lifecycle_state_change(SimpleNamespace(state=ft.AppLifecycleState.HIDE))
    assert not phone.foreground
    page.on_app_lifecycle_state_change(SimpleNamespace(state=ft.AppLifecycleState.RESUME))
    assert phone.foreground


def test_only_a_built_app_adds_the_device_notification_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def pick(*, web: bool) -> object:
        page = SimpleNamespace(web=web, platform=ft.PagePlatform.ANDROID)
        return make_notifier(page, lambda route: None, lambda alert: None, "订单提醒")  # type: ignore[arg-type]

    monkeypatch.delenv("FLET_PLATFORM", raising=False)
    assert isinstance(pick(web=True), InAppNotifier)  # the --web build, make demo
    assert isinstance(pick(web=False), InAppNotifier)  # python -m technician_app's window
    monkeypatch.setenv("FLET_PLATFORM", "android")
    assert isinstance(pick(web=True), InAppNotifier)  # a built web app
    assert isinstance(pick(web=False), SystemNotifier)  # flet build apk / ipa / desktop


async def test_permission_is_asked_once_when_first_going_online(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    account = live_server.ready_technician("王师傅")
    folder = tmp_path / "phone"
    for round_ in range(2):  # the app opened twice on one device
        state = TechnicianState(live_server.base_url, folder, now=device, use_feed=False)
        notifier = RecordingNotifier()
        state.use_notifier(notifier)
        try:
            if not state.signed_in:
                assert await state.login(account["phone"], account["password"])
            assert notifier.permission_asks == 0  # not at sign-in: nothing to explain yet
            assert await state.set_working(True)
            assert await state.set_working(False)
            assert await state.set_working(True)
            assert notifier.permission_asks == (1 if round_ == 0 else 0)
        finally:
            await state.close()


async def test_order_news_from_the_feed(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    """A real offer, then his order cancelled by the customer, a change answered, a chat
    line: each one notification naming the service and opening its screen; none for his
    own chat line, none for news of the order on show."""
    account = live_server.ready_technician("王师傅")
    tech = TechnicianState(live_server.base_url, tmp_path / "phone", now=device, use_feed=False)
    notifier = RecordingNotifier()
    tech.use_notifier(notifier)
    try:
        assert await tech.login(account["phone"], account["password"])
        assert await tech.set_working(True)
        customer = live_server.register("customer", name="李女士")
        tech.set_foreground(False)
        offered = live_server.offer(customer, tech.user.id, hours_ahead=2)
        await tech.load_offers()
        await tech.load_offers()
        (alert,) = notifier.sent
        assert re.fullmatch(r"新订单，请在 \d+ 秒内接单", alert.title)
        assert alert.body.startswith(tech.work.offers[0].service_name + " · 三里屯 · ")
        assert "收入 ¥" in alert.body and alert.payload == "/"
        assert "ord_" not in alert.title + alert.body and offered["id"] not in alert.body

        order = live_server.assign(customer, tech.user.id, hours_ahead=3)
        await tech.load_orders()
        name = tech.order(order["id"]).service_name_zh
        route = f"/order/{order['id']}"
        tech.set_foreground(True)
        tech.set_shown_route(lambda: route)
        chat = {
            "id": 7,
            "thread": "order",
            "order_id": order["id"],
            "customer_id": "c",
            "sender_id": "c",
            "sender_role": "customer",
            "text": "家里有狗，请先敲门",
            "file_id": None,
            "masked": False,
            "created_at": NOW.isoformat(),
        }
        await tech._on_feed_message({"type": "chat", "message": chat})
        assert len(notifier.sent) == 1  # on that order's screen: it shows there
        tech.set_shown_route(lambda: "/")
        await tech._on_feed_message({"type": "chat", "message": {**chat, "id": 8}})
        own = {**chat, "id": 9, "sender_role": "technician"}
        await tech._on_feed_message({"type": "chat", "message": own})
        approved = {
            "type": "event",
            "id": "ev_1",
            "order_id": order["id"],
            "event_type": "order.change_approved",
            "actor_role": "customer",
            "payload": {"amount": 4_000},
        }
        await tech._on_feed_message(approved)
        await tech._on_feed_message(approved)  # pushed twice: one
        cancelled = {**approved, "id": "ev_2", "event_type": "order.cancelled", "payload": {}}
        await tech._on_feed_message(cancelled)
        assert [(a.title, a.payload) for a in notifier.sent[1:]] == [
            ("顾客发来消息", route),
            ("顾客已同意增项", route),
            ("订单已取消", route),
        ]
        assert notifier.sent[1].body == "家里有狗，请先敲门"
        assert notifier.sent[2].body == f"{name}：增项 ¥40.00 已同意"
        assert notifier.sent[3].body.startswith("顾客取消了 ") and notifier.sent[3].body.endswith(
            f"的{name}"
        )
    finally:
        await tech.close()
