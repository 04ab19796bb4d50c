"""Browse → book → pay → track → sign → confirm → review, cancel in each fee band,
complaints, coupons, chat and change requests, through the customer app's state."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from client.api import DoorstepClient
from customer_app.state import (
    CustomerState,
    LocalStore,
)
from server.core.clock import FrozenClock
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import HOME, PNG, book, feed_factory, signed_in, wait_for


async def test_browse_search_filters_and_recommendations(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    tops = [c.name_zh for c in state.catalog.categories]
    assert "保洁" in tops and len(state.all_services()) > 20
    # a newcomer on a new platform: best sellers (and the season's picks), each with its reason
    picks = [p for group in state.catalog.recommendations.values() for p in group]
    assert state.catalog.recommendations["popular"] and all(p.reason_zh for p in picks)
    await state.search("擦玻璃")
    assert "svc_window_cleaning" in [s.id for s in state.catalog.results]
    await state.set_filter("duration", "long")
    assert all(s.id != "svc_window_cleaning" for s in state.catalog.results)  # 4 panes x 15 min
    await state.set_filter("duration", "short")
    assert "svc_window_cleaning" in [s.id for s in state.catalog.results]

    await state.open_service("svc_window_cleaning")
    assert state.session.route == "/service/svc_window_cleaning"
    assert state.catalog.service.sop and state.catalog.service.addons
    # signing in from the booking button comes back to booking
    await state.begin_booking("svc_window_cleaning")
    assert state.session.route == "/login"
    state.session.form.update(
        auth_mode="register",
        phone=server.next_phone(),
        password="correct horse",
        name="王先生",
        consent=True,
    )
    # the code is texted, filled in from the sandbox's reply and sent back in one go
    assert await state.submit_auth(), state.session.error
    assert state.session.route == "/book/svc_window_cleaning"
    assert state.booking.draft is not None and state.booking.draft.units == 4


async def test_sign_up_waits_for_the_code_the_customer_types_from_the_text_message(
    state: CustomerState, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SMS gateway hands nothing back: the form asks for the code, and the one the
    phone received signs the customer up."""
    sms = server.app.state.sms
    monkeypatch.setattr(sms, "name", "gateway")  # no code in the reply, as from a real one
    phone = server.next_phone()
    state.session.form.update(
        auth_mode="register", phone=phone, password="correct horse", name="韩女士", consent=True
    )
    assert not await state.submit_auth()
    assert state.session.form["code_sent_to"] == phone and state.session.form["code"] == ""
    assert "验证码已发送" in (state.session.notice or "") and phone[-4:] in state.session.notice
    state.session.form["code"] = "000000" if "000000" not in sms.outbox[-1].text else "111111"
    assert not await state.submit_auth() and state.session.last_error_code == "code_invalid"
    state.session.form["code"] = re.search(r"\d{6}", sms.outbox[-1].text).group()
    assert await state.submit_auth(), state.session.error
    assert state.session.user.name == "韩女士"


