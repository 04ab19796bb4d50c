"""Moving a visit (改约) over HTTP: the assigned technician asks at least two hours ahead,
the order's customer accepts (the visit moves, his calendar with it) or declines (back
to dispatch without him); no answer in time lapses the same way. Each refusal has its
code; only the technician can ask and only the customer can answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.core.clock import as_utc
from server.dispatch import service as dispatch_service
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from tests.api.test_dispatch import (
    north_km,
    paid_order,
    ready_technician,
    run,
    set_rules,
    status_of,
)
from tests.unit_of_work import unit_of_work


def when(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value))


def assign(api, operator: dict, order: dict, tech: dict) -> None:  # noqa: ANN001
    r = api.post(
        f"/ops/dispatch/{order['id']}/assign", operator, json={"technician_id": tech["id"]}
    )
    assert r.status_code == 200, r.text


def accepted(api, *, hours_ahead: int = 26) -> tuple[dict, dict, dict, dict]:  # noqa: ANN001
    """An order accepted by the near technician: (order read, technician, customer,
    operator)."""
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer, hours_ahead=hours_ahead)
    assign(api, operator, order, near)
    r = api.get(f"/orders/{order['id']}", near)
    assert r.json()["status"] == "ACCEPTED", r.text
    return r.json(), near, customer, operator


def ask(api, tech: dict, order: dict, *, hours_later: float = 3, reason: str = "前一单延误"):  # noqa: ANN001, ANN201
    start = when(order["scheduled_start"]) + timedelta(hours=hours_later)
    body = {"scheduled_start": start.isoformat(), "reason": reason}
    return api.post(f"/orders/{order['id']}/delay-requests", tech, json=body)


def answer(api, customer: dict, order: dict, request_id: str, verb: str):  # noqa: ANN001, ANN201
    return api.post(f"/orders/{order['id']}/delay-requests/{request_id}/{verb}", customer)


def kinds(api, user: dict) -> list[str]:  # noqa: ANN001
    return [n["kind"] for n in api.get("/me/notifications", user).json()]


def error(r) -> str:  # noqa: ANN001
    return r.json()["error"]["code"]


def test_accepted_the_visit_moves_with_his_calendar(api):
    order, tech, customer, _ = accepted(api)
    assert "request_delay" in order["allowed_actions"]
    r = ask(api, tech, order)
    assert r.status_code == 201, r.text
    request = r.json()
    start, end = when(order["scheduled_start"]), when(order["scheduled_end"])
    assert request["status"] == "pending" and request["reason"] == "前一单延误"
    assert when(request["to_start"]) == start + timedelta(hours=3)
    assert when(request["to_end"]) - when(request["to_start"]) == end - start  # same length
    assert when(request["expires_at"]) == start - timedelta(hours=1)
    # one at a time: the order read no longer offers it; the customer is asked
    assert "request_delay" not in api.get(f"/orders/{order['id']}", tech).json()["allowed_actions"]
    assert "delay.requested" in kinds(api, customer)
    assert [d["id"] for d in api.get(f"/orders/{order['id']}/delay-requests", customer).json()] == [
        request["id"]
    ]
    # while it waits, dispatch keeps the asked-for window free for him
    with unit_of_work(api.app) as uow:
        world = dispatch_service.load_world(
            uow, now=uow.clock.now(), timezone="Asia/Shanghai", ids=[tech["id"]], presence=False
        )
        assert any(b.start == start + timedelta(hours=3) for b in world.techs[tech["id"]].busy)

    r = answer(api, customer, order, request["id"], "accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    moved = api.get(f"/orders/{order['id']}", customer).json()
    assert moved["status"] == "ACCEPTED" and moved["technician_id"] == tech["id"]
    assert when(moved["scheduled_start"]) == start + timedelta(hours=3)
    assert when(moved["scheduled_end"]) == end + timedelta(hours=3)
    events = [e["type"] for e in api.get(f"/orders/{order['id']}/events", tech).json()]
    assert events[-2:] == ["order.delay_requested", "order.delay_accepted"]
    assert "delay.accepted" in kinds(api, tech)
    with unit_of_work(api.app) as uow:
        world = dispatch_service.load_world(
            uow, now=uow.clock.now(), timezone="Asia/Shanghai", ids=[tech["id"]], presence=False
        )
        busy = [(b.start, b.end) for b in world.techs[tech["id"]].busy]
    assert busy == [(start + timedelta(hours=3), end + timedelta(hours=3))]
    # the visit may move again, well ahead of its new start
    assert "request_delay" in api.get(f"/orders/{order['id']}", tech).json()["allowed_actions"]


def test_declined_the_order_goes_to_someone_else(api):
    order, near, customer, operator = accepted(api)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    request = ask(api, near, order).json()
    r = answer(api, customer, order, request["id"], "decline")
    assert r.status_code == 200 and r.json()["status"] == "declined", r.text
    after = api.get(f"/orders/{order['id']}", customer).json()
    assert after["status"] == "PENDING_DISPATCH" and after["technician_id"] is None
    assert after["scheduled_start"] == order["scheduled_start"]  # the booked time stands
    events = api.get(f"/orders/{order['id']}/events", customer).json()
    assert [e["type"] for e in events[-2:]] == ["order.delay_declined", "order.transferred"]
    assert events[-1]["payload"]["previous_technician_id"] == near["id"]
    assert "delay.declined" in kinds(api, near)
    # he no longer sees the order, but still his request and how it ended
    assert api.get(f"/orders/{order['id']}", near).status_code == 404
    (mine,) = api.get(f"/orders/{order['id']}/delay-requests", near).json()
    assert mine["status"] == "declined"
    run(api, operator)
    offers = [o["order_id"] for o in api.get("/technician/offers", far).json()]
    assert offers == [order["id"]] and api.get("/technician/offers", near).json() == []
    # the hand-back counts as his own
    assert api.get("/technician/profile", near).json()["stats"]["transfer_count"] == 1


def test_no_answer_in_time_lapses_back_to_dispatch(api):
    order, tech, customer, _ = accepted(api)
    request = ask(api, tech, order).json()
    clock = api.app.state.clock
    clock.set(when(request["expires_at"]) - timedelta(seconds=1))
    assert orders_service.delay_expiry_sweep(api.app.state) == []
    clock.set(when(request["expires_at"]))
    assert orders_service.delay_expiry_sweep(api.app.state) == [request["id"]]
    customer, tech = api.login(customer), api.login(tech)  # the clock moved past the tokens
    assert status_of(api, order["id"], customer) == "PENDING_DISPATCH"
    (lapsed,) = api.get(f"/orders/{order['id']}/delay-requests", customer).json()
    assert lapsed["status"] == "expired"
    assert "delay.redispatched" in kinds(api, customer)
    assert "delay.expired" in kinds(api, tech)
    assert orders_service.delay_expiry_sweep(api.app.state) == []  # once


def test_an_answer_after_the_deadline_finds_it_lapsed(api):
    order, tech, customer, _ = accepted(api)
    request = ask(api, tech, order).json()
    api.app.state.clock.set(when(request["expires_at"]) + timedelta(minutes=1))
    customer = api.login(customer)
    r = answer(api, customer, order, request["id"], "accept")
    assert r.status_code == 409 and error(r) == "delay_request_expired", r.text
    # the lapse stands although the answer was refused
    assert status_of(api, order["id"], customer) == "PENDING_DISPATCH"
    (lapsed,) = api.get(f"/orders/{order['id']}/delay-requests", customer).json()
    assert lapsed["status"] == "expired"


def test_each_refusal_has_its_code(api):
    order, tech, customer, operator = accepted(api, hours_ahead=6)
    start = when(order["scheduled_start"])
    path = f"/orders/{order['id']}/delay-requests"
    now = api.app.state.clock.now()

    def asked(at: object, reason: str = "车坏了") -> object:
        value = at.isoformat() if isinstance(at, datetime) else at
        return api.post(path, tech, json={"scheduled_start": value, "reason": reason})

    for at, code, status in (
        ("2026-06-02T10:00:00", "time_without_offset", 422),  # naive
        (now - timedelta(minutes=5), "scheduled_in_past", 422),
        (now + timedelta(minutes=30), "scheduled_too_soon", 422),
        (now + timedelta(days=15), "scheduled_too_far", 422),
        (start, "delay_same_time", 422),
    ):
        r = asked(at)
        assert (r.status_code, error(r)) == (status, code), (at, r.text)
    r = asked(start + timedelta(hours=2), reason="   ")
    assert (r.status_code, error(r)) == (422, "reason_required")
    # another of his visits at the new time
    other = paid_order(api, customer, hours_ahead=30)
    assign(api, operator, other, tech)
    r = asked(now + timedelta(hours=30, minutes=30))
    assert (r.status_code, error(r)) == (409, "delay_overlaps_job")
    assert r.json()["error"]["details"]["order_id"] == other["id"]
    # one waiting at a time
    assert asked(start + timedelta(hours=2)).status_code == 201
    r = asked(start + timedelta(hours=4))
    assert (r.status_code, error(r)) == (409, "delay_request_pending")
    # a visit under way no longer moves (and the open request went with the departure)
    r = api.post(f"/orders/{order['id']}/depart", tech, json={})
    assert r.status_code == 200, r.text
    r = asked(start + timedelta(hours=4))
    assert (r.status_code, error(r)) == (409, "illegal_transition")
    (withdrawn,) = [
        d
        for d in api.get(path, customer).json()
        if when(d["to_start"]) == start + timedelta(hours=2)
    ]
    assert withdrawn["status"] == "withdrawn"
    r = answer(api, customer, order, withdrawn["id"], "accept")
    assert (r.status_code, error(r)) == (409, "delay_request_not_pending")


def test_too_short_notice_by_the_rule(api):
    order, tech, _customer, operator = accepted(api, hours_ahead=5)
    start = when(order["scheduled_start"])
    api.app.state.clock.set(start - timedelta(minutes=119))
    tech, operator = api.login(tech), api.login(operator, password="staff password")
    r = ask(api, tech, order)
    assert (r.status_code, error(r)) == (409, "delay_notice_too_short")
    assert r.json()["error"]["details"]["min_notice_minutes"] == 120
    assert "request_delay" not in api.get(f"/orders/{order['id']}", tech).json()["allowed_actions"]
    # the notice is a rule: an hour and a half, the answer due half an hour ahead
    set_rules(
        api,
        operator,
        {"orders": {"delay_min_notice_minutes": 90, "delay_answer_margin_minutes": 30}},
    )
    r = ask(api, tech, order)
    assert r.status_code == 201, r.text
    assert when(r.json()["expires_at"]) == start - timedelta(minutes=30)
    r = api.put(
        "/ops/settings",
        operator,
        json={"rules": {"orders": {"delay_answer_margin_minutes": 90}}},
    )
    assert r.status_code == 422  # an answer due after the notice would lapse at once


def test_only_the_technician_asks_and_only_the_customer_answers(api):
    order, tech, customer, operator = accepted(api)
    stranger = ready_technician(api, "别的师傅", home=north_km(2), operator=operator)
    other_customer = api.register("customer", "李先生")
    r = ask(api, stranger, order)
    assert (r.status_code, error(r)) == (404, "order_not_found")
    r = ask(api, customer, order)
    assert (r.status_code, error(r)) == (403, "role_forbidden")
    request = ask(api, tech, order).json()
    for who, code, status in (
        (other_customer, "order_not_found", 404),
        (tech, "role_forbidden", 403),
        (operator, "role_forbidden", 403),
    ):
        r = answer(api, who, order, request["id"], "accept")
        assert (r.status_code, error(r)) == (status, code), r.text
    for who in (other_customer, stranger):
        r = api.get(f"/orders/{order['id']}/delay-requests", who)
        assert r.status_code == 404, r.text
    r = answer(api, customer, order, "dly_unknown", "accept")
    assert (r.status_code, error(r)) == (404, "delay_request_not_found")
    assert answer(api, customer, order, request["id"], "decline").status_code == 200
    r = answer(api, customer, order, request["id"], "accept")
    assert (r.status_code, error(r)) == (409, "delay_request_not_pending")


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_the_customer_sees_the_new_time_and_the_reason(api, verb):
    order, tech, customer, _ = accepted(api)
    ask(api, tech, order, reason="家中临时有事")
    (request,) = api.get(f"/orders/{order['id']}/delay-requests", customer).json()
    assert request["reason"] == "家中临时有事"
    assert when(request["to_start"]) == when(order["scheduled_start"]) + timedelta(hours=3)
    events = api.get(f"/orders/{order['id']}/events", customer).json()
    assert events[-1]["type"] == "order.delay_requested"
    assert events[-1]["payload"]["reason"] == "家中临时有事"
    assert answer(api, customer, order, request["id"], verb).status_code == 200


def test_the_asked_for_window_stays_his_until_the_answer(api):
    order, tech, customer, operator = accepted(api)
    request = ask(api, tech, order, hours_later=6).json()
    # another order at the asked-for time: dispatch does not give it to him meanwhile
    other = paid_order(api, customer, hours_ahead=32)
    r = api.post(
        f"/ops/dispatch/{other['id']}/assign", operator, json={"technician_id": tech["id"]}
    )
    assert (r.status_code, error(r)) == (409, "technician_ineligible"), r.text
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["slot_conflict"]
    # put there by the system regardless, the customer can no longer take the new time
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=other["id"],
            action=Action.ASSIGN,
            actor=Actor(ActorKind.SYSTEM),
            technician_id=tech["id"],
        )
    r = answer(api, customer, order, request["id"], "accept")
    assert (r.status_code, error(r)) == (409, "delay_time_taken")
    assert r.json()["error"]["details"] == {}  # his other visit is not the customer's to see
    assert answer(api, customer, order, request["id"], "decline").status_code == 200
