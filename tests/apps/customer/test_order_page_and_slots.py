"""The customer app's slots, its order page drawn from what the server allows, answering
change requests item by item, a live feed started again, and "use my location"."""

from __future__ import annotations

import asyncio
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
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.customer.conftest import HOME, PNG, book, sign_up, signed_in, wait_for


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
    assert state.booking.slots_from_server and state.booking.slots
    # the one cleaner near home: every bookable slot is open with one technician
    assert all(s.end - s.start == timedelta(hours=2) for s in state.booking.slots)
    bookable = [s for s in state.booking.slots if s.available]
    assert bookable and all(s.remaining == 1 and s.start >= state.now() for s in bookable)
    state.choose_slot(bookable[0])
    # four hours: the slots are counted again, for longer visits
    await state.set_units(4)
    assert state.booking.draft.units == 4
    assert all(s.end - s.start == timedelta(hours=4) for s in state.booking.slots)
    # 40 km north nobody works: every slot is full, and the chosen one is dropped
    far = Address(text="远处", lat=HOME.lat + 0.36, lng=HOME.lng, district="", label="远")
    await state.set_address(far)
    assert state.booking.slots and not any(s.available for s in state.booking.slots)
    assert {s.remaining for s in state.booking.slots} <= {
        0,
        None,
    } and state.booking.draft.slot_start is None


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
    assert state.booking.draft is not None and state.booking.draft.day == today + timedelta(days=1)
    assert state.booking.slots_from_server and any(s.available for s in state.booking.slots)


async def test_late_in_the_day_an_address_typed_after_opening_the_form_moves_to_tomorrow(
    state: CustomerState, server: LiveServer, clock: FrozenClock
) -> None:
    """A new user has no saved place: the real slots arrive only once the address is typed."""
    await sign_up(state, server, "新用户")
    clock.advance(hours=7, minutes=30)  # 17:30 Beijing: every visit of today is too soon
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    today = clock.now().astimezone(CITY_TZ).date()
    assert state.booking.draft is not None and state.booking.draft.address is None
    state.session.form["addr_query"] = "三里屯SOHO"
    await state.search_places()
    state.pick_place(state.booking.place_hits[0])
    state.session.form.update(addr_detail="5号楼1902", addr_label="家")
    assert await state.submit_address()
    assert state.booking.draft.day == today + timedelta(days=1)
    assert state.booking.slots_from_server and any(s.available for s in state.booking.slots)


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
    state.visit.order = customer_read("AWAITING_CONFIRMATION")
    keys = _keys(order_view(state))
    assert {"confirm-completion", "open-complaint"} <= keys and "cancel-order" not in keys
    # the same status, but the server offers no confirmation now: no button for it
    state.visit.order = state.visit.order.model_copy(update={"allowed_actions": ["dispute"]})
    keys = _keys(order_view(state))
    assert "confirm-completion" not in keys and "open-complaint" in keys
    # and a move it does offer has its button, whatever the status
    state.visit.order = state.visit.order.model_copy(update={"allowed_actions": ["cancel"]})
    keys = _keys(order_view(state))
    assert "cancel-order" in keys and "open-complaint" not in keys

    # sections follow the phase the server puts the order in
    state.visit.order = customer_read("EN_ROUTE")
    keys = _keys(order_view(state))
    assert {"sign-work-order", "eta", "cancel-order"} <= keys
    assert "confirm-completion" not in keys
    state.visit.order = state.visit.order.model_copy(update={"status_groups": ["assigned"]})
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
    await wait_for(lambda: state.visit.order.status == "ARRIVED")
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
    await wait_for(lambda: ids[0] in state.visit.photos and ids[1] in state.visit.photos)
    assert state.visit.photos[ids[0]] == pane_photo and state.visit.photos[ids[1]] == sticker_photo
    keys = _keys(order_view(state))
    for item in (pane, sticker):
        for part in ("photo", "reason", "approve", "reject"):
            assert f"cr-{part}-{item.id}" in keys
    texts = [c.value for c in _controls(order_view(state)) if isinstance(c, ft.Text)]
    assert "原因：客厅两扇落地窗" in texts and "原因：玻璃上贴纸很多" in texts
    images = [c for c in _controls(order_view(state)) if isinstance(c, ft.Image)]
    assert {bytes(c.src) for c in images} >= {pane_photo, sticker_photo}

    # one yes, one no: only the approved item is added to the bill
    assert await state.decide_change_item(pane_cr, pane.id, True), state.session.error
    assert [i.id for _, i in state.pending_change_items()] == [sticker.id]
    assert state.visit.order.extras_total == pane.amount == 2 * 4000
    keys = _keys(order_view(state))
    assert f"cr-approve-{pane.id}" not in keys and f"cr-approve-{sticker.id}" in keys
    assert await state.decide_change_item(sticker_cr, sticker.id, False), state.session.error
    assert state.pending_change_items() == []
    assert state.visit.order.extras_total == 8000
    (cr,) = server.call("GET", f"/orders/{oid}/change-requests", tech).json()
    assert cr["status"] == "answered" and cr["approved_total"] == 8000
    assert {i["id"]: i["status"] for i in cr["items"]} == {
        pane.id: "approved",
        sticker.id: "rejected",
    }
    types = [e.type for e in state.visit.events]
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
    st.session.user = UserRead(
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
        await wait_for(lambda: st.visit.feed_state == "live", timeout=5)
    finally:
        await st.stop_tracking()
        await client.aclose()
    assert second.stopped and st.visit.feed_state == "idle"


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
    assert state.session.notice == "location_denied" and state.booking.picked_place is None
    await state.use_my_location()  # at Sanlitun SOHO: the server names it, the point stays
    assert (
        state.booking.picked_place is not None and state.booking.picked_place.name == "三里屯SOHO"
    )
    assert (state.booking.picked_place.lat, state.booking.picked_place.lng) == (39.9299, 116.4503)
    await state.use_my_location()  # nowhere the gazetteer knows: still usable, as "my location"
    assert state.booking.picked_place.name == "当前位置"
    state.session.form["addr_detail"] = "2号楼"
    assert await state.submit_address()
    assert state.addresses()[0].lat == 31.2304
