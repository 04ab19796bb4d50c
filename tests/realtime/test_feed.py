"""The live feed through the in-process server: auth, authorization, resume, location, chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from starlette.websockets import WebSocketDisconnect

from server.orders.machine import Action
from server.realtime import service as realtime_service
from server.realtime.models import TechnicianLocation
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _types(events: list[dict]) -> list[str]:
    return [e["event_type"] for e in events]


def test_refused_without_or_with_bad_token(client, app) -> None:  # noqa: ANN001
    with client.websocket_connect("/api/v1/ws") as ws:
        msg = ws.receive_json()
        assert msg["type"] == "error" and msg["code"] == "not_authenticated"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    with client.websocket_connect("/ws?token=nonsense") as ws:
        assert ws.receive_json()["code"] == "invalid_token"


def test_token_in_first_message_and_root_path(client, api) -> None:  # noqa: ANN001
    customer = api.register("customer")
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "auth", "token": customer["access_token"], "cursor": None})
        welcome = ws.receive_json()
        assert welcome["type"] == "welcome" and welcome["user_id"] == customer["user"]["id"]


def test_customer_sees_only_own_orders(api, feed) -> None:  # noqa: ANN001
    alice, bob = api.register("customer"), api.register("customer")
    with feed(alice) as fa, feed(bob) as fb:
        order = api.order(alice)
        got = fa.events()
        assert [(e["order_id"], e["seq"], e["event_type"]) for e in got] == [
            (order["id"], 1, "order.created")
        ]
        assert fb.events() == []


def test_technician_sees_offer_and_stops_after_transfer(api, feed, move) -> None:  # noqa: ANN001
    customer = api.register("customer")
    t1, t2 = api.register("technician"), api.register("technician")
    order = api.order(customer)
    oid = order["id"]
    with feed(t1) as f1, feed(t2) as f2:
        move(oid, Action.PAYMENT_SUCCEEDED)
        assert f1.events() == [] and f2.events() == []  # not theirs yet
        move(oid, Action.OFFER, technician_id=t1["user"]["id"])
        got = f1.events()
        assert (
            _types(got) == ["order.offered"]
            and got[0]["payload"]["offered_technician_id"] == t1["user"]["id"]
        )
        assert f2.events() == []
        move(oid, Action.ACCEPT, move.tech(t1))
        move(oid, Action.TRANSFER, move.tech(t1), reason="摩托车坏了")
        assert _types(f1.events()) == ["order.accepted", "order.transferred"]
        move(oid, Action.OFFER, technician_id=t2["user"]["id"])
        assert f1.events() == []  # after the transfer: nothing new
        assert _types(f2.events()) == ["order.offered"]


def test_offer_timeout_reaches_the_technician_once(api, feed, move) -> None:  # noqa: ANN001
    customer, tech = api.register("customer"), api.register("technician")
    oid = api.order(customer)["id"]
    move(oid, Action.PAYMENT_SUCCEEDED)
    with feed(tech) as f:
        move(oid, Action.OFFER, technician_id=tech["user"]["id"])
        move(oid, Action.OFFER_TIMEOUT)
        move(oid, Action.CANCEL, reason="不要了")
        assert _types(f.events()) == ["order.offered", "order.offer_timed_out"]


def test_resume_after_drop_loses_and_reorders_nothing(api, feed, move) -> None:  # noqa: ANN001
    customer, tech = api.register("customer"), api.register("technician")
    oid = api.order(customer)["id"]
    with feed(customer) as f:
        move(oid, Action.PAYMENT_SUCCEEDED)
        first = f.events()
    seen = {oid: first[-1]["seq"]}
    cursor = first[-1]["id"]
    # offline: the order moves on
    move(oid, Action.OFFER, technician_id=tech["user"]["id"])
    move(oid, Action.ACCEPT, move.tech(tech))
    other = api.order(customer)  # a new order while offline: found through the global cursor
    with feed(customer, seqs=seen, cursor=cursor) as f:
        pass
    # feed() already consumed the replay; do it again explicitly to look at it
    with api.client.websocket_connect(f"/api/v1/ws?token={customer['access_token']}") as ws:
        from tests.realtime.conftest import Feed

        f = Feed(ws)
        replay = [m for m in f.resume(seqs=seen, cursor=cursor) if m["type"] == "event"]
        assert [(e["order_id"], e["seq"]) for e in replay if e["order_id"] == oid] == [
            (oid, 3),
            (oid, 4),
        ]
        assert [(e["order_id"], e["seq"]) for e in replay if e["order_id"] == other["id"]] == [
            (other["id"], 1)
        ]
        move(oid, Action.DEPART, move.tech(tech))
        live = f.events()
        assert [(e["order_id"], e["seq"]) for e in live] == [(oid, 5)]
    everything = api.get(f"/orders/{oid}/events", customer).json()
    assert [e["seq"] for e in everything] == [1, 2, 3, 4, 5]


def test_technician_resumes_with_global_cursor(api, feed, move) -> None:  # noqa: ANN001
    customer, tech, other = (
        api.register("customer"),
        api.register("technician"),
        api.register("technician"),
    )
    oid = api.order(customer)["id"]
    with feed(tech) as f:
        cursor = f.welcome["cursor"]
    move(oid, Action.PAYMENT_SUCCEEDED)
    move(oid, Action.OFFER, technician_id=tech["user"]["id"])
    oid2 = api.order(customer)["id"]
    move(oid2, Action.PAYMENT_SUCCEEDED)
    move(oid2, Action.OFFER, technician_id=other["user"]["id"])
    with api.client.websocket_connect(f"/api/v1/ws?token={tech['access_token']}") as ws:
        from tests.realtime.conftest import Feed

        replay = Feed(ws).resume(cursor=cursor)
        assert [(e["order_id"], e["event_type"]) for e in replay] == [(oid, "order.offered")]


def test_location_is_pushed_with_eta_until_arrival(api, feed, move, app) -> None:  # noqa: ANN001
    customer, tech, stranger = (
        api.register("customer"),
        api.register("technician"),
        api.register("customer"),
    )
    oid = api.order(customer)["id"]
    move(oid, Action.PAYMENT_SUCCEEDED)
    move(oid, Action.ASSIGN, technician_id=tech["user"]["id"])
    now = app.state.clock.now()
    with feed(customer) as fc, feed(stranger) as fs:
        # accepted but not on the way yet (maybe still at another home): nobody is told
        r = api.post("/technician/location", tech, json={"lat": 39.95, "lng": 116.45})
        assert r.status_code == 200 and r.json()["pushed_to_orders"] == []
        assert [m for m in fc.drain() if m["type"] == "location"] == []
        assert api.post(f"/orders/{oid}/depart", tech, json={}).status_code == 200
        fc.drain()
        points = [
            {
                "lat": 39.9334 + 0.02 - i * 0.005,
                "lng": 116.4540,
                "occurred_at": (now - timedelta(seconds=30 - i * 10)).isoformat(),
            }
            for i in range(3)
        ]
        r = api.post("/technician/location", tech, json={"points": points})
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == 3 and r.json()["pushed_to_orders"] == [oid]
        got = [m for m in fc.drain() if m["type"] == "location"]
        assert len(got) == 1
        loc = got[0]
        assert (
            loc["order_id"] == oid and abs(loc["lat"] - (39.9334 + 0.01)) < 1e-9
        )  # the latest point
        assert 1000 < loc["distance_m"] < 1200 and loc["eta_s"] > 0
        assert loc["text"]["en"].endswith("min") and "km away" in loc["text"]["en"]
        assert fs.drain() == []
        r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
        assert r.status_code == 200, r.text
        fc.drain()
        r = api.post("/technician/location", tech, json={"lat": 39.9335, "lng": 116.4541})
        assert r.json()["pushed_to_orders"] == []
        assert [m for m in fc.drain() if m["type"] == "location"] == []
    # a customer reconnecting during the trip gets the last location straight away
    with Session(app.state.engine) as s:
        assert len(s.exec(select(TechnicianLocation)).all()) == 5


def test_only_the_customer_being_travelled_to_sees_the_technician(api, feed, move) -> None:  # noqa: ANN001
    """Two accepted jobs: the points of the trip to one go to its customer alone, live and
    on reconnect; the other customer sees nothing until the technician sets off to them."""
    first, second, tech = (
        api.register("customer"),
        api.register("customer"),
        api.register("technician"),
    )
    orders = []
    for customer in (first, second):
        oid = api.order(customer)["id"]
        move(oid, Action.PAYMENT_SUCCEEDED)
        move(oid, Action.ASSIGN, technician_id=tech["user"]["id"])
        orders.append(oid)
    assert api.post(f"/orders/{orders[0]}/depart", tech, json={}).status_code == 200
    with feed(first) as f1, feed(second) as f2:
        f1.drain(), f2.drain()
        r = api.post("/technician/location", tech, json={"lat": 39.94, "lng": 116.45})
        assert r.json()["pushed_to_orders"] == [orders[0]]
        assert [m["order_id"] for m in f1.drain() if m["type"] == "location"] == [orders[0]]
        assert [m for m in f2.drain() if m["type"] == "location"] == []
    with feed(second) as f2, feed(first) as f1:  # reconnecting: the last point, to its trip
        assert [m for m in f2.replayed if m["type"] == "location"] == []
        assert [m["order_id"] for m in f1.replayed if m["type"] == "location"] == [orders[0]]


def test_location_rules_rate_limit_and_retention(api, app) -> None:  # noqa: ANN001
    tech, customer = api.register("technician"), api.register("customer")
    assert (
        api.post("/technician/location", customer, json={"lat": 39.9, "lng": 116.4}).status_code
        == 403
    )
    assert api.post("/technician/location", tech, json={}).json()["error"]["code"] == "no_points"
    future = (app.state.clock.now() + timedelta(hours=1)).isoformat()
    r = api.post(
        "/technician/location", tech, json={"lat": 39.9, "lng": 116.4, "occurred_at": future}
    )
    assert r.json()["error"]["code"] == "occurred_at_in_future"
    app.state.realtime.config.location_posts_per_minute = 3
    codes = [
        api.post("/technician/location", tech, json={"lat": 39.9, "lng": 116.4}).status_code
        for _ in range(4)
    ]
    assert codes[-1] == 429 and 200 in codes
    with unit_of_work(app) as uow:
        kept = len(uow.session.exec(select(TechnicianLocation)).all())
        assert (
            realtime_service.sweep_locations(uow, now=app.state.clock.now(), retention_days=30) == 0
        )
        later = app.state.clock.now() + timedelta(days=31)
        assert realtime_service.sweep_locations(uow, now=later, retention_days=30) == kept
        assert uow.session.exec(select(TechnicianLocation)).all() == []


def test_chat_masks_contacts_counts_attempts_and_reaches_the_other_side(
    api, feed, move, app
) -> None:  # noqa: ANN001
    customer, tech, stranger = (
        api.register("customer"),
        api.register("technician"),
        api.register("customer"),
    )
    support = api.staff("support")
    oid = api.order(customer)["id"]
    r = api.post(f"/orders/{oid}/messages", customer, json={"text": "你好"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "no_technician_yet"
    move(oid, Action.PAYMENT_SUCCEEDED)
    move(oid, Action.ASSIGN, technician_id=tech["user"]["id"])
    with feed(tech) as ft:
        r = api.post(
            f"/orders/{oid}/messages",
            customer,
            json={"text": "师傅加我微信 abc_123，电话138 1234 5678"},
        )
        assert r.status_code == 201, r.text
        msg = r.json()
        assert msg["masked"] and "abc_123" not in msg["text"] and "5678" not in msg["text"]
        chats = [m["message"] for m in ft.drain() if m["type"] == "chat"]
        assert [c["id"] for c in chats] == [msg["id"]] and chats[0]["text"] == msg["text"]
    with unit_of_work(app) as uow:
        assert realtime_service.contact_attempts(uow, user_id=customer["user"]["id"]) == 1
    r = api.post(f"/orders/{oid}/messages", tech, json={"text": "好的，马上到"})
    assert r.status_code == 201 and not r.json()["masked"]
    with app.state.engine.connect() as conn:  # what is stored is not what was said
        stored = [row[0] for row in conn.execute(text("SELECT text_enc FROM chat_message"))]
    assert len(stored) == 2 and not any("马上到" in t or "师傅" in t for t in stored)
    assert api.get(f"/orders/{oid}/messages", stranger).status_code == 404
    assert api.post(f"/orders/{oid}/messages", stranger, json={"text": "hi"}).status_code == 404
    thread = api.get(f"/orders/{oid}/messages", support).json()  # support reads it in a dispute
    assert [m["sender_role"] for m in thread] == ["customer", "technician"]
    assert [
        m["id"] for m in api.get(f"/orders/{oid}/messages?after={thread[0]['id']}", customer).json()
    ] == [thread[1]["id"]]
    # chat is replayed on resume like events
    with api.client.websocket_connect(f"/api/v1/ws?token={tech['access_token']}") as ws:
        from tests.realtime.conftest import Feed

        replay = Feed(ws).resume(chat_cursor=0)
        assert [m["message"]["id"] for m in replay if m["type"] == "chat"] == [
            m["id"] for m in thread
        ]
    assert (
        api.post(f"/orders/{oid}/messages", customer, json={"text": "  "}).json()["error"]["code"]
        == "empty_message"
    )
    # a habit of it (3 within 24 h by default) opens a risk flag for review
    operator = api.staff("operator")
    flagged = lambda: [  # noqa: E731
        f
        for f in api.get("/ops/risk/flags", operator).json()
        if f["kind"] == "contact_sharing" and f["subject_id"] == customer["user"]["id"]
    ]
    api.post(f"/orders/{oid}/messages", customer, json={"text": "vx: zhang_888"})
    assert flagged() == []
    api.post(f"/orders/{oid}/messages", customer, json={"text": "QQ 87654321"})
    [flag] = flagged()
    assert flag["details"]["attempts"] == 3 and flag["details"]["last_order_id"] == oid


def test_support_thread(api, feed) -> None:  # noqa: ANN001
    customer, other, tech = (
        api.register("customer"),
        api.register("customer"),
        api.register("technician"),
    )
    support = api.staff("support")
    with feed(support) as fsup:
        r = api.post("/support/messages", customer, json={"text": "我的订单有问题 qq 12345678"})
        assert r.status_code == 201 and r.json()["masked"]
        assert [m["type"] for m in fsup.drain()] == ["chat"]
    r = api.post(
        "/support/messages",
        support,
        json={"text": "您好，请说", "customer_id": customer["user"]["id"]},
    )
    assert r.status_code == 201
    assert (
        api.post("/support/messages", support, json={"text": "?"}).json()["error"]["code"]
        == "customer_id_required"
    )
    assert api.post("/support/messages", tech, json={"text": "?"}).status_code == 403
    assert [m["sender_role"] for m in api.get("/support/messages", customer).json()] == [
        "customer",
        "support",
    ]
    assert api.get("/support/messages", other).json() == []
    assert (
        len(api.get(f"/support/messages?customer_id={customer['user']['id']}", support).json()) == 2
    )


def test_staff_subscribe_to_an_order(api, client, move) -> None:  # noqa: ANN001
    customer, support = api.register("customer"), api.staff("support")
    oid = api.order(customer)["id"]
    with client.websocket_connect(f"/api/v1/ws?token={support['access_token']}") as ws:
        from tests.realtime.conftest import Feed

        f = Feed(ws)
        ws.send_json({"type": "subscribe", "order_ids": [oid]})
        replay = []
        while (m := ws.receive_json())["type"] != "replayed":
            replay.append(m)
        assert [e["seq"] for e in replay] == [1]
        move(oid, Action.PAYMENT_SUCCEEDED)
        assert [e["seq"] for e in f.events()] == [2]


def test_a_silent_client_is_closed_after_three_heartbeats(api, client, app) -> None:  # noqa: ANN001
    """A phone that vanished without closing (tunnel, dead battery) frees its slot."""
    customer = api.register("customer")
    app.state.realtime.config.heartbeat_seconds = 0.05
    with client.websocket_connect(f"/api/v1/ws?token={customer['access_token']}") as ws:
        assert ws.receive_json()["type"] == "welcome"
        ws.send_json({"type": "resume"})
        pings = 0
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:  # never answer the pings
                message = ws.receive_json()
                pings += message["type"] == "ping"
        assert closed.value.code == 4000 and pings >= 1


def test_a_client_that_answers_pings_stays(api, client, app) -> None:  # noqa: ANN001
    customer = api.register("customer")
    app.state.realtime.config.heartbeat_seconds = 0.05
    with client.websocket_connect(f"/api/v1/ws?token={customer['access_token']}") as ws:
        ws.receive_json()
        ws.send_json({"type": "resume"})
        for _ in range(12):  # well past three heartbeats
            if ws.receive_json()["type"] == "ping":
                ws.send_json({"type": "pong"})
        ws.send_json({"type": "ping"})
        while (m := ws.receive_json())["type"] != "pong":
            if m["type"] == "ping":
                ws.send_json({"type": "pong"})


def test_token_expiry_closes_cleanly(api, client, app) -> None:  # noqa: ANN001
    customer = api.register("customer")
    app.state.realtime.config.heartbeat_seconds = 0.05
    with client.websocket_connect(f"/api/v1/ws?token={customer['access_token']}") as ws:
        ws.receive_json()
        ws.send_json({"type": "resume"})
        app.state.clock.advance(minutes=app.state.settings.access_token_minutes + 1)
        while (m := ws.receive_json())["type"] != "bye":
            pass
        assert m["reason"] == "token_expired"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4001
