"""The technician app's state layer against a real server (no UI): one technician's
whole day — onboarding, verification, jobs with check-in, signature, SOP and finish —
including losing the signal mid-job and coming back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from client import geo
from client.api import DoorstepClient
from client.feed import LiveFeed
from client.models import OrderRead
from server.orders import machine
from server.orders.machine import Action, ActorKind
from server.realtime.models import TechnicianLocation
from technician_app import navigation, signature
from technician_app.offline import PENDING, REJECTED, SYNCED
from technician_app.state import OPTIMISTIC, REFUSAL_TEXTS, TechnicianState, allows, in_group
from tests.apps.conftest import DEMO_ADDRESS, LiveServer, free_port

HOME = (DEMO_ADDRESS["lat"], DEMO_ADDRESS["lng"])
FAR = (HOME[0] + 0.01, HOME[1])  # ~1.1 km north


def png(mark: int = 1) -> bytes:
    return signature.render([[(10, 10), (10 + mark * 20, 40)]], width=64, height=48)


class DeviceClock:
    """The phone's clock; tests move it by hand. It starts three hours behind the server,
    so the minutes a test moves it on stay in the past (the server refuses device times
    more than five minutes ahead of its own)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def device() -> DeviceClock:
    return DeviceClock()


@pytest.fixture
async def tech(live_server: LiveServer, tmp_path: Path, device: DeviceClock):
    state = TechnicianState(live_server.base_url, tmp_path / "phone", now=device, use_feed=False)
    yield state
    await state.close()


