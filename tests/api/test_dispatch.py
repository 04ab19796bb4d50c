"""Dispatch over HTTP: cascade offers, timeouts, the pool, claims, batch, blocks, ops."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from server.core import presence
from server.core.errors import AppError
from server.core.points import coarse
from server.core.uow import UnitOfWork
from server.dispatch import service as dispatch_service
from server.dispatch.models import DispatchOffer
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from tests.unit_of_work import unit_of_work

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
ADDRESS = (39.9334, 116.4540)  # where api.quote() books


def _upload(api, user, kind: str) -> str:  # noqa: ANN001
    r = api.post("/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": kind})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def ready_technician(
    api,  # noqa: ANN001
    name: str,
    *,
    home: tuple[float, float],
    skills: tuple[str, ...] = ("cleaning",),
    certs: tuple[str, ...] = ("health",),
    operator: dict | None = None,
) -> dict:
    """Registered, profiled, certified, verified, online, with a live position."""
    tech = api.register("technician", name)
    r = api.put(
        "/technician/profile",
        tech,
        json={
            "gender": "female",
            "birth_year": 1985,
            "experience_years": 5,
            "bio": "保洁",
            "photo_file_id": _upload(api, tech, "photo"),
            "skills": list(skills),
        },
    )
    assert r.status_code == 200, r.text
    r = api.put(
        "/technician/service-area",
        tech,
        json={"center": {"lat": home[0], "lng": home[1]}, "radius_km": 10},
    )
    assert r.status_code == 200, r.text
    for kind in certs:
        r = api.post(
            "/technician/certificates",
            tech,
            json={
                "type": kind,
                "file_id": _upload(api, tech, "certificate"),
                "number": "N-1",
                "expires_on": "2030-01-01",
            },
        )
        assert r.status_code == 201, r.text
    operator = operator or api.staff("operator")
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/verify", operator, json={"decision": "approve"}
    )
    assert r.status_code == 200, r.text
    r = api.put("/technician/status", tech, json={"online": True})
    assert r.status_code == 200, r.text
    r = api.post("/technician/location", tech, json={"lat": home[0], "lng": home[1]})
    assert r.status_code == 200, r.text
    tech["id"] = tech["user"]["id"]
    tech["home"] = home
    return tech


def app_still_open(api, tech: dict) -> None:  # noqa: ANN001
    """What the technician's open app does while he waits for orders: report where he is
    (a sign of life, so offers still reach him after the test's clock moved on)."""
    lat, lng = tech["home"]
    r = api.post("/technician/location", tech, json={"lat": lat, "lng": lng})
    assert r.status_code == 200, r.text


def apps_open(runtime, technician_ids) -> None:  # noqa: ANN001
    """The technicians' apps are open (the live feed's sign of life, recorded as the feed
    records it) on ``runtime``: an app's state, or the Parts of a copy of its database."""
    now = runtime.clock.now()
    for tid in technician_ids:
        presence.mark_seen(runtime, tid, now)


def north_km(km: float) -> tuple[float, float]:
    return (ADDRESS[0] + km / 111.195, ADDRESS[1])


def paid_order(api, customer: dict, **quote_extra) -> dict:  # noqa: ANN001
    order = api.order(customer, **quote_extra)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=order["id"],
            action=Action.PAYMENT_SUCCEEDED,
            actor=Actor(ActorKind.SYSTEM),
        )
    return order


def run(api, operator: dict) -> dict:  # noqa: ANN001
    r = api.post("/ops/dispatch/run", operator)
    assert r.status_code == 200, r.text
    return r.json()


def status_of(api, order_id: str, user: dict) -> str:  # noqa: ANN001
    r = api.get(f"/orders/{order_id}", user)
    assert r.status_code == 200, r.text
    return r.json()["status"]


def set_rules(api, operator: dict, rules: dict) -> None:  # noqa: ANN001
    r = api.put("/ops/settings", operator, json={"rules": rules})
    assert r.status_code == 200, r.text


