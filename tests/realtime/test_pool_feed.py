"""The open pool by push: in pool mode, an order entering the pool and leaving it is
told to the technicians whose pool lists it, and to nobody else; in the cascade, an
order the offers could not place is left to the pool, and told the same way."""

from __future__ import annotations

import pytest

from server.core.events import Moved
from server.dispatch import service as dispatch_service
from server.orders import service as orders_service
from server.realtime.pool_feed import pool_change
from tests.api.test_dispatch import (
    app_still_open,
    north_km,
    paid_order,
    ready_technician,
    run,
    set_rules,
)
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _pool(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "pool"]


def test_a_pool_change_is_pushed_to_the_technicians_who_may_see_it(api, feed) -> None:  # noqa: ANN001
    operator = api.staff("operator")
    first = ready_technician(api, "甲师傅", home=north_km(1), operator=operator)
    second = ready_technician(api, "乙师傅", home=north_km(2), operator=operator)
    plumber = ready_technician(
        api, "水电师傅", home=north_km(1), skills=("plumbing",), operator=operator
    )
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    customer = api.register("customer")
    with feed(first) as a, feed(second) as b, feed(plumber) as c, feed(customer) as d:
        order = paid_order(api, customer)
        added = {"type": "pool", "order_id": order["id"], "change": "added"}
        assert _pool(a.drain()) == [added]  # who else was told is not said
        assert _pool(b.drain()) == [added]
        assert _pool(c.drain()) == []  # cannot do the job: it is not in his pool
        assert _pool(d.drain()) == []

        r = api.post(f"/orders/{order['id']}/claim", second, json={})
        assert r.status_code == 200, r.text
        removed = {"type": "pool", "order_id": order["id"], "change": "removed"}
        assert _pool(a.drain()) == [removed]
        taken = b.drain()
        assert _pool(taken) == []  # his own order's events tell him
        assert any(m.get("event_type") == "order.claimed" for m in taken)
        assert _pool(c.drain()) == []


def test_no_pool_pushes_when_dispatch_offers(api, feed) -> None:  # noqa: ANN001
    operator = api.staff("operator")
    tech = ready_technician(api, "甲师傅", home=north_km(1), operator=operator)
    with feed(tech) as a:
        paid_order(api, api.register("customer"))
        assert _pool(a.drain()) == []


def test_the_cascade_leaves_an_order_nobody_took_to_the_pool_and_says_so(api, feed) -> None:  # noqa: ANN001
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer")
    with feed(near) as a, feed(far) as b:
        order = paid_order(api, customer)
        for tech in (near, far):  # each declines his offer in turn
            run(api, operator)
            (offer,) = api.get("/technician/offers", tech).json()
            r = api.post(f"/technician/offers/{offer['id']}/decline", tech, json={"reason": "忙"})
            assert r.status_code == 200, r.text
        assert _pool(a.drain()) == [] and _pool(b.drain()) == []  # offers, not the pool
        assert run(api, operator)["no_candidate"] == 1
        added = {"type": "pool", "order_id": order["id"], "change": "added"}
        assert _pool(a.drain()) == [added]
        assert _pool(b.drain()) == [added]
        run(api, operator)  # nothing changed: nobody is told again
        assert _pool(a.drain()) == [] and _pool(b.drain()) == []
        assert [p["order_id"] for p in api.get("/technician/pool", far).json()] == [order["id"]]

        r = api.post(f"/orders/{order['id']}/claim", far, json={})
        assert r.status_code == 200, r.text
        removed = {"type": "pool", "order_id": order["id"], "change": "removed"}
        assert _pool(a.drain()) == [removed]
        assert _pool(b.drain()) == []  # he took it


def test_an_order_left_to_the_pool_leaves_it_when_offered_again(api, feed) -> None:  # noqa: ANN001
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    customer = api.register("customer")
    with feed(near) as a:
        order = paid_order(api, customer)
        run(api, operator)
        (offer,) = api.get("/technician/offers", near).json()
        api.post(f"/technician/offers/{offer['id']}/decline", near, json={"reason": "忙"})
        assert run(api, operator)["no_candidate"] == 1
        a.drain()
        newcomer = ready_technician(api, "新师傅", home=north_km(2), operator=operator)
        api.app.state.clock.advance(seconds=31)  # the unplaced order's retry is due
        app_still_open(api, newcomer)
        report = run(api, operator)
        assert report["offered"] == 1
        removed = {"type": "pool", "order_id": order["id"], "change": "removed"}
        assert _pool(a.drain()) == [removed]
        (offer,) = api.get("/technician/offers", newcomer).json()
        assert offer["order_id"] == order["id"]


def test_only_technicians_present_are_told(api) -> None:  # noqa: ANN001
    """An absent technician has no app to tell (his pool loads when he opens it)."""
    operator = api.staff("operator")
    tech = ready_technician(api, "甲师傅", home=north_km(1), operator=operator)
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    order = paid_order(api, api.register("customer"))

    def viewers() -> list[str]:
        with unit_of_work(api.app) as uow:
            row = orders_service.get(uow, order_id=order["id"])
            return dispatch_service.pool_viewers(uow, order=row)

    assert viewers() == [tech["id"]]
    api.app.state.clock.advance(seconds=api.app.state.settings.presence_window_seconds)
    assert viewers() == []
    app_still_open(api, tech)
    assert viewers() == [tech["id"]]


def test_only_entering_or_leaving_the_waiting_state_changes_the_pool() -> None:

    def moved(before: str, after: str) -> Moved:
        return Moved(order=None, action=None, from_status=before, to_status=after)

    assert pool_change(moved("PENDING_PAYMENT", "PENDING_DISPATCH")) == "added"
    assert pool_change(moved("ACCEPTED", "PENDING_DISPATCH")) == "added"  # transferred
    assert pool_change(moved("PENDING_DISPATCH", "ACCEPTED")) == "removed"  # claimed
    assert pool_change(moved("PENDING_DISPATCH", "CANCELLED")) == "removed"
    assert pool_change(moved("PENDING_DISPATCH", "PENDING_DISPATCH")) is None
    assert pool_change(moved("ACCEPTED", "EN_ROUTE")) is None