async def test_an_address_is_found_by_name_and_kept_on_the_server(
    state: CustomerState, server: LiveServer, tmp_path: Path
) -> None:
    """No coordinates typed: search, pick a suggestion, type the door; the place follows
    the customer to a new device."""
    await signed_in(state, server)
    assert not await state.submit_address() and state.session.notice == "pick_a_place"
    state.session.form["addr_query"] = "zhongguancun"  # pinyin finds it too
    await state.search_places()
    assert state.booking.place_hits and state.booking.place_hits[0].name == "中关村"
    state.session.form["addr_query"] = "没有这个地方"
    await state.search_places()
    assert state.booking.place_hits == [] and state.session.notice == "no_places"
    state.session.form["addr_query"] = "海龙大厦"
    await state.search_places()
    state.pick_place(state.booking.place_hits[0])
    state.session.form.update(addr_detail="12层1203", addr_label="公司")
    assert await state.submit_address()
    office = state.addresses()[0]
    assert office.label == "公司" and office.id and office.district == "中关村"
    assert office.to_api()["text"].endswith("海龙大厦 12层1203")
    assert abs(office.lat - 39.9824) < 1e-6 and state.booking.picked_place is None
    # a new device: the app storage is empty, the server still has it
    fresh = CustomerState(
        state.client,
        store=LocalStore(tmp_path / "other.json"),
        now=state.now,
        feed_factory=feed_factory(),
    )
    fresh.session.user = state.session.user
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
        state.session.form["addr_query"] = "三里屯SOHO"
        await asyncio.gather(state.suggest_places(), state.suggest_places())  # two keystrokes
        hit = state.booking.place_hits[0]
        assert hit.name == "三里屯SOHO"
        await state.choose_place(hit)
        assert state.booking.draft.address and state.booking.slots_from_server
        state.session.form["addr_detail"] = "5号楼1902"
        state.choose_slot(next(s for s in state.booking.slots if s.available))
        await wait_for(lambda: state.booking.quote is not None)
        assert state.applied_coupon() == state.me.coupons[0].id  # the welcome coupon
        first = state.booking.quote.total
        state.toggle_addon("screen_wash")
        assert state.booking.quote.total == first and state.price_updating  # kept, marked
        await wait_for(lambda: not state.price_updating)
        assert state.booking.quote.total == first + 4000
        await state.move_pin(hit.lat, hit.lng)  # a tap on the pin itself moves nothing
        assert not state.booking.pin_moved and state.booking.quote is not None
        await state.move_pin(hit.lat + 0.0004, hit.lng)  # the right building
        assert state.booking.pin_moved
        await wait_for(lambda: state.booking.quote is not None)
        state.session.form["addr_detail"] = "5号楼1903"  # corrected after the price was shown
        order = await state.place_order()
        assert order is not None, state.session.error
        assert order.address.endswith("三里屯SOHO 5号楼1903")
        assert abs(order.lat - (hit.lat + 0.0004)) < 1e-6
        kept = state.addresses()[0]
        assert kept.id and kept.detail == "5号楼1903" and state.booking.picked_place is None
    finally:
        await state.stop_tracking()
        await client.aclose()


