"""One technician's whole day through the app's state (onboarding, verification, jobs
with check-in, signature, SOP and finish, losing the signal mid-job and coming back),
offers, transfers, suspension, refusals, SOS and earnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from client import geo
from client.error_texts import error_text
from client.models import OrderRead
from server.orders import machine
from server.orders.machine import Action, ActorKind
from technician_app import navigation
from technician_app.offline import PENDING, REJECTED, SYNCED
from technician_app.state import OPTIMISTIC, TechnicianState, allows, in_group
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import (
    FAR,
    HOME,
    DeviceClock,
    go_offline,
    go_online,
    onboard,
    png,
)


async def test_whole_day_including_offline(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    assert tech.live.working
    customer = live_server.register("customer", name="李女士")

    # --- job 1, online; the geofence refuses a check-in 1 km away, with the distance ---
    first = live_server.assign(customer, tech.user.id, hours_ahead=2)
    await tech.refresh()
    assert [o.id for o in tech.active_orders()] == [first["id"]]
    assert tech.order(first["id"]).address_visible
    tech.set_location(*FAR)
    phone_time = device.now  # the schedule is the city's today: look from the visit's day
    device.now = tech.order(first["id"]).scheduled_start - timedelta(minutes=1)
    row = tech.schedule()[0]
    device.now = phone_time
    assert row["seq"] == 1 and row["travel_minutes"] == navigation.eta_minutes(
        geo.haversine_m(*FAR, *HOME)
    )
    assert (await tech.depart(first["id"])).status == SYNCED
    refused = await tech.arrive(first["id"])
    assert refused.status == REJECTED and refused.error_code == "outside_geofence"
    assert (
        "米内签到" in tech.session.notices[-1].text and "1.1 公里" in tech.session.notices[-1].text
    )
    assert tech.rejections == []  # refused while looking: shown, not left on the banner
    assert tech.order(first["id"]).status == "EN_ROUTE"  # reloaded from the server
    tech.set_location(*HOME)
    assert (await tech.arrive(first["id"])).status == SYNCED
    assert not [
        n for n in tech.session.notices if n.kind == "error"
    ]  # the refusal no longer stands
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
    assert tech.session.notices[-1].code == "sop_photo_required"
    banner: list[int] = []  # what the 待同步 banner said at each redraw
    unsubscribe = tech.subscribe(lambda: banner.append(len(tech.waiting_actions)))
    for step in steps:
        photo = png(step.no) if step.photo else None
        assert (await tech.sop_done(first["id"], step.no, photo=photo)).status == SYNCED
    unsubscribe()
    assert banner and set(banner) == {0}  # sent at once: never 待同步 with signal, not even
    # while on its way (the redraw before the send shows the step done, not waiting)
    assert all(s.done_at for s in tech.order(first["id"]).sop)
    photographed = {s.no for s in steps if s.photo}
    assert {no for (oid, no) in tech.work.step_photos if oid == first["id"]} == photographed
    assert all(tech.work.step_photos[(first["id"], no)] == png(no) for no in photographed)
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
    assert not tech.sync_state.connected
    assert tech.session.notices[-1].code == "pending_sync"
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
    assert tech.waiting_actions == queued  # the 待同步 banner counts every one of them
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
        assert tech2.sync_state.connected and tech2.pending_actions == [] and tech2.rejections == []
        assert tech2.waiting_actions == []  # and the banner is gone
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
        assert tech2.session.notices[-1].text.startswith("同步被拒绝")
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
    (offer,) = tech.work.offers
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
    assert tech.work.offers == []
    back = live_server.call("GET", f"/orders/{first['id']}", customer).json()
    assert back["status"] == "PENDING_DISPATCH" and back["technician_id"] is None
    await tech.load_offers()
    assert tech.work.offers == []

    # the live feed's "order.offered" brings the next offer in; accepting takes the order
    second = live_server.offer(customer, tech.user.id, hours_ahead=5)
    await tech._on_feed_message(
        {"type": "event", "event_type": "order.offered", "order_id": second["id"]}
    )
    assert [(o.id, o.order_id) for o in tech.work.offers] == [(second["offer_id"], second["id"])]
    assert (await tech.accept(tech.work.offers[0])).status == SYNCED
    assert tech.work.offers == []
    taken = tech.order(second["id"])
    assert taken.status == "ACCEPTED" and taken.technician_id == tech.user.id
    assert taken.address_visible
    assert [o.id for o in tech.active_orders()] == [second["id"]]

    # an answered offer cannot be answered again: refused while looking, shown at once
    stale = await tech.accept(offer)
    assert stale.status == REJECTED and stale.error_code == "offer_closed"
    assert tech.session.notices[-1].code == "offer_closed" and tech.rejections == []

    # the open pool: the order declined above is still waiting; claiming it takes it
    await tech.load_pool()
    assert [p.order_id for p in tech.work.pool] == [first["id"]]
    (item,) = tech.work.pool
    assert item.source == "pool" and item.expires_at is None and item.district == "三里屯"
    assert (await tech.accept(item)).status == SYNCED
    assert tech.work.pool == [] and tech.order(first["id"]).status == "ACCEPTED"
    events = live_server.call("GET", f"/orders/{first['id']}/events", customer).json()
    assert [e["type"] for e in events][-1] == "order.claimed"


def _bearer(state: TechnicianState) -> dict:
    return {"access_token": state.client.session.access_token}


async def test_transfer_with_reason(live_server: LiveServer, tech: TechnicianState) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()
    assert await tech.transfer(order["id"], "  ") is None
    assert tech.session.notices[-1].code == "reason_required"
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
    assert tech.me.verification == "suspended" and tech.order(order["id"]) is None
    assert not await tech.set_working(True)
    assert tech.session.notices[-1].code == "technician_suspended"
    assert tech.session.notices[-1].text == error_text("technician_suspended")


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
    assert not tech.sync_state.connected
    assert await tech.arrive(order["id"]) is None
    assert tech.session.notices[-1].code == "outside_geofence"
    assert tech.pending_actions == []


async def test_login_refuses_a_customer_account(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    customer = live_server.register("customer")
    assert not await tech.login(customer["phone"], customer["password"])
    assert tech.session.notices[-1].code == "role_forbidden"
    assert not tech.signed_in


async def test_network_error_reports_offline_without_queueing_reads(tech: TechnicianState) -> None:
    go_offline(tech)
    assert not await tech.login("13900000001", "whatever")
    assert not tech.sync_state.connected and tech.session.notices[-1].code == "offline"
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
    assert [r.status for r in tech.work.change_requests[order["id"]]] == ["awaiting_customer"]
    sos = await tech.sos("有人闹事")
    assert sos.status == SYNCED, (sos.error_code, sos.error_message)
    assert sos.result["order_id"] == order["id"] and sos.result["lat"] == HOME[0]


# --- live: pushes, location reports, web sessions -------------------------------------