def test_cascade_offers_the_best_then_accept(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer)

    report = run(api, operator)
    assert report["offered"] == 1 and report["order_ids"] == [order["id"]]
    assert status_of(api, order["id"], customer) == "OFFERED"

    assert api.get("/technician/offers", far).json() == []
    (offer,) = api.get("/technician/offers", near).json()
    assert offer["order_id"] == order["id"] and offer["district"] == "三里屯"
    assert offer["distance_m"] == 1000 and offer["seconds_left"] == 20  # to 100 m, no finer
    assert offer["technician_pay"] == offer["total"] - round(offer["total"] * 0.15)
    assert "address" not in offer

    r = api.post(f"/technician/offers/{offer['id']}/accept", near, json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ACCEPTED" and r.json()["technician_id"] == near["id"]
    assert api.get("/technician/offers", near).json() == []
    r = api.post(f"/technician/offers/{offer['id']}/accept", near, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "offer_closed"

    explained = api.get(f"/ops/dispatch/{order['id']}", operator).json()
    (decision,) = explained["decisions"]
    assert decision["outcome"] == "offered" and decision["chosen_technician_id"] == near["id"]
    assert [c["technician_id"] for c in decision["candidates"]] == [near["id"], far["id"]]
    best = decision["candidates"][0]
    assert set(best["features"]) == {"proximity", "rating", "level", "fairness", "acceptance"}
    assert best["factors"] == {"nearby_idle": 1.25} and best["name"] == "近师傅"
    assert [o["status"] for o in explained["offers"]] == ["accepted"]
    events = [e["type"] for e in api.get(f"/orders/{order['id']}/events", customer).json()]
    assert events[-2:] == ["order.offered", "order.accepted"]


def test_decline_and_timeout_move_the_order_on_until_nobody_is_left(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer", "王先生")
    order = paid_order(api, customer)

    run(api, operator)
    (offer,) = api.get("/technician/offers", near).json()
    r = api.post(f"/technician/offers/{offer['id']}/decline", near, json={"reason": "太远"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert status_of(api, order["id"], customer) == "PENDING_DISPATCH"

    run(api, operator)
    (offer2,) = api.get("/technician/offers", far).json()
    api.app.state.clock.advance(seconds=21)
    r = api.post(f"/technician/offers/{offer2['id']}/accept", far, json={})
    assert r.status_code == 410 and r.json()["error"]["code"] == "offer_expired"
    assert status_of(api, order["id"], customer) == "PENDING_DISPATCH"

    report = run(api, operator)
    assert report["no_candidate"] == 1 and report["offered"] == 0
    explained = api.get(f"/ops/dispatch/{order['id']}", operator).json()
    assert [d["outcome"] for d in explained["decisions"]] == ["offered", "offered", "no_candidate"]
    assert [(o["technician_id"], o["status"], o["reason"]) for o in explained["offers"]] == [
        (near["id"], "declined", "太远"),
        (far["id"], "expired", ""),
    ]
    ops_view = api.get("/ops/orders?anomaly=any", operator).json()
    flagged = next(o for o in ops_view if o["id"] == order["id"])
    assert "no_candidate" in flagged["anomalies"]
    # A second round soon after does not pile up identical decisions.
    run(api, operator)
    assert len(api.get(f"/ops/dispatch/{order['id']}", operator).json()["decisions"]) == 3
    # Still waiting, so the open pool shows it to the eligible technicians.
    assert [p["order_id"] for p in api.get("/technician/pool", near).json()] == [order["id"]]


def test_overdue_offers_expire_in_the_round(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "李女士")
    order = paid_order(api, customer)
    run(api, operator)
    api.app.state.clock.advance(seconds=20)
    report = run(api, operator)
    assert report["expired"] == 1
    assert api.get("/technician/offers", near).json() == []
    events = [e["type"] for e in api.get(f"/orders/{order['id']}/events", customer).json()]
    assert "order.offer_timed_out" in events


def test_pool_mode_exactly_one_claim_wins(api):
    operator = api.staff("operator")
    techs = [
        ready_technician(api, f"师傅{k}", home=north_km(0.5 + k), operator=operator)
        for k in range(4)
    ]
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer", "赵女士")
    order = paid_order(api, customer)
    assert run(api, operator)["pooled"] == 1
    assert status_of(api, order["id"], customer) == "PENDING_DISPATCH"

    items = api.get("/technician/pool", techs[0]).json()
    assert [i["order_id"] for i in items] == [order["id"]]
    assert items[0]["district"] == "三里屯" and "address" not in items[0]

    winners, losers = [], []
    barrier = threading.Barrier(len(techs))

    def attempt(tech: dict) -> None:
        from server.auth.models import User

        barrier.wait(timeout=60)
        try:
            with unit_of_work(api.app) as uow:  # one claim, committed (or undone) as a whole
                user = uow.session.get(User, tech["id"])
                dispatch_service.claim(
                    uow, user=user, order_id=order["id"], timezone="Asia/Shanghai"
                )
            winners.append(tech["id"])
        except AppError as exc:
            losers.append((exc.status_code, exc.code))

    threads = [threading.Thread(target=attempt, args=(t,)) for t in techs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1 and len(losers) == 3
    assert all(code == 409 for code, _ in losers)
    body = api.get(f"/orders/{order['id']}", customer).json()
    assert body["status"] == "ACCEPTED" and body["technician_id"] == winners[0]
    events = [e["type"] for e in api.get(f"/orders/{order['id']}/events", customer).json()]
    assert events.count("order.claimed") == 1
    r = api.post(f"/orders/{order['id']}/claim", techs[0], json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_not_claimable"


def test_claim_refused_with_the_reasons(api):
    operator = api.staff("operator")
    ready_technician(api, "持证师傅", home=north_km(1), operator=operator)
    no_cert = ready_technician(api, "无证师傅", home=north_km(1), certs=(), operator=operator)
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer", "钱先生")
    order = paid_order(api, customer)
    assert api.get("/technician/pool", no_cert).json() == []
    r = api.post(f"/orders/{order['id']}/claim", no_cert, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_eligible"
    codes = [x["code"] for x in r.json()["error"]["details"]["reasons"]]
    assert codes == ["missing_certificate"]


def test_newborn_care_goes_only_to_a_maternity_nurse(api):
    operator = api.staff("operator")
    skills = ("maternity_care", "cooking")
    ready_technician(
        api, "普通阿姨", home=north_km(0.5), skills=skills, certs=("health",), operator=operator
    )
    nurse = ready_technician(
        api,
        "月嫂",
        home=north_km(4),
        skills=skills,
        certs=("health", "maternity_nurse"),
        operator=operator,
    )
    customer = api.register("customer", "孙女士")
    order = paid_order(api, customer, service_id="svc_maternity_nurse_26d")
    run(api, operator)
    (offer,) = api.get("/technician/offers", nurse).json()
    assert offer["order_id"] == order["id"]
    decision = api.get(f"/ops/dispatch/{order['id']}", operator).json()["decisions"][0]
    assert decision["rejected"]["counts"] == {"missing_certificate": 1}


def test_customer_block_keeps_a_technician_away(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(5), operator=operator)
    customer = api.register("customer", "周女士")
    r = api.post(
        "/me/blocked-technicians", customer, json={"technician_id": near["id"], "reason": "迟到"}
    )
    assert r.status_code == 201, r.text
    assert [b["technician_id"] for b in api.get("/me/blocked-technicians", customer).json()] == [
        near["id"]
    ]
    r = api.post(
        "/me/blocked-technicians", customer, json={"technician_id": customer["user"]["id"]}
    )
    assert r.status_code == 404
    order = paid_order(api, customer)
    run(api, operator)
    assert api.get("/technician/offers", near).json() == []
    assert [o["order_id"] for o in api.get("/technician/offers", far).json()] == [order["id"]]
    assert (
        api.client.delete(
            f"/api/v1/me/blocked-technicians/{near['id']}", headers=customer["headers"]
        ).status_code
        == 204
    )
    assert api.get("/me/blocked-technicians", customer).json() == []


def test_batch_mode_matches_orders_and_technicians_together(api):
    operator = api.staff("operator")
    a = ready_technician(api, "甲师傅", home=north_km(1), operator=operator)
    b = ready_technician(api, "乙师傅", home=north_km(3), operator=operator)
    set_rules(api, operator, {"dispatch": {"mode": "batch"}})
    customer = api.register("customer", "吴先生")
    first = paid_order(api, customer, hours_ahead=26)
    second = paid_order(api, customer, hours_ahead=27)  # overlaps the first: one technician each
    report = run(api, operator)
    assert report["offered"] == 2
    offered = {
        o["order_id"]: t["id"] for t in (a, b) for o in api.get("/technician/offers", t).json()
    }
    assert set(offered) == {first["id"], second["id"]} and len(set(offered.values())) == 2
    modes = {
        d["mode"] for d in api.get(f"/ops/dispatch/{first['id']}", operator).json()["decisions"]
    }
    assert modes == {"batch"}


def test_operator_assigns_only_an_eligible_technician(api):
    operator = api.staff("operator")
    good = ready_technician(api, "好师傅", home=north_km(1), operator=operator)
    wrong = ready_technician(
        api, "维修师傅", home=north_km(1), skills=("appliance_repair",), operator=operator
    )
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer", "郑女士")
    order = paid_order(api, customer)
    r = api.post(
        f"/ops/dispatch/{order['id']}/assign", operator, json={"technician_id": wrong["id"]}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "technician_ineligible"
    assert "missing_skill" in [x["code"] for x in r.json()["error"]["details"]["reasons"]]
    r = api.post(
        f"/ops/dispatch/{order['id']}/assign", operator, json={"technician_id": good["id"]}
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["technician_id"] == good["id"]
        and r.json()["decisions"][-1]["outcome"] == "assigned"
    )
    support = api.staff("support")
    assert api.get(f"/ops/dispatch/{order['id']}", support).status_code == 200
    assert (
        api.post(
            f"/ops/dispatch/{order['id']}/assign", support, json={"technician_id": good["id"]}
        ).status_code
        == 403
    )


def test_cancelling_an_offered_order_withdraws_the_offer(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "冯女士")
    order = paid_order(api, customer)
    run(api, operator)
    (offer,) = api.get("/technician/offers", near).json()
    r = api.post(f"/orders/{order['id']}/cancel", customer, json={"reason": "不需要了"})
    assert r.status_code == 200, r.text
    assert api.get("/technician/offers", near).json() == []
    with Session(api.app.state.engine) as s:
        assert (
            s.exec(select(DispatchOffer.status).where(DispatchOffer.id == offer["id"])).one()
            == "withdrawn"
        )
    r = api.post(f"/technician/offers/{offer['id']}/accept", near, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "offer_closed"


def test_accept_refused_when_the_calendar_filled_meanwhile(api):
    operator = api.staff("operator")
    tech = ready_technician(api, "忙师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "陈先生")
    first = paid_order(api, customer)
    run(api, operator)
    (offer,) = api.get("/technician/offers", tech).json()
    second = paid_order(api, customer)  # same slot; nobody else to offer it to
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=second["id"],
            action=Action.ASSIGN,
            actor=Actor(ActorKind.SYSTEM),
            technician_id=tech["id"],
        )
    r = api.post(f"/technician/offers/{offer['id']}/accept", tech, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_longer_eligible"
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["slot_conflict"]
    assert status_of(api, first["id"], customer) == "PENDING_DISPATCH"


def test_schedule_orders_the_day_with_etas(api):
    operator = api.staff("operator")
    tech = ready_technician(api, "排班师傅", home=north_km(2), operator=operator)
    customer = api.register("customer", "褚女士")
    first = paid_order(api, customer, hours_ahead=26)
    second = paid_order(api, customer, hours_ahead=30)
    for o in (second, first):
        r = api.post(
            f"/ops/dispatch/{o['id']}/assign", operator, json={"technician_id": tech["id"]}
        )
        assert r.status_code == 200, r.text
    day = (
        (api.app.state.clock.now() + timedelta(hours=26))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .date()
    )
    r = api.get(f"/technician/schedule?day={day.isoformat()}", tech)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert [v["order_id"] for v in plan["visits"]] == [first["id"], second["id"]]
    assert plan["feasible"] is True and plan["warnings"] == []
    assert all(v["late_minutes"] == 0 for v in plan["visits"])
    assert plan["visits"][0]["travel_minutes"] > 0
    times = [
        v
        for visit in plan["visits"]
        for v in visit.values()
        if isinstance(v, str) and v[:4].isdigit() and "T" in v
    ]
    assert times and all(v.endswith("Z") for v in times), times  # one offset style: UTC
    assert api.get("/technician/schedule", customer).status_code == 403


def test_offers_are_private_and_rules_are_validated(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    other = ready_technician(api, "别的师傅", home=north_km(40), operator=operator)
    customer = api.register("customer", "卫女士")
    paid_order(api, customer)
    run(api, operator)
    (offer,) = api.get("/technician/offers", near).json()
    r = api.post(f"/technician/offers/{offer['id']}/accept", other, json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "offer_not_found"
    assert api.get("/technician/offers", customer).status_code == 403
    assert api.get(f"/ops/dispatch/{offer['order_id']}", near).status_code == 403
    assert api.post("/ops/dispatch/run", near).status_code == 403
    r = api.put(
        "/ops/settings", operator, json={"rules": {"dispatch": {"weights": {"proximity": -1}}}}
    )
    assert r.status_code == 422
    r = api.put(
        "/ops/settings", operator, json={"rules": {"dispatch": {"offer_timeout_seconds": 2}}}
    )
    assert r.status_code == 422
    set_rules(
        api,
        operator,
        {
            "dispatch": {
                "weights": {"proximity": 1, "rating": 0, "level": 0, "fairness": 0, "acceptance": 0}
            }
        },
    )
    assert (
        api.get("/ops/settings", operator).json()["rules"]["dispatch"]["weights"]["proximity"] == 1
    )


def test_pool_reads_and_claims_race_without_errors(api):
    """Technicians browsing the pool while others claim: no 500s, every order taken once."""
    from server.auth.models import User

    operator = api.staff("operator")
    techs = [
        ready_technician(api, f"师傅{k}", home=north_km(0.3 * k), operator=operator)
        for k in range(6)
    ]
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer", "蒋女士")
    orders = [paid_order(api, customer, hours_ahead=26 + 4 * k) for k in range(3)]
    failures: list[BaseException] = []
    claimed: list[str] = []
    barrier = threading.Barrier(len(techs))

    def browse_and_claim(tech: dict) -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(3):
                with UnitOfWork.begin(api.app.state, write=False) as uow:  # a read, as a GET
                    user = uow.session.get(User, tech["id"])
                    items = dispatch_service.pool(uow, user=user, timezone="Asia/Shanghai")
                if not items:
                    return
                try:
                    with unit_of_work(api.app) as uow:
                        user = uow.session.get(User, tech["id"])
                        dispatch_service.claim(
                            uow, user=user, order_id=items[0].order_id, timezone="Asia/Shanghai"
                        )
                    claimed.append(items[0].order_id)
                    return
                except AppError as exc:  # the unit of work was rolled back
                    assert exc.status_code == 409, exc.code
        except BaseException as exc:  # noqa: BLE001  (collected and reported below)
            failures.append(exc)

    threads = [threading.Thread(target=browse_and_claim, args=(t,)) for t in techs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(claimed) == sorted(o["id"] for o in orders)


def test_a_lapsed_offer_is_tried_again_after_the_cooldown(api):
    operator = api.staff("operator")
    tech = ready_technician(api, "忙碌师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "沈女士")
    order = paid_order(api, customer)
    run(api, operator)
    assert len(api.get("/technician/offers", tech).json()) == 1
    api.app.state.clock.advance(seconds=21)
    report = run(api, operator)
    assert report["expired"] == 1 and report["no_candidate"] == 1
    api.app.state.clock.advance(minutes=2)
    assert run(api, operator)["offered"] == 0  # too soon to ask again
    api.app.state.clock.advance(minutes=4)
    app_still_open(api, tech)
    assert run(api, operator)["offered"] == 1
    (again,) = api.get("/technician/offers", tech).json()
    assert again["order_id"] == order["id"]
    r = api.post(f"/technician/offers/{again['id']}/accept", tech, json={})
    assert r.status_code == 200 and r.json()["status"] == "ACCEPTED"


def test_a_technician_cannot_pinpoint_a_home_from_offer_distances(api):
    """Before accepting, distances come in 100 m steps, and the service area cannot be
    moved over and over to triangulate a home."""
    operator = api.staff("operator")
    # dispatch itself knows the home only to the block (server.core.points): 1,234 m
    # north of that point is what the distance is measured from
    block = (coarse(ADDRESS[0]), coarse(ADDRESS[1]))
    tech = ready_technician(
        api, "好奇师傅", home=(block[0] + 1.234 / 111.195, block[1]), operator=operator
    )
    paid_order(api, api.register("customer"))
    run(api, operator)
    (offer,) = api.get("/technician/offers", tech).json()
    assert offer["distance_m"] == 1200
    area = {"center": {"lat": ADDRESS[0], "lng": ADDRESS[1]}, "radius_km": 5}
    limit = api.app.state.settings.service_area_changes_per_hour
    for _move in range(limit - 1):  # ready_technician set it once
        assert api.put("/technician/service-area", tech, json=area).status_code == 200
    r = api.put("/technician/service-area", tech, json=area)
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