async def test_quote_lines_explain_the_total(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")
    assert state.booking.slots and not any(
        s.available and s.start < state.now() for s in state.booking.slots
    )
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    state.update_draft(units=6)
    state.toggle_addon("screen_wash")
    quote = await state.request_quote()
    assert quote is not None, state.session.error
    assert sum(line.amount for line in quote.lines) == quote.total
    # the welcome coupon is taken without asking: the best one the customer holds
    assert state.applied_coupon() == state.me.coupons[0].id
    assert quote.total >= 6 * 2500 + 4000 - 5000
    # changing an option marks the shown price as stale until it is asked again
    state.toggle_addon("screen_wash")
    assert state.booking.quote is quote and state.price_updating


async def test_full_visit_browse_book_pay_track_sign_confirm_review(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    await signed_in(state, server)
    await state.start()
    await state.search("擦玻璃")
    order = await book(state, "svc_window_cleaning", notes="门口有狗，请敲门")
    oid = order.id
    assert order.notes == "门口有狗，请敲门"
    assert "order.paid" in [e.type for e in state.visit.events]

    tech = server.register("technician", "李师傅")
    tclient = DoorstepClient(server.base_url)
    tclient.session.access_token = tech["access_token"]
    try:
        server.move(oid, "assign", technician_id=tech["user"]["id"])
        await wait_for(lambda: state.visit.order.status == "ACCEPTED")
        await wait_for(lambda: state.technician_name() == "李师傅")
        assert state.contact_number()

        await tclient.depart(oid)
        await wait_for(lambda: state.visit.order.status == "EN_ROUTE")
        assert state.shows_tracking()
        here = (HOME.lat + 0.0108, HOME.lng)  # 1.2 km north
        await tclient.send_location(
            [{"lat": here[0], "lng": here[1], "occurred_at": clock.now().isoformat()}], order_id=oid
        )
        await wait_for(lambda: state.visit.tracking.distance_km is not None)
        assert state.visit.tracking.distance_km == pytest.approx(1.2, abs=0.1)
        assert state.visit.tracking.eta_minutes >= 1
        assert state.visit.tracking.at == clock.now()  # the point's time (the server sends ``at``)

        await tclient.arrive(oid, lat=HOME.lat, lng=HOME.lng)
        await wait_for(lambda: state.visit.order.status == "ARRIVED")
        assert await state.sign_work_order(), state.session.error
        assert state.visit.order.work_order_confirmed_at

        await tclient.start(oid)
        await wait_for(lambda: state.visit.order.status == "IN_SERVICE")
        for step in state.visit.order.sop:
            photo = None
            if step.photo:
                photo = (
                    await tclient.upload(
                        PNG, filename="p.png", content_type="image/png", order_id=oid
                    )
                ).id
            await tclient.sop_done(oid, step.no, photo_file_id=photo)
        await tclient.finish(oid)
        await wait_for(lambda: state.visit.order.status == "AWAITING_CONFIRMATION")
        assert len(state.completion_photos()) == sum(1 for s in state.visit.order.sop if s.photo)
        await wait_for(lambda: len(state.visit.photos) == len(state.completion_photos()))
        assert await state.confirm_completion(), state.session.error
        assert state.visit.order.status == "COMPLETED"

        state.session.form.update(
            review_response=5,
            review_skill=4,
            review_attitude=5,
            review_care=5,
            review_text="擦得很干净",
        )
        state.attach_photos("review", [("after.png", PNG)])
        assert await state.submit_review_form(), state.session.error
        assert state.visit.reviewed
        # what the customer wrote is shown back to him, also on opening the order again
        assert state.visit.my_review is not None and state.visit.my_review.text == "擦得很干净"
        await state.open_order(oid)
        assert state.visit.reviewed and (
            state.visit.my_review.skill,
            state.visit.my_review.response,
        ) == (4, 5)
        assert (
            state.visit.my_review.text == "擦得很干净"
            and len(state.visit.my_review.photo_file_ids) == 1
        )
        types = [e.type for e in state.visit.events]
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
        assert [e.seq for e in state.visit.events] == sorted({e.seq for e in state.visit.events})

        await state.load_me()
        assert state.session.route == "/me" and state.me.orders[0].id == oid
        assert state.me.membership is not None and state.me.points is not None
        state.session.form["invoice_title"] = "北京某某科技有限公司"
        assert await state.submit_invoice(oid), state.session.error
        assert (
            state.me.invoices[0].order_id == oid
            and state.me.invoices[0].title == "北京某某科技有限公司"
            and state.me.invoices[0].file_id is None  # the PDF follows the reply
        )
        assert await asyncio.to_thread(server.file_documents) == 2  # work order and invoice
        await wait_for(lambda: state.me.invoices[0].file_id is not None)
        assert await state.photo(state.me.invoices[0].file_id)  # downloadable
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
    assert quote is not None, state.session.error
    assert quote.fee == order.total * fee_bp // 10000
    assert quote.fee + quote.refund == order.total
    assert await state.cancel("计划有变"), state.session.error
    assert state.visit.order.status == "CANCELLED"
    assert "order.cancelled" in [e.type for e in state.visit.events]


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
    assert state.session.last_error_code == "cancellation_fee_changed"
    assert state.visit.order.status == "PENDING_DISPATCH"


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
    assert state.visit.order.status == "AWAITING_CONFIRMATION"
    state.session.form.update(complaint_category="quality", complaint_text="厨房没有擦")
    # photos as evidence: picked, one removed again after seeing the thumbnails
    state.attach_photos("complaint", [("kitchen.png", PNG), ("wrong.png", PNG)])
    state.drop_photo("complaint", 1)
    assert [name for name, _ in state.session.form["complaint_photos"]] == ["kitchen.png"]
    assert await state.submit_complaint_form(), state.session.error
    assert state.visit.complaint.category == "quality"
    assert (
        len(state.visit.complaint.photo_file_ids) == 1
        and "complaint_photos" not in state.session.form
    )
    escrow = server.call(
        "GET", f"/orders/{oid}/escrow", {"access_token": state.client.session.access_token}
    )
    assert escrow.status_code == 200 and escrow.json()["frozen"] is True
    assert state.visit.order.status == "DISPUTED"


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
    state.session.form["coupon_code"] = "CLEAN30"
    assert await state.claim_coupon(), state.session.error
    clean30 = next(c for c in state.me.coupons if c.amount == 3000)
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    best = await state.request_quote()  # no pick: the welcome ¥50 beats the ¥30
    assert best is not None and state.applied_coupon() not in (None, clean30.id)
    state.update_draft(coupon_auto=False)  # "no coupon"
    plain = await state.request_quote()
    assert plain is not None and state.applied_coupon() is None
    state.update_draft(coupon_id=clean30.id)
    with_coupon = await state.request_quote()
    assert with_coupon is not None, state.session.error
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
    await wait_for(lambda: state.visit.order.status == "ACCEPTED")
    state.session.form["chat-text"] = "您好，小区东门进"
    assert await state.submit_chat(), state.session.error
    seen = server.call("GET", f"/orders/{oid}/messages", tech).json()
    assert [m["text"] for m in seen] == ["您好，小区东门进"]
    r = server.call("POST", f"/orders/{oid}/messages", tech, json={"text": "好的，十分钟到"})
    assert r.status_code == 201, r.text
    await wait_for(lambda: any(m.text == "好的，十分钟到" for m in state.visit.messages))  # pushed
    await state.open_support()
    assert state.session.route == "/support"
    state.session.form["support-text"] = "想改预约时间"
    assert await state.submit_support(), state.session.error
    assert state.support.support_messages[-1].text == "想改预约时间"


async def test_the_page_catches_up_after_the_feed_drops(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_daily_cleaning")
    oid = order.id
    await wait_for(lambda: state.visit.feed_state == "live")
    tech = server.register("technician", "周师傅")
    await state._feed.drop()  # the network goes away for a moment
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    assert server.call("POST", f"/orders/{oid}/depart", tech, json={}).status_code == 200
    await wait_for(lambda: "order.departed" in [e.type for e in state.visit.events])
    await wait_for(lambda: state.visit.order.status == "EN_ROUTE")
    types = [e.type for e in state.visit.events]
    assert types.index("order.assigned") < types.index("order.departed")
    assert len(types) == len(set(e.seq for e in state.visit.events))
    assert state._feed.connects >= 2 and state.visit.feed_state == "live"


async def test_change_request_approved_then_paid(state: CustomerState, server: LiveServer) -> None:
    await signed_in(state, server)
    order = await book(state, "svc_window_cleaning")
    oid = order.id
    tech = server.register("technician", "钱师傅")
    server.move(oid, "assign", technician_id=tech["user"]["id"])
    for step, body in (("depart", {}), ("arrive", {"lat": HOME.lat, "lng": HOME.lng})):
        assert server.call("POST", f"/orders/{oid}/{step}", tech, json=body).status_code == 200
    await wait_for(lambda: state.visit.order.status == "ARRIVED")
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
    await wait_for(lambda: bool(state.visit.change_requests))
    cr = state.visit.change_requests[0]
    assert cr.total == 2 * 4000 and cr.items[0].reason == "客厅两扇落地窗"
    assert cr.status == "awaiting_customer"  # the order page offers approve / reject
    assert await state.decide_change_request(cr.id, approve=True), state.session.error
    assert state.visit.order.extras_total == 8000
    assert state.amount_to_pay() == 8000
    assert await state.approve_sandbox_payment(), state.session.error
    assert state.amount_to_pay() == 0


async def test_photos_stop_at_what_the_server_takes(state: CustomerState) -> None:
    state.attach_photos("review", [(f"p{i}.png", PNG) for i in range(12)])
    assert len(state.session.form["review_photos"]) == 9
    state.drop_photo("review", 0)
    state.drop_photo("review", 42)  # a stale tap on a thumbnail already gone
    assert [n for n, _ in state.session.form["review_photos"]][:2] == ["p1.png", "p2.png"]
    assert len(state.session.form["review_photos"]) == 8


async def test_a_nameless_sign_up_is_called_user_and_the_phones_tail(
    state: CustomerState, server: LiveServer
) -> None:
    """No name typed: 用户0003 (technicians and reviews never show bare digits)."""
    phone = server.next_phone()
    state.session.form.update(
        auth_mode="register", phone=phone, password="correct horse", consent=True
    )
    assert await state.submit_auth(), state.session.error
    assert state.session.user is not None and state.session.user.name == f"用户{phone[-4:]}"
