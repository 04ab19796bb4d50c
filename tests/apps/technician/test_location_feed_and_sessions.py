"""The technician app reports its position and the customer sees it coming; points taken
without signal go out in one batch; offers are pushed; web sessions stay apart; the
device position drives check-in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from client import geo
from client.api import DoorstepClient
from client.feed import LiveFeed
from server.realtime.models import TechnicianLocation
from technician_app.offline import PENDING, SYNCED
from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import FAR, HOME, DeviceClock, go_offline, go_online, onboard


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
    (offer,) = tech.work.offers
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
        assert tech.rejections == [] and not [n for n in tech.session.notices if n.kind == "error"]


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
    assert not tech.sync_state.connected
    taken = []
    for step in range(3):
        device.tick(1)
        tech.set_location(FAR[0] - 0.002 * step, FAR[1])  # getting closer
        taken.append(device.now)
        assert (await tech.report_location()).status == PENDING
    (batch,) = [a for a in tech.pending_actions if a.kind == "location"]
    assert len(batch.params["points"]) == 3 and batch.order_id == order["id"]
    assert "pending_sync" not in [
        n.code for n in tech.session.notices
    ]  # no noise for the technician
    assert tech.waiting_actions == []  # nor a 待同步 banner for positions

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
        await wait_for(lambda: state.live.live_rounds == 1)  # the first (and only) poll is done
        connects = state._feed.connects
        assert state.work.offers == []

        order = live_server.offer(customer, state.user.id, hours_ahead=2)
        await wait_for(lambda: bool(state.work.offers), timeout=10)
        assert [(o.id, o.order_id) for o in state.work.offers] == [(order["offer_id"], order["id"])]
        assert state.live.live_rounds == 1  # no poll ran: the offer was pushed
        assert state._feed.connects == connects  # over the same connection

        # the accepted order's later events are pushed too
        assert (await state.accept(state.work.offers[0])).status == SYNCED
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
        assert order["id"] in first.work.orders
        first.set_location(*FAR)
        go_offline(first)
        assert (await first.depart(order["id"])).status == PENDING  # queued, not sent
    finally:
        await first.close()

    second = browser()  # another person opens the same web app
    try:
        assert not second.signed_in and second.user is None
        assert second.pending_actions == [] and second.work.orders == {}
        assert await second.login(li["phone"], li["password"])
        assert second.pending_actions == [] and order["id"] not in second.work.orders
        await second.sync()
        r = live_server.call("GET", f"/orders/{order['id']}", customer).json()
        assert r["status"] == "ACCEPTED"  # Wang's queued departure was not replayed by Li
        ended = second.client.session.refresh_token
        await second.logout()
        assert not second.signed_in and second.work.orders == {} and second.pending_actions == []
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
        assert not state.live.location_fixed
        await onboard(state, live_server)
        customer = live_server.register("customer", name="李女士")
        job = live_server.assign(customer, state.user.id, hours_ahead=2)
        await state.refresh()
        assert await state.arrive(job["id"]) is None  # no permission: nothing sent
        assert state.live.location_problem == "location_denied"
        assert (
            state.session.notices[-1].code == "location_denied"
            and "设置" in state.session.notices[-1].text
        )
        where[0] = FAR
        assert (await state.depart(job["id"])).status == SYNCED
        assert state.live.location == FAR and state.live.location_problem is None
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
