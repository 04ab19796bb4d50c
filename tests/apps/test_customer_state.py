"""The customer app's state layer against a real server over HTTP (no UI).

Browse → book → pay → track → sign → confirm → review, and cancel in each fee band.
The server runs with a frozen clock the test moves, so fee bands are exact.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flet as ft
import pytest

from client import geo
from client.api import ApiError, DoorstepClient
from client.feed import FeedState
from client.models import OrderRead, SlotRead, UserRead
from customer_app.i18n import money
from customer_app.model import parse_slot
from customer_app.state import (
    CITY_TZ,
    Address,
    CustomerState,
    LocalStore,
    Slot,
    estimate_eta_minutes,
)
from server.core.clock import FrozenClock
from server.orders import machine
from server.orders.machine import ActorKind, Status
from tests.apps.conftest import DEMO_ADDRESS, LiveServer, live_settings, serve

HOME = Address(
    text=DEMO_ADDRESS["text"],
    lat=DEMO_ADDRESS["lat"],
    lng=DEMO_ADDRESS["lng"],
    district=DEMO_ADDRESS["district"],
    label="家",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


@pytest.fixture
def clock() -> FrozenClock:
    # 2026-06-01 10:00 Beijing
    return FrozenClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def server(tmp_path: Path, clock: FrozenClock) -> Iterator[LiveServer]:
    settings = live_settings(tmp_path / "server")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with serve(settings, clock=clock) as live:
        live.ready_technician(at=(HOME.lat, HOME.lng))  # the slots near home are open
        yield live


def feed_factory():  # noqa: ANN201
    from customer_app.main import feed_factory as app_feed_factory

    return app_feed_factory()


@pytest.fixture
async def state(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[CustomerState]:
    client = DoorstepClient(server.base_url)
    st = CustomerState(
        client, store=LocalStore(tmp_path / "app.json"), now=clock.now, feed_factory=feed_factory()
    )
    yield st
    await st.stop_tracking()
    await client.aclose()


async def sign_up(state: CustomerState, server: LiveServer, name: str) -> None:
    """The code texted to the phone (filled in from the sandbox's reply), then the account."""
    phone = server.next_phone()
    assert await state.send_code(phone), state.error
    assert state.form["code"] and "验证码已发送" in (state.notice or "")
    assert await state.register(
        phone=phone, password="correct horse", name=name, code=state.form["code"]
    ), state.error


async def signed_in(state: CustomerState, server: LiveServer, name: str = "张女士") -> None:
    await sign_up(state, server, name)
    state.save_address(HOME)


async def wait_for(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Wait for a pushed update to reach the state (no polling of the server)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("the pushed update did not arrive")
        await asyncio.sleep(0.05)


async def book(
    state: CustomerState, service_id: str, start: datetime | None = None, **draft
) -> OrderRead:  # noqa: ANN003
    await state.open_service(service_id)
    await state.begin_booking(service_id)
    assert state.route == f"/book/{service_id}"
    if start is None:
        slot = next(s for s in state.slots if s.available)
        state.choose_slot(slot)
    else:
        state.update_draft(slot_start=start)
    state.update_draft(**draft)
    quote = await state.request_quote()
    assert quote is not None, state.error
    order = await state.place_order()
    assert order is not None, state.error
    assert await state.approve_sandbox_payment(), state.error
    assert state.order.status == "PENDING_DISPATCH"
    return state.order


async def test_browse_search_filters_and_recommendations(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    tops = [c.name_zh for c in state.categories]
    assert "保洁" in tops and len(state.all_services()) > 20
    assert state.recommendations["nearby"] and state.recommendations["seasonal"]
    await state.search("擦玻璃")
    assert "svc_window_cleaning" in [s.id for s in state.results]
    await state.set_filter("duration", "long")
    assert all(s.id != "svc_window_cleaning" for s in state.results)  # 4 panes x 15 min
    await state.set_filter("duration", "short")
    assert "svc_window_cleaning" in [s.id for s in state.results]

    await state.open_service("svc_window_cleaning")
    assert state.route == "/service/svc_window_cleaning"
    assert state.service.sop and state.service.addons
    # signing in from the booking button comes back to booking
    await state.begin_booking("svc_window_cleaning")
    assert state.route == "/login"
    state.form.update(
        auth_mode="register", phone=server.next_phone(), password="correct horse", name="王先生"
    )
    # the code is texted, filled in from the sandbox's reply and sent back in one go
    assert await state.submit_auth(), state.error
    assert state.route == "/book/svc_window_cleaning"
    assert state.draft is not None and state.draft.units == 4


async def test_sign_up_waits_for_the_code_the_customer_types_from_the_text_message(
    state: CustomerState, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SMS gateway hands nothing back: the form asks for the code, and the one the
    phone received signs the customer up."""
    sms = server.app.state.sms
    monkeypatch.setattr(sms, "name", "gateway")  # no code in the reply, as from a real one
    phone = server.next_phone()
    state.form.update(auth_mode="register", phone=phone, password="correct horse", name="韩女士")
    assert not await state.submit_auth()
    assert state.form["code_sent_to"] == phone and state.form["code"] == ""
    assert "验证码已发送" in (state.notice or "") and phone[-4:] in state.notice
    state.form["code"] = "000000" if "000000" not in sms.outbox[-1].text else "111111"
    assert not await state.submit_auth() and state.last_error_code == "code_invalid"
    state.form["code"] = re.search(r"\d{6}", sms.outbox[-1].text).group()
    assert await state.submit_auth(), state.error
    assert state.user.name == "韩女士"


async def test_an_address_is_found_by_name_and_kept_on_the_server(
    state: CustomerState, server: LiveServer, tmp_path: Path
) -> None:
    """No coordinates typed: search, pick a suggestion, type the door; the place follows
    the customer to a new device."""
    await signed_in(state, server)
    assert not await state.submit_address() and state.notice == "pick_a_place"
    state.form["addr_query"] = "zhongguancun"  # pinyin finds it too
    await state.search_places()
    assert state.place_hits and state.place_hits[0].name == "中关村"
    state.form["addr_query"] = "没有这个地方"
    await state.search_places()
    assert state.place_hits == [] and state.notice == "no_places"
    state.form["addr_query"] = "海龙大厦"
    await state.search_places()
    state.pick_place(state.place_hits[0])
    state.form.update(addr_detail="12层1203", addr_label="公司")
    assert await state.submit_address()
    office = state.addresses()[0]
    assert office.label == "公司" and office.id and office.district == "中关村"
    assert office.to_api()["text"].endswith("海龙大厦 12层1203")
    assert abs(office.lat - 39.9824) < 1e-6 and state.picked_place is None
    # a new device: the app storage is empty, the server still has it
    fresh = CustomerState(
        state.client,
        store=LocalStore(tmp_path / "other.json"),
        now=state.now,
        feed_factory=feed_factory(),
    )
    fresh.user = state.user
    await fresh.load_addresses()
    assert [(a.label, a.detail) for a in fresh.addresses()] == [("公司", "12层1203")]


async def test_the_price_follows_each_choice_and_a_picked_place_is_kept_at_ordering(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    """The app's booking: suggestions while typing, a suggestion is the place at once, the
    price comes by itself (best coupon applied), the door typed after the price is priced
    again at ordering, and the place is saved for next time without a save button."""
    client = DoorstepClient(server.base_url)
    state = CustomerState(
        client,
        store=LocalStore(tmp_path / "live.json"),
        now=clock.now,
        feed_factory=feed_factory(),
        live_quotes=True,
    )
    try:
        await signed_in(state, server)
        state.store.put(f"addresses:{state._uid()}", [])  # a first booking: no place yet
        await state.begin_booking("svc_window_cleaning")
        state.form["addr_query"] = "三里屯SOHO"
        await asyncio.gather(state.suggest_places(), state.suggest_places())  # two keystrokes
        hit = state.place_hits[0]
        assert hit.name == "三里屯SOHO"
        await state.choose_place(hit)
        assert state.draft.address and state.slots_from_server
        state.form["addr_detail"] = "5号楼1902"
        state.choose_slot(next(s for s in state.slots if s.available))
        await wait_for(lambda: state.quote is not None)
        assert state.applied_coupon() == state.coupons[0].id  # the welcome coupon
        first = state.quote.total
        state.toggle_addon("screen_wash")
        assert state.quote is None
        await wait_for(lambda: state.quote is not None)
        assert state.quote.total == first + 4000
        await state.move_pin(hit.lat + 0.0004, hit.lng)  # the right building
        await wait_for(lambda: state.quote is not None)
        state.form["addr_detail"] = "5号楼1903"  # corrected after the price was shown
        order = await state.place_order()
        assert order is not None, state.error
        assert order.address.endswith("三里屯SOHO 5号楼1903")
        assert abs(order.lat - (hit.lat + 0.0004)) < 1e-6
        kept = state.addresses()[0]
        assert kept.id and kept.detail == "5号楼1903" and state.picked_place is None
    finally:
        await state.stop_tracking()
        await client.aclose()


async def test_quote_lines_explain_the_total(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")
    assert state.slots and not any(s.available and s.start < state.now() for s in state.slots)
    state.choose_slot(next(s for s in state.slots if s.available))
    state.update_draft(units=6)
    state.toggle_addon("screen_wash")
    quote = await state.request_quote()
    assert quote is not None, state.error
    assert sum(line.amount for line in quote.lines) == quote.total
    # the welcome coupon is taken without asking: the best one the customer holds
    assert state.applied_coupon() == state.coupons[0].id
    assert quote.total >= 6 * 2500 + 4000 - 5000
    # changing an option drops the stale quote
    state.toggle_addon("screen_wash")
    assert state.quote is None


async def test_full_visit_browse_book_pay_track_sign_confirm_review(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    await signed_in(state, server)
    await state.start()
    await state.search("擦玻璃")
    order = await book(state, "svc_window_cleaning", notes="门口有狗，请敲门")
    oid = order.id
    assert order.notes == "门口有狗，请敲门"
    assert "order.paid" in [e.type for e in state.events]

    tech = server.register("technician", "李师傅")
    tclient = DoorstepClient(server.base_url)
    tclient.session.access_token = tech["access_token"]
    try:
        server.move(oid, "assign", technician_id=tech["user"]["id"])
        await wait_for(lambda: state.order.status == "ACCEPTED")
        await wait_for(lambda: state.technician_name() == "李师傅")
        assert state.contact_number()

        await tclient.depart(oid)
        await wait_for(lambda: state.order.status == "EN_ROUTE")
        assert state.shows_tracking()
        here = (HOME.lat + 0.0108, HOME.lng)  # 1.2 km north
        await tclient.send_location(
            [{"lat": here[0], "lng": here[1], "occurred_at": clock.now().isoformat()}], order_id=oid
        )
        await wait_for(lambda: state.tracking.distance_km is not None)
        assert state.tracking.distance_km == pytest.approx(1.2, abs=0.1)
        assert state.tracking.eta_minutes >= 1
        assert state.tracking.at == clock.now()  # the point's time (the server sends ``at``)

        await tclient.arrive(oid, lat=HOME.lat, lng=HOME.lng)
        await wait_for(lambda: state.order.status == "ARRIVED")
        assert await state.sign_work_order(), state.error
        assert state.order.work_order_confirmed_at

        await tclient.start(oid)
        await wait_for(lambda: state.order.status == "IN_SERVICE")
        for step in state.order.sop:
            photo = None
            if step.photo:
                photo = (
                    await tclient.upload(
                        PNG, filename="p.png", content_type="image/png", order_id=oid
                    )
                ).id
            await tclient.sop_done(oid, step.no, photo_file_id=photo)
        await tclient.finish(oid)
        await wait_for(lambda: state.order.status == "AWAITING_CONFIRMATION")
        assert len(state.completion_photos()) == sum(1 for s in state.order.sop if s.photo)
        await wait_for(lambda: len(state.photos) == len(state.completion_photos()))
        assert await state.confirm_completion(), state.error
        assert state.order.status == "COMPLETED"

        state.form.update(
            review_response=5,
            review_skill=4,
            review_attitude=5,
            review_care=5,
            review_text="擦得很干净",
        )
        state.attach_review_photos([("after.png", PNG)])
        assert await state.submit_review_form(), state.error
        assert state.reviewed
        types = [e.type for e in state.events]
        for expected in (
            "order.paid",
            "order.assigned",
            "order.departed",
            "order.arrived",
            "order.work_order_confirmed",
            "order.started",
            "order.finished",
            "order.confirmed",
        ):
            assert expected in types
        assert [e.seq for e in state.events] == sorted({e.seq for e in state.events})

        await state.load_me()
        assert state.route == "/me" and state.orders[0].id == oid
        assert state.membership is not None and state.points is not None
        state.form["invoice_title"] = "北京某某科技有限公司"
        assert await state.submit_invoice(oid), state.error
        assert (
            state.invoices[0].order_id == oid
            and state.invoices[0].title == "北京某某科技有限公司"
            and state.invoices[0].file_id is None  # the PDF follows the reply
        )
        assert await asyncio.to_thread(server.file_documents) == 2  # work order and invoice
        await wait_for(lambda: state.invoices[0].file_id is not None)
        assert await state.photo(state.invoices[0].file_id)  # downloadable
    finally:
        await tclient.aclose()


@pytest.mark.parametrize(("hours_before", "fee_bp"), [(30, 0), (10, 1000), (1, 3000)])
async def test_cancel_shows_the_fee_of_each_band_before_confirming(
    state: CustomerState, server: LiveServer, clock: FrozenClock, hours_before: int, fee_bp: int
) -> None:
    await signed_in(state, server)
    start = (clock.now() + timedelta(hours=48)).replace(minute=0, second=0, microsecond=0)
    order = await book(state, "svc_daily_cleaning", start=start)
    clock.set(start - timedelta(hours=hours_before))
    quote = await state.load_cancel_quote()
    assert quote is not None, state.error
    assert quote.fee == order.total * fee_bp // 10000
    assert quote.fee + quote.refund == order.total
    assert await state.cancel("计划有变"), state.error
    assert state.order.status == "CANCELLED"
    assert "order.cancelled" in [e.type for e in state.events]


async def test_cancel_refuses_a_fee_the_customer_was_not_shown(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    await signed_in(state, server)
    start = (clock.now() + timedelta(hours=48)).replace(minute=0, second=0, microsecond=0)
    await book(state, "svc_daily_cleaning", start=start)
    quote = await state.load_cancel_quote()
    assert quote.fee == 0
    clock.set(start - timedelta(hours=1))  # the band changed after the fee was shown
    assert not await state.cancel()
    assert state.last_error_code == "cancellation_fee_changed"
    assert state.order.status == "PENDING_DISPATCH"


async def test_complaint_freezes_the_money(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_daily_cleaning")
    oid = order.id
    tech = server.register("technician", "赵师傅")
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    for step, body in (("depart", {}), ("arrive", {"lat": HOME.lat, "lng": HOME.lng})):
        r = server.call("POST", f"/orders/{oid}/{step}", tech, json=body)
        assert r.status_code == 200, r.text
    await state.refresh_order()
    assert await state.sign_work_order()
    r = server.call("POST", f"/orders/{oid}/start", tech, json={})
    assert r.status_code == 200, r.text
    for step in r.json()["sop"]:
        body = {}
        if step["photo"]:
            up = server.call(
                "POST",
                "/files",
                tech,
                files={"file": ("a.png", PNG, "image/png")},
                data={"kind": "photo", "order_id": oid},
            )
            body["photo_file_id"] = up.json()["id"]
        assert (
            server.call("POST", f"/orders/{oid}/sop/{step['no']}/done", tech, json=body).status_code
            == 200
        )
    assert server.call("POST", f"/orders/{oid}/finish", tech, json={}).status_code == 200
    await state.refresh_order()
    assert state.order.status == "AWAITING_CONFIRMATION"
    state.form.update(complaint_category="quality", complaint_text="厨房没有擦")
    assert await state.submit_complaint_form(), state.error
    assert state.complaint.category == "quality"
    escrow = server.call(
        "GET", f"/orders/{oid}/escrow", {"access_token": state.client.session.access_token}
    )
    assert escrow.status_code == 200 and escrow.json()["frozen"] is True
    assert state.order.status == "DISPUTED"


async def test_claimed_coupon_lowers_the_quote(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    operator = server.staff("operator")
    r = server.call(
        "POST",
        "/ops/coupon-campaigns",
        operator,
        json={
            "code": "CLEAN30",
            "name": "保洁立减30元",
            "kind": "fixed",
            "amount": 3000,
            "valid_from": clock.now().isoformat(),
            "valid_until": (clock.now() + timedelta(days=30)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    await signed_in(state, server)
    state.form["coupon_code"] = "CLEAN30"
    assert await state.claim_coupon(), state.error
    clean30 = next(c for c in state.coupons if c.amount == 3000)
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    state.choose_slot(next(s for s in state.slots if s.available))
    best = await state.request_quote()  # no pick: the welcome ¥50 beats the ¥30
    assert best is not None and state.applied_coupon() not in (None, clean30.id)
    state.update_draft(coupon_auto=False)  # "no coupon"
    plain = await state.request_quote()
    assert plain is not None and state.applied_coupon() is None
    state.update_draft(coupon_id=clean30.id)
    with_coupon = await state.request_quote()
    assert with_coupon is not None, state.error
    assert with_coupon.total == plain.total - 3000 and best.total == plain.total - 5000
    assert any(line.amount == -3000 for line in with_coupon.lines)


async def test_chat_with_the_technician_and_support(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_daily_cleaning")
    oid = order.id
    tech = server.register("technician", "孙师傅")
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    await wait_for(lambda: state.order.status == "ACCEPTED")
    state.form["chat-text"] = "您好，小区东门进"
    assert await state.submit_chat(), state.error
    seen = server.call("GET", f"/orders/{oid}/messages", tech).json()
    assert [m["text"] for m in seen] == ["您好，小区东门进"]
    r = server.call("POST", f"/orders/{oid}/messages", tech, json={"text": "好的，十分钟到"})
    assert r.status_code == 201, r.text
    await wait_for(lambda: any(m.text == "好的，十分钟到" for m in state.messages))  # pushed
    await state.open_support()
    assert state.route == "/support"
    state.form["support-text"] = "想改预约时间"
    assert await state.submit_support(), state.error
    assert state.support_messages[-1].text == "想改预约时间"


async def test_the_page_catches_up_after_the_feed_drops(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_daily_cleaning")
    oid = order.id
    await wait_for(lambda: state.feed_state == "live")
    tech = server.register("technician", "周师傅")
    await state._feed.drop()  # the network goes away for a moment
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    assert server.call("POST", f"/orders/{oid}/depart", tech, json={}).status_code == 200
    await wait_for(lambda: "order.departed" in [e.type for e in state.events])
    await wait_for(lambda: state.order.status == "EN_ROUTE")
    types = [e.type for e in state.events]
    assert types.index("order.assigned") < types.index("order.departed")
    assert len(types) == len(set(e.seq for e in state.events))
    assert state._feed.connects >= 2 and state.feed_state == "live"


async def test_change_request_approved_then_paid(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_window_cleaning")
    oid = order.id
    tech = server.register("technician", "钱师傅")
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    for step, body in (("depart", {}), ("arrive", {"lat": HOME.lat, "lng": HOME.lng})):
        assert server.call("POST", f"/orders/{oid}/{step}", tech, json=body).status_code == 200
    await wait_for(lambda: state.order.status == "ARRIVED")
    assert await state.sign_work_order()
    assert server.call("POST", f"/orders/{oid}/start", tech, json={}).status_code == 200
    photo = server.call(
        "POST",
        "/files",
        tech,
        files={"file": ("a.png", PNG, "image/png")},
        data={"kind": "photo", "order_id": oid},
    ).json()["id"]
    r = server.call(
        "POST",
        f"/orders/{oid}/change-requests",
        tech,
        json={
            "items": [
                {
                    "code": "large_pane",
                    "quantity": 2,
                    "reason": "客厅两扇落地窗",
                    "photo_file_id": photo,
                }
            ]
        },
    )
    assert r.status_code == 201, r.text
    await wait_for(lambda: bool(state.change_requests))
    cr = state.change_requests[0]
    assert cr.total == 2 * 4000 and cr.items[0].reason == "客厅两扇落地窗"
    assert cr.status == "awaiting_customer"  # the order page offers approve / reject
    assert await state.decide_change_request(cr.id, approve=True), state.error
    assert state.order.extras_total == 8000
    assert state.amount_to_pay() == 8000
    assert await state.approve_sandbox_payment(), state.error
    assert state.amount_to_pay() == 0


def test_slots_and_eta_helpers() -> None:
    start = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)
    slot = Slot(start=start, end=start + timedelta(hours=2), available=True)
    assert slot.label() == "10:00-12:00" and slot.key == "1000"
    assert geo.haversine_m(39.9334, 116.4540, 39.9442, 116.4540) == pytest.approx(1200, abs=10)
    assert estimate_eta_minutes(1.2) == 5
    assert money(12345) == "¥123.45" and money(-5) == "-¥0.05"


async def test_slots_come_from_the_server_with_their_capacity(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    assert state.slots_from_server and state.slots
    # the one cleaner near home: every bookable slot is open with one technician
    assert all(s.end - s.start == timedelta(hours=2) for s in state.slots)
    bookable = [s for s in state.slots if s.available]
    assert bookable and all(s.remaining == 1 and s.start >= state.now() for s in bookable)
    state.choose_slot(bookable[0])
    # four hours: the slots are counted again, for longer visits
    await state.set_units(4)
    assert state.draft.units == 4
    assert all(s.end - s.start == timedelta(hours=4) for s in state.slots)
    # 40 km north nobody works: every slot is full, and the chosen one is dropped
    far = Address(text="远处", lat=HOME.lat + 0.36, lng=HOME.lng, district="", label="远")
    await state.set_address(far)
    assert state.slots and not any(s.available for s in state.slots)
    assert {s.remaining for s in state.slots} <= {0, None} and state.draft.slot_start is None


def test_server_slot_statuses_are_read() -> None:
    base = {"start": "2026-06-02T02:00:00Z", "end": "2026-06-02T04:00:00Z"}
    open_ = parse_slot(SlotRead.model_validate({**base, "available": 3, "status": "open"}))
    full = parse_slot(SlotRead.model_validate({**base, "available": 0, "status": "full"}))
    past = parse_slot(SlotRead.model_validate({**base, "available": 0, "status": "past"}))
    assert open_.available and open_.remaining == 3
    assert not full.available and full.remaining == 0
    assert not past.available and past.remaining is None


async def test_late_in_the_day_booking_opens_on_tomorrow(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    await signed_in(state, server)
    clock.advance(hours=7, minutes=30)  # 17:30 Beijing: the last 2-hour visit (18:00) is too soon
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    today = clock.now().astimezone(CITY_TZ).date()
    assert state.draft is not None and state.draft.day == today + timedelta(days=1)
    assert state.slots_from_server and any(s.available for s in state.slots)


async def test_late_in_the_day_an_address_typed_after_opening_the_form_moves_to_tomorrow(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    """A new user has no saved place: the real slots arrive only once the address is typed."""
    await sign_up(state, server, "新用户")
    clock.advance(hours=7, minutes=30)  # 17:30 Beijing: every visit of today is too soon
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    today = clock.now().astimezone(CITY_TZ).date()
    assert state.draft is not None and state.draft.address is None
    state.form["addr_query"] = "三里屯SOHO"
    await state.search_places()
    state.pick_place(state.place_hits[0])
    state.form.update(addr_detail="5号楼1902", addr_label="家")
    assert await state.submit_address()
    assert state.draft.day == today + timedelta(days=1)
    assert state.slots_from_server and any(s.available for s in state.slots)


def _controls(root: object) -> list[object]:
    """Every control under ``root`` (a screen's tree, as built, no page needed)."""
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        out.append(node)
        for attr in ("controls", "content", "appbar"):
            child = getattr(node, attr, None)
            if isinstance(child, list):
                todo.extend(child)
            elif child is not None and not isinstance(child, str):
                todo.append(child)
    return out


def _keys(view: object) -> set[str]:
    return {c.identifier for c in _controls(view) if isinstance(c, ft.Semantics) and c.identifier}


def customer_read(status: str) -> OrderRead:
    """An order as the server reads it to its customer, for a screen built without a
    server: what the customer may do and the status's groups from the server's machine."""
    now = Status(status)
    when = "2026-06-02T02:00:00Z"
    return OrderRead.model_validate(
        {
            "id": "ord_test",
            "status": status,
            "version": 1,
            "last_seq": 1,
            "customer_id": "usr_c",
            "technician_id": "usr_t",
            "offered_technician_id": None,
            "service_id": "svc_daily_cleaning",
            "service_name_zh": "日常保洁",
            "service_name_en": "Daily cleaning",
            "scheduled_start": when,
            "scheduled_end": "2026-06-02T04:00:00Z",
            "address": DEMO_ADDRESS["text"],
            "address_visible": True,
            "lat": None,
            "lng": None,
            "district": DEMO_ADDRESS["district"],
            "notes": "",
            "currency": "CNY",
            "total": 12000,
            "extras_total": 0,
            "order_value": 12000,
            "amount_due": 0,
            "price_snapshot": {},
            "work_order_confirmed_at": None,
            "work_order_file_id": None,
            "anomaly": None,
            "sop": [],
            "allowed_actions": [
                a.value for a in machine.allowed_actions_for(now, ActorKind.CUSTOMER)
            ],
            "status_groups": machine.status_groups(now),
            "created_at": when,
            "updated_at": when,
            **dict.fromkeys(
                ("accepted_at", "arrived_at", "started_at", "finished_at", "completed_at"), None
            ),
            "cancelled_at": None,
            "cancel_reason": None,
        }
    )


def test_the_order_page_offers_what_the_server_allows_not_what_the_status_suggests(
    tmp_path: Path,
) -> None:
    from customer_app.views.order import order_view

    state = CustomerState(
        DoorstepClient("http://127.0.0.1:9"), store=LocalStore(tmp_path / "app.json")
    )
    state.order = customer_read("AWAITING_CONFIRMATION")
    keys = _keys(order_view(state))
    assert {"confirm-completion", "open-complaint"} <= keys and "cancel-order" not in keys
    # the same status, but the server offers no confirmation now: no button for it
    state.order = state.order.model_copy(update={"allowed_actions": ["dispute"]})
    keys = _keys(order_view(state))
    assert "confirm-completion" not in keys and "open-complaint" in keys
    # and a move it does offer has its button, whatever the status
    state.order = state.order.model_copy(update={"allowed_actions": ["cancel"]})
    keys = _keys(order_view(state))
    assert "cancel-order" in keys and "open-complaint" not in keys

    # sections follow the phase the server puts the order in
    state.order = customer_read("EN_ROUTE")
    keys = _keys(order_view(state))
    assert {"sign-work-order", "eta", "cancel-order"} <= keys
    assert "confirm-completion" not in keys
    state.order = state.order.model_copy(update={"status_groups": ["assigned"]})
    keys = _keys(order_view(state))
    assert "sign-work-order" not in keys and "eta" not in keys


async def window_cleaning_in_service(
    state: CustomerState, server: LiveServer, technician: str
) -> tuple[str, dict]:
    """A window cleaning booked by the app, its technician at work (work order signed)."""
    await signed_in(state, server)
    oid = (await book(state, "svc_window_cleaning")).id
    tech = server.register("technician", technician)
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    for step, body in (("depart", {}), ("arrive", {"lat": HOME.lat, "lng": HOME.lng})):
        assert server.call("POST", f"/orders/{oid}/{step}", tech, json=body).status_code == 200
    await wait_for(lambda: state.order.status == "ARRIVED")
    assert await state.sign_work_order()
    assert server.call("POST", f"/orders/{oid}/start", tech, json={}).status_code == 200
    return oid, tech


async def test_change_request_answered_item_by_item_with_photo_and_reason(
    state: CustomerState, server: LiveServer
) -> None:
    from customer_app.views.order import order_view

    oid, tech = await window_cleaning_in_service(state, server, "孙师傅")
    pane_photo, sticker_photo = PNG + b"pane", PNG + b"sticker"
    ids = []
    for data in (pane_photo, sticker_photo):
        r = server.call(
            "POST",
            "/files",
            tech,
            files={"file": ("a.png", data, "image/png")},
            data={"kind": "photo", "order_id": oid},
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    items = [
        {"code": "large_pane", "quantity": 2, "reason": "客厅两扇落地窗", "photo_file_id": ids[0]},
        {
            "code": "sticker_removal",
            "quantity": 1,
            "reason": "玻璃上贴纸很多",
            "photo_file_id": ids[1],
        },
    ]
    r = server.call("POST", f"/orders/{oid}/change-requests", tech, json={"items": items})
    assert r.status_code == 201, r.text
    await wait_for(lambda: len(state.pending_change_items()) == 2)
    (pane_cr, pane), (sticker_cr, sticker) = state.pending_change_items()
    # the customer sees what each item is, why, and the technician's photo of it
    assert (pane.reason, sticker.reason) == ("客厅两扇落地窗", "玻璃上贴纸很多")
    await wait_for(lambda: ids[0] in state.photos and ids[1] in state.photos)
    assert state.photos[ids[0]] == pane_photo and state.photos[ids[1]] == sticker_photo
    keys = _keys(order_view(state))
    for item in (pane, sticker):
        for part in ("photo", "reason", "approve", "reject"):
            assert f"cr-{part}-{item.id}" in keys
    texts = [c.value for c in _controls(order_view(state)) if isinstance(c, ft.Text)]
    assert "原因：客厅两扇落地窗" in texts and "原因：玻璃上贴纸很多" in texts
    images = [c for c in _controls(order_view(state)) if isinstance(c, ft.Image)]
    assert {bytes(c.src) for c in images} >= {pane_photo, sticker_photo}

    # one yes, one no: only the approved item is added to the bill
    assert await state.decide_change_item(pane_cr, pane.id, True), state.error
    assert [i.id for _, i in state.pending_change_items()] == [sticker.id]
    assert state.order.extras_total == pane.amount == 2 * 4000
    keys = _keys(order_view(state))
    assert f"cr-approve-{pane.id}" not in keys and f"cr-approve-{sticker.id}" in keys
    assert await state.decide_change_item(sticker_cr, sticker.id, False), state.error
    assert state.pending_change_items() == []
    assert state.order.extras_total == 8000
    (cr,) = server.call("GET", f"/orders/{oid}/change-requests", tech).json()
    assert cr["status"] == "answered" and cr["approved_total"] == 8000
    assert {i["id"]: i["status"] for i in cr["items"]} == {
        pane.id: "approved",
        sticker.id: "rejected",
    }
    types = [e.type for e in state.events]
    assert "order.change_approved" in types and "order.change_rejected" in types


async def test_client_sends_the_item_ids_the_server_asks_for(
    state: CustomerState, server: LiveServer
) -> None:
    """``approve_change_request`` / ``reject_change_request`` take the items to answer."""
    oid, tech = await window_cleaning_in_service(state, server, "周师傅")
    photo = server.call(
        "POST",
        "/files",
        tech,
        files={"file": ("a.png", PNG, "image/png")},
        data={"kind": "photo", "order_id": oid},
    ).json()["id"]
    items = [
        {"code": "large_pane", "quantity": 1, "reason": "落地窗", "photo_file_id": photo},
        {"code": "sticker_removal", "quantity": 1, "reason": "贴纸", "photo_file_id": photo},
    ]
    cr = server.call("POST", f"/orders/{oid}/change-requests", tech, json={"items": items}).json()
    first, second = (i["id"] for i in cr["items"])
    answered = await state.client.reject_change_request(oid, cr["id"], item_ids=[second])
    assert {i.id: i.status for i in answered.items} == {first: "pending", second: "rejected"}
    answered = await state.client.approve_change_request(oid, cr["id"], item_ids=[first])
    assert answered.status == "answered" and answered.approved_total == 4000


class _GivingUpFeed:
    """A feed whose first run gives up (the session could not be refreshed)."""

    made: list[_GivingUpFeed] = []

    def __init__(self, api: DoorstepClient, *, on_message) -> None:  # noqa: ANN001
        self.state = FeedState(cursor=7, seqs={"ord_x": 3})
        self.connected = asyncio.Event()
        self.stopped = False
        self.made.append(self)

    async def run(self) -> None:
        if len(self.made) == 1:
            raise ApiError(503, "unavailable")
        self.connected.set()
        while not self.stopped:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.stopped = True


async def test_a_feed_that_gives_up_is_started_again_from_where_it_was() -> None:
    _GivingUpFeed.made = []
    client = DoorstepClient("http://127.0.0.1:9")
    client.session.access_token = "token"
    st = CustomerState(client, feed_factory=_GivingUpFeed)
    st.user = UserRead(
        id="usr_1",
        role="customer",
        name="测试",
        phone="13900000000",
        status="active",
        created_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    st.feed_restart_delay = 0.01
    try:
        st.start_feed()
        await wait_for(lambda: len(_GivingUpFeed.made) == 2, timeout=5)
        first, second = _GivingUpFeed.made
        assert second.state is first.state  # resumes from the old position: nothing lost
        assert st._feed is second and st.feed_restarts == 1
        await wait_for(lambda: st.feed_state == "live", timeout=5)
    finally:
        await st.stop_tracking()
        await client.aclose()
    assert second.stopped and st.feed_state == "idle"


async def test_use_my_location_names_the_place_or_says_why_not(
    state: CustomerState, server: LiveServer
) -> None:
    from client.position import LocationUnavailable

    await signed_in(state, server)
    answers: list[object] = [
        LocationUnavailable("location_denied"),
        (39.9299, 116.4503),
        (31.2304, 121.4737),
    ]

    async def locate() -> tuple[float, float]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    state.locate = locate
    await state.use_my_location()
    assert state.notice == "location_denied" and state.picked_place is None
    await state.use_my_location()  # at Sanlitun SOHO: the server names it, the point stays
    assert state.picked_place is not None and state.picked_place.name == "三里屯SOHO"
    assert (state.picked_place.lat, state.picked_place.lng) == (39.9299, 116.4503)
    await state.use_my_location()  # nowhere the gazetteer knows: still usable, as "my location"
    assert state.picked_place.name == "当前位置"
    state.form["addr_detail"] = "2号楼"
    assert await state.submit_address()
    assert state.addresses()[0].lat == 31.2304