def go_offline(state: TechnicianState) -> None:
    state.use_transport(None, server_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there


def go_online(state: TechnicianState, live: LiveServer) -> None:
    state.use_transport(None, server_url=live.base_url)


async def onboard(state: TechnicianState, live: LiveServer) -> None:
    phone = live.next_phone()
    code = await state.send_code(phone)
    assert code  # the sandbox hands it back: filled in, no message to wait for
    assert await state.register(phone=phone, password="correct horse", name="王师傅", code=code)
    assert state.verification == "pending" and not state.verified
    assert await state.save_profile(skills=["cleaning"], bio="十年保洁经验", experience_years=10)
    assert await state.save_service_area(center=HOME, radius_km=10, max_distance_km=8)
    assert await state.save_availability(
        weekly={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    assert await state.upload_certificate(
        cert_type="health",
        data=png(),
        number="HC-001",
        filename="health.png",
        content_type="image/png",
    )
    assert [c.type for c in state.certificates] == ["health"]
    await state.load_profile()
    assert state.verification == "pending"  # waiting for an operator

    operator = live.staff("operator")
    r = live.call(
        "POST",
        f"/ops/technicians/{state.user.id}/verify",
        operator,
        json={"decision": "approve", "note": "证件齐全"},
    )
    assert r.status_code == 200, r.text
    await state.refresh()
    assert state.verified


async def do_job(state: TechnicianState, order_id: str, device: DeviceClock) -> None:
    """Depart, arrive, signature, start, every SOP step, finish."""
    state.set_location(*FAR)
    assert (await state.depart(order_id)).status == SYNCED
    device.tick(20)
    assert (await state.arrive(order_id)).status == SYNCED
    assert (await state.sign_work_order(order_id, png(2))).status == SYNCED
    assert (await state.start(order_id)).status == SYNCED
    for step in state.order(order_id).sop:
        device.tick(10)
        photo = png(step.no) if step.photo else None
        assert (await state.sop_done(order_id, step.no, photo=photo)).status == SYNCED
    assert (await state.finish(order_id)).status == SYNCED


async def test_whole_day_including_offline(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    assert tech.working
    customer = live_server.register("customer", name="李女士")

    # --- job 1, online; the geofence refuses a check-in 1 km away, with the distance ---
    first = live_server.assign(customer, tech.user.id, hours_ahead=2)
    await tech.refresh()
    assert [o.id for o in tech.active_orders()] == [first["id"]]
    assert tech.order(first["id"]).address_visible
    tech.set_location(*FAR)
    row = tech.schedule()[0]
    assert row["seq"] == 1 and row["travel_minutes"] == navigation.eta_minutes(
        geo.haversine_m(*FAR, *HOME)
    )
    assert (await tech.depart(first["id"])).status == SYNCED
    refused = await tech.arrive(first["id"])
    assert refused.status == REJECTED and refused.error_code == "outside_geofence"
    assert "米内签到" in tech.notices[-1].text and "1.1 公里" in tech.notices[-1].text
    assert tech.rejections == []  # refused while looking: shown, not left on the banner
    assert tech.order(first["id"]).status == "EN_ROUTE"  # reloaded from the server
    tech.set_location(*HOME)
    assert (await tech.arrive(first["id"])).status == SYNCED
    start_refused = await tech.start(first["id"])  # no signed work order yet
    assert start_refused.error_code == "work_order_not_confirmed"
    assert (await tech.sign_work_order(first["id"], png(3))).status == SYNCED
    assert tech.order(first["id"]).work_order_confirmed_at
    assert live_server.file_documents() == 1  # the PDF follows the signing
    filed = live_server.call("GET", f"/orders/{first['id']}", customer).json()["work_order_file_id"]
    await tech._on_feed_message(
        {"type": "document", "kind": "work_order", "order_id": first["id"], "file_id": filed}
    )
    assert tech.order(first["id"]).work_order_file_id == filed
    assert (await tech.start(first["id"])).status == SYNCED
    steps = tech.order(first["id"]).sop
    assert await tech.sop_done(first["id"], steps[0].no) is None  # photo step without a photo
    assert tech.notices[-1].code == "sop_photo_required"
    for step in steps:
        photo = png(step.no) if step.photo else None
        assert (await tech.sop_done(first["id"], step.no, photo=photo)).status == SYNCED
    assert all(s.done_at for s in tech.order(first["id"]).sop)
    assert (await tech.finish(first["id"])).status == SYNCED
    assert tech.order(first["id"]).status == "AWAITING_CONFIRMATION"

    # --- job 2: the signal drops after departure; everything else is done offline ---
    second = live_server.assign(customer, tech.user.id, hours_ahead=5)
    await tech.refresh()
    tech.set_location(*FAR)
    assert (await tech.depart(second["id"])).status == SYNCED
    go_offline(tech)
    tech.set_location(*HOME)
    device.tick(25)
    arrived_at = device.now
    assert (await tech.arrive(second["id"])).status == PENDING
    assert not tech.connected
    assert tech.notices[-1].code == "pending_sync"
    # the screen offers the next move because the local copy now allows it, as the
    # server's read will once the check-in is replayed
    offline = tech.order(second["id"])
    assert isinstance(offline, OrderRead)  # a read as the server sends it, foreseen here
    assert OrderRead.model_validate(offline.model_dump(mode="json")) == offline
    assert allows(offline, "start") and not allows(offline, "arrive")
    assert in_group(offline, "on_site") and not in_group(offline, "tracking")
    assert (await tech.sign_work_order(second["id"], png(4))).status == PENDING
    assert (await tech.start(second["id"])).status == PENDING
    assert allows(tech.order(second["id"]), "finish")
    assert in_group(tech.order(second["id"]), "working")
    for step in tech.order(second["id"]).sop:
        device.tick(10)
        assert (
            await tech.sop_done(second["id"], step.no, photo=png() if step.photo else None)
        ).status == PENDING
    assert (await tech.finish(second["id"])).status == PENDING
    queued = tech.pending_actions
    assert [a.kind for a in queued][:3] == ["arrive", "sign_work_order", "start"]
    assert len(queued) == 3 + len(tech.order(second["id"]).sop) + 1
    assert tech.order(second["id"]).status == "AWAITING_CONFIRMATION"  # shown locally, pending sync

    # the app restarts while still offline: the queue and the orders survive on disk
    data_dir, now = tech.data_dir, tech._now
    await tech.close()
    tech2 = TechnicianState(live_server.base_url, data_dir, now=now, use_feed=False)
    try:
        assert [a.idempotency_key for a in tech2.pending_actions] == [
            a.idempotency_key for a in queued
        ]
        assert tech2.order(second["id"]).status == "AWAITING_CONFIRMATION"
        await tech2.sync()  # signal is back
        assert tech2.connected and tech2.pending_actions == [] and tech2.rejections == []
        server_order = live_server.call("GET", f"/orders/{second['id']}", customer).json()
        assert server_order["status"] == "AWAITING_CONFIRMATION"
        assert all(s["done_at"] for s in server_order["sop"])
        events = live_server.call("GET", f"/orders/{second['id']}/events", customer).json()
        arrive_event = next(e for e in events if e["type"] == "order.arrived")
        assert (
            datetime.fromisoformat(arrive_event["occurred_at"]).replace(tzinfo=UTC) == arrived_at
        )  # device time

        # a replay after a lost reply is harmless (same idempotency key, same answer)
        replayed = tech2.queue.all()[-1]
        again = await tech2._perform(replayed)
        assert again.status == "AWAITING_CONFIRMATION"

        # --- job 3: offline departure; the customer cancels meanwhile -> rejection shown ---
        third = live_server.assign(customer, tech2.user.id, hours_ahead=8)
        await tech2.refresh()
        go_offline(tech2)
        assert (await tech2.depart(third["id"])).status == PENDING
        r = live_server.call(
            "POST", f"/orders/{third['id']}/cancel", customer, json={"reason": "计划有变"}
        )
        assert r.status_code == 200, r.text
        go_online(tech2, live_server)
        await tech2.sync()
        rejected = tech2.rejections
        assert [(a.kind, a.order_id) for a in rejected] == [("depart", third["id"])]
        assert rejected[0].error_code in ("illegal_transition", "conflict")
        assert tech2.notices[-1].text.startswith("同步被拒绝")
        assert tech2.order(third["id"]).status == "CANCELLED"
        tech2.acknowledge(rejected[0].id)
        assert tech2.rejections == []
        log = [(a.kind, a.order_id) for a in tech2.queue.rejected(include_acknowledged=True)]
        assert log == [
            ("arrive", first["id"]),
            ("start", first["id"]),
            ("depart", third["id"]),
        ]  # kept in the log
        assert third["id"] not in [o.id for o in tech2.active_orders()]
    finally:
        await tech2.close()


def test_offline_moves_foresee_the_order_read_the_server_will_send() -> None:
    """A move queued without signal changes the local order as the server's read will:
    its status, the technician's next moves and the status's groups, from the server's
    own machine. Every move of the technician's that keeps the order is foreseen."""
    technician_moves = {
        action.value
        for (_source, action), transition in machine.TRANSITIONS.items()
        if ActorKind.TECHNICIAN in transition.actors
    }
    # a transfer gives the order away and a declined offer never was ours: no local copy
    assert set(OPTIMISTIC) == technician_moves - {"transfer", "decline"}
    for kind, after in OPTIMISTIC.items():
        (to,) = {t.to for (_s, a), t in machine.TRANSITIONS.items() if a == Action(kind)}
        assert after["status"] == to.value, kind
        assert list(after["allowed_actions"]) == [
            a.value for a in machine.allowed_actions_for(to, ActorKind.TECHNICIAN)
        ], kind
        assert list(after["status_groups"]) == machine.status_groups(to), kind


async def test_offers_from_dispatch_decline_accept_and_pool_claim(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    customer = live_server.register("customer", name="李女士")

    # an offer as dispatch makes it: listed by GET /technician/offers, keyed by offer id
    first = live_server.offer(customer, tech.user.id, hours_ahead=2)
    await tech.load_offers()
    (offer,) = tech.offers
    server_row = live_server.call("GET", "/technician/offers", _bearer(tech)).json()[0]
    assert offer.id == first["offer_id"] != first["id"] and offer.order_id == first["id"]
    assert offer.source == "offer" and offer.district == "三里屯"
    assert offer.service_name == server_row["service_name_zh"] and offer.service_name
    assert offer.pay == server_row["technician_pay"] < server_row["total"]
    assert offer.distance_m == server_row["distance_m"]
    left = offer.seconds_left(device.now)
    assert left is not None and 0 < left <= server_row["seconds_left"] + 1
    assert offer.seconds_left(device.now + timedelta(minutes=10)) == 0

    # declining answers the offer (by offer id); the order goes back to dispatch
    assert (await tech.decline(offer, "太远")).status == SYNCED
    assert tech.offers == []
    back = live_server.call("GET", f"/orders/{first['id']}", customer).json()
    assert back["status"] == "PENDING_DISPATCH" and back["technician_id"] is None
    await tech.load_offers()
    assert tech.offers == []

    # the live feed's "order.offered" brings the next offer in; accepting takes the order
    second = live_server.offer(customer, tech.user.id, hours_ahead=5)
    await tech._on_feed_message(
        {"type": "event", "event_type": "order.offered", "order_id": second["id"]}
    )
    assert [(o.id, o.order_id) for o in tech.offers] == [(second["offer_id"], second["id"])]
    assert (await tech.accept(tech.offers[0])).status == SYNCED
    assert tech.offers == []
    taken = tech.order(second["id"])
    assert taken.status == "ACCEPTED" and taken.technician_id == tech.user.id
    assert taken.address_visible
    assert [o.id for o in tech.active_orders()] == [second["id"]]

    # an answered offer cannot be answered again: refused while looking, shown at once
    stale = await tech.accept(offer)
    assert stale.status == REJECTED and stale.error_code == "offer_closed"
    assert tech.notices[-1].code == "offer_closed" and tech.rejections == []

    # the open pool: the order declined above is still waiting; claiming it takes it
    await tech.load_pool()
    assert [p.order_id for p in tech.pool] == [first["id"]]
    (item,) = tech.pool
    assert item.source == "pool" and item.expires_at is None and item.district == "三里屯"
    assert (await tech.accept(item)).status == SYNCED
    assert tech.pool == [] and tech.order(first["id"]).status == "ACCEPTED"
    events = live_server.call("GET", f"/orders/{first['id']}/events", customer).json()
    assert [e["type"] for e in events][-1] == "order.claimed"


def _bearer(state: TechnicianState) -> dict:
    return {"access_token": state.session.access_token}


async def test_transfer_with_reason(live_server: LiveServer, tech: TechnicianState) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    assert await tech.transfer(order["id"], "  ") is None
    assert tech.notices[-1].code == "reason_required"
    assert (await tech.transfer(order["id"], "车坏了，赶不过去")).status == SYNCED
    assert tech.order(order["id"]) is None
    events = live_server.call("GET", f"/orders/{order['id']}/events", customer).json()
    assert (
        events[-1]["type"] == "order.transferred"
        and events[-1]["payload"]["reason"] == "车坏了，赶不过去"
    )


async def test_a_suspended_technician_loses_his_jobs_and_is_told_why(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    assert tech.order(order["id"]) is not None
    operator = live_server.staff("operator")
    r = live_server.call(
        "POST",
        f"/ops/technicians/{tech.user.id}/suspend",
        operator,
        json={"reason": "投诉核实中"},
    )
    assert r.status_code == 200 and r.json()["work"]["returned_to_dispatch"] == [order["id"]]
    await tech.refresh()
    assert tech.verification == "suspended" and tech.order(order["id"]) is None
    assert not await tech.set_working(True)
    assert tech.notices[-1].code == "technician_suspended"
    assert tech.notices[-1].text == REFUSAL_TEXTS["technician_suspended"]


async def test_offline_checkin_outside_fence_is_refused_locally(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    tech.set_location(*FAR)
    await tech.depart(order["id"])
    go_offline(tech)
    await tech.load_orders()  # discovers there is no signal
    assert not tech.connected
    assert await tech.arrive(order["id"]) is None
    assert tech.notices[-1].code == "outside_geofence"
    assert tech.pending_actions == []


async def test_login_refuses_a_customer_account(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    customer = live_server.register("customer")
    assert not await tech.login(customer["phone"], customer["password"])
    assert tech.notices[-1].code == "role_forbidden"
    assert not tech.signed_in


async def test_network_error_reports_offline_without_queueing_reads(tech: TechnicianState) -> None:
    go_offline(tech)
    assert not await tech.login("13900000001", "whatever")
    assert not tech.connected and tech.notices[-1].code == "offline"
    assert tech.pending_actions == []
    with pytest.raises(httpx.ConnectError):
        await tech.client.http.get("/healthz")


async def test_sos_earnings_and_change_request(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    assert tech.earnings_today() == 0
    tech.set_location(*HOME)
    await tech.depart(order["id"])
    await tech.arrive(order["id"])
    await tech.sign_work_order(order["id"], png())
    await tech.start(order["id"])
    assert (
        await tech.propose_change(
            order["id"], [{"code": "balcony_clean", "quantity": 1, "reason": "阳台很脏"}], None
        )
        is None
    )
    action = await tech.propose_change(
        order["id"], [{"code": "balcony_clean", "quantity": 1, "reason": "阳台很脏"}], png()
    )
    assert action.status == SYNCED, (action.error_code, action.error_message)
    assert [r.status for r in tech.change_requests[order["id"]]] == ["awaiting_customer"]
    sos = await tech.sos("有人闹事")
    assert sos.status == SYNCED, (sos.error_code, sos.error_message)
    assert sos.result["order_id"] == order["id"] and sos.result["lat"] == HOME[0]


# --- live: pushes, location reports, web sessions -------------------------------------


async def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait for something the app does by itself (a push, a background report)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("it did not happen in time")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def customer_feed(live: LiveServer, customer: dict) -> AsyncIterator[list[dict]]:
    """The customer's own live feed (client.feed.LiveFeed): what their app is pushed."""
    api = DoorstepClient(live.base_url)
    api.session.access_token = customer["access_token"]
    got: list[dict] = []
    feed = LiveFeed(api, on_message=got.append)
    runner = asyncio.create_task(feed.run())
    try:
        await asyncio.wait_for(feed.connected.wait(), 15)
        yield got
    finally:
        await feed.stop()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner
        await api.aclose()


def stored_points(live: LiveServer, technician_id: str) -> list[TechnicianLocation]:
    with Session(live.engine) as session:
        return list(
            session.exec(
                select(TechnicianLocation)
                .where(TechnicianLocation.technician_id == technician_id)
                .order_by(col(TechnicianLocation.occurred_at))
            ).all()
        )


async def test_location_is_reported_by_the_app_and_the_customer_sees_it_coming(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    """No location post from the test: once a job is accepted and the technician sets
    off, the app's own loop reports the device position and the customer is pushed
    "distance + ETA"."""
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    tech.poll_interval = 600  # nothing comes from the poll in this test
    tech.location_interval = 2.0  # on the way: every 2 s (the server allows 30 posts a minute)
    tech.idle_location_interval = 600.0  # waiting for orders: rarely
    customer = live_server.register("customer", name="李女士")
    tech.set_location(*FAR)  # ~1.1 km north of the customer
    order = live_server.offer(customer, tech.user.id, hours_ahead=2)
    await tech.load_offers()
    (offer,) = tech.offers
    async with customer_feed(live_server, customer) as pushed:
        await tech.start_live()
        assert tech.location_interval_now() == 600.0  # online, no job on the way yet
        await wait_for(lambda: len(stored_points(live_server, tech.user.id)) == 1)
        assert stored_points(live_server, tech.user.id)[0].order_id is None  # idle report

        assert (await tech.accept(offer)).status == SYNCED
        assert (await tech.depart(order["id"])).status == SYNCED
        assert tech.location_interval_now() == 2.0

        def locations() -> list[dict]:
            return [m for m in pushed if m["type"] == "location" and m["order_id"] == order["id"]]

        await wait_for(lambda: bool(locations()))
        loc = locations()[-1]
        expected = geo.haversine_m(*FAR, *HOME)
        assert loc["distance_m"] == pytest.approx(expected, rel=0.02)
        assert loc["eta_s"] > 0 and "公里" in loc["text"]["zh"]
        assert datetime.fromisoformat(loc["at"]).replace(tzinfo=UTC) == device.now  # device time
        sent = [a for a in tech.queue.all() if a.kind == "location" and a.status == SYNCED]
        assert any(a.order_id == order["id"] for a in sent)

        # on arrival the customer no longer follows the technician: back to the idle rate
        tech.set_location(*HOME)
        assert (await tech.arrive(order["id"])).status == SYNCED
        assert tech.location_interval_now() == 600.0
        assert tech.rejections == [] and not [n for n in tech.notices if n.kind == "error"]


async def test_points_taken_without_signal_go_out_in_one_batch_with_device_times(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    tech.set_location(*FAR)
    assert (await tech.depart(order["id"])).status == SYNCED
    go_offline(tech)
    await tech.load_orders()  # finds out there is no signal
    assert not tech.connected
    taken = []
    for step in range(3):
        device.tick(1)
        tech.set_location(FAR[0] - 0.002 * step, FAR[1])  # getting closer
        taken.append(device.now)
        assert (await tech.report_location()).status == PENDING
    (batch,) = [a for a in tech.pending_actions if a.kind == "location"]
    assert len(batch.params["points"]) == 3 and batch.order_id == order["id"]
    assert "pending_sync" not in [n.code for n in tech.notices]  # no noise for the technician

    go_online(tech, live_server)
    async with customer_feed(live_server, customer) as pushed:
        await tech.sync()
        assert tech.pending_actions == []
        points = stored_points(live_server, tech.user.id)
        assert [p.occurred_at.replace(tzinfo=UTC) for p in points[-3:]] == taken
        await wait_for(lambda: any(m["type"] == "location" for m in pushed))
        latest = [m for m in pushed if m["type"] == "location"][-1]
        assert datetime.fromisoformat(latest["at"]).replace(tzinfo=UTC) == taken[-1]


async def test_an_offer_is_pushed_to_the_app_without_polling(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    """The real live feed: dispatch makes an offer and it reaches the app's state while
    the poll (the fallback) is ten minutes away."""
    state = TechnicianState(
        live_server.base_url, tmp_path / "phone", now=device, use_feed=True, poll_interval=600
    )
    try:
        await onboard(state, live_server)
        assert await state.set_working(True)
        customer = live_server.register("customer", name="李女士")
        await state.start_live()
        await wait_for(lambda: state._feed is not None and state._feed.connected.is_set())
        await wait_for(lambda: state.live_rounds == 1)  # the first (and only) poll is done
        connects = state._feed.connects
        assert state.offers == []

        order = live_server.offer(customer, state.user.id, hours_ahead=2)
        await wait_for(lambda: bool(state.offers), timeout=10)
        assert [(o.id, o.order_id) for o in state.offers] == [(order["offer_id"], order["id"])]
        assert state.live_rounds == 1  # no poll ran: the offer was pushed
        assert state._feed.connects == connects  # over the same connection

        # the accepted order's later events are pushed too
        assert (await state.accept(state.offers[0])).status == SYNCED
        live_server.move(order["id"], "cancel", reason="客户取消")
        await wait_for(lambda: state.order(order["id"]).status == "CANCELLED", timeout=10)
    finally:
        await state.close()


async def test_web_sessions_never_share_a_login_or_a_queue(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    """The web build: one server process, one data folder, many browsers."""
    shared = tmp_path / "web"
    wang = live_server.ready_technician("王师傅")
    li = live_server.ready_technician("李师傅")
    customer = live_server.register("customer")
    order = live_server.assign(customer, wang["user"]["id"])

    def browser() -> TechnicianState:
        return TechnicianState(
            live_server.base_url, shared, now=device, use_feed=False, persist_session=False
        )

    first = browser()
    try:
        assert await first.login(wang["phone"], wang["password"])
        assert order["id"] in first.orders
        first.set_location(*FAR)
        go_offline(first)
        assert (await first.depart(order["id"])).status == PENDING  # queued, not sent
    finally:
        await first.close()

    second = browser()  # another person opens the same web app
    try:
        assert not second.signed_in and second.user is None
        assert second.pending_actions == [] and second.orders == {}
        assert await second.login(li["phone"], li["password"])
        assert second.pending_actions == [] and order["id"] not in second.orders
        await second.sync()
        r = live_server.call("GET", f"/orders/{order['id']}", customer).json()
        assert r["status"] == "ACCEPTED"  # Wang's queued departure was not replayed by Li
        ended = second.client.session.refresh_token
        await second.logout()
        assert not second.signed_in and second.orders == {} and second.pending_actions == []
        r = live_server.call("POST", "/auth/refresh", None, json={"refresh_token": ended})
        assert r.status_code == 401  # signed out on the server, not only forgotten here
    finally:
        await second.close()

    third = browser()  # Wang again, in a new browser: his own queue comes back with him
    try:
        assert not third.signed_in and third.pending_actions == []
        assert await third.login(wang["phone"], wang["password"])
        assert third.pending_actions == []  # signing in replayed it
        r = live_server.call("GET", f"/orders/{order['id']}", customer).json()
        assert r["status"] == "EN_ROUTE"
    finally:
        await third.close()
    assert sorted(p.name for p in (shared / "users").iterdir()) == sorted(
        [wang["user"]["id"], li["user"]["id"]]
    )
    assert not (shared / "technician.sqlite3").exists()  # nothing shared at the top


async def test_the_device_position_drives_check_in_and_says_why_it_is_missing(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    """No fixed location: the device is asked (the first time, for the permission); a
    refusal is explained and blocks check-in; at 1 km the fence refuses, at the door it
    lets in; on the way the reports carry the device's position."""
    from client.position import LocationUnavailable

    where: list[object] = [LocationUnavailable("location_denied")]

    async def locate() -> tuple[float, float]:
        if isinstance(where[0], Exception):
            raise where[0]
        return where[0]  # type: ignore[return-value]

    state = TechnicianState(
        live_server.base_url, tmp_path / "gps", now=device, use_feed=False, locate=locate
    )
    try:
        assert not state.location_fixed
        await onboard(state, live_server)
        customer = live_server.register("customer", name="李女士")
        job = live_server.assign(customer, state.user.id, hours_ahead=2)
        await state.refresh()
        assert await state.arrive(job["id"]) is None  # no permission: nothing sent
        assert state.location_problem == "location_denied"
        assert state.notices[-1].code == "location_denied" and "设置" in state.notices[-1].text
        where[0] = FAR
        assert (await state.depart(job["id"])).status == SYNCED
        assert state.location == FAR and state.location_problem is None
        assert (await state.report_location()).status == SYNCED
        with Session(live_server.engine) as session:
            point = session.exec(select(TechnicianLocation)).first()
        assert (
            point is not None and abs(point.point(live_server.app.state.cipher)[0] - FAR[0]) < 1e-9
        )
        refused = await state.arrive(job["id"])
        assert refused is not None and refused.error_code == "outside_geofence"
        where[0] = HOME  # walked to the door: check-in reads the device again
        assert (await state.arrive(job["id"])).status == SYNCED
    finally:
        await state.close()
