"""Transfers over HTTP: a reason is required; the technician who handed an order back
never gets it again, however they had got it (offer, pool claim, operator assignment);
staff re-dispatch with ``platform_fault`` compensates them through the ledger."""

from __future__ import annotations

from tests.api.payment_steps import pay, trial
from tests.api.test_dispatch import (
    north_km,
    paid_order,
    ready_technician,
    run,
    set_rules,
    status_of,
)


def transfer(api, tech: dict, order_id: str, reason: str | None = "车坏了") -> object:  # noqa: ANN001
    body = {} if reason is None else {"reason": reason}
    return api.post(f"/orders/{order_id}/transfer", tech, json=body)


def offered_to(api, tech: dict) -> list[str]:  # noqa: ANN001
    return [o["order_id"] for o in api.get("/technician/offers", tech).json()]


def test_a_transfer_needs_a_reason(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer)
    run(api, operator)
    (offer,) = api.get("/technician/offers", near).json()
    assert api.post(f"/technician/offers/{offer['id']}/accept", near, json={}).status_code == 200
    for reason in (None, "", "   "):
        r = transfer(api, near, order["id"], reason)
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required", r.text
    assert status_of(api, order["id"], customer) == "ACCEPTED"
    r = api.post(f"/ops/orders/{order['id']}/reassign", operator, json={"platform_fault": True})
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = transfer(api, near, order["id"], "临时有事")
    assert r.status_code == 200 and r.json()["status"] == "PENDING_DISPATCH", r.text
    events = api.get(f"/orders/{order['id']}/events", customer).json()
    assert (
        events[-1]["type"] == "order.transferred" and events[-1]["payload"]["reason"] == "临时有事"
    )


def test_redispatch_never_goes_back_to_whoever_handed_the_order_back(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer", "王先生")

    # 1. got it from the pool: after handing it back it is not in their pool, they may
    #    not claim it, and an operator may not assign it to them
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    pooled = paid_order(api, customer)
    assert [i["order_id"] for i in api.get("/technician/pool", near).json()] == [pooled["id"]]
    r = api.post(f"/orders/{pooled['id']}/claim", near, json={})
    assert r.status_code == 200, r.text
    assert transfer(api, near, pooled["id"]).status_code == 200
    assert api.get("/technician/pool", near).json() == []
    assert [i["order_id"] for i in api.get("/technician/pool", far).json()] == [pooled["id"]]
    r = api.post(f"/orders/{pooled['id']}/claim", near, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_transferred_by_you"
    assert api.get(f"/orders/{pooled['id']}", near).status_code == 404  # not even the card
    r = api.post(
        f"/ops/dispatch/{pooled['id']}/assign", operator, json={"technician_id": near["id"]}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "technician_ineligible"
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["handed_back"]
    r = api.post(f"/orders/{pooled['id']}/claim", far, json={})
    assert r.status_code == 200 and r.json()["technician_id"] == far["id"]

    # 2. got it from an operator: the cascade then offers it to the next one, although
    #    they never had an offer for it and are still the nearest
    set_rules(api, operator, {"dispatch": {"mode": "cascade"}})
    assigned = paid_order(api, customer, hours_ahead=50)
    r = api.post(
        f"/ops/dispatch/{assigned['id']}/assign", operator, json={"technician_id": near["id"]}
    )
    assert r.status_code == 200, r.text
    assert transfer(api, near, assigned["id"]).status_code == 200
    run(api, operator)
    assert offered_to(api, near) == [] and offered_to(api, far) == [assigned["id"]]
    last = api.get(f"/ops/dispatch/{assigned['id']}", operator).json()["decisions"][-1]
    assert last["chosen_technician_id"] == far["id"]
    assert last["rejected"]["counts"] == {"handed_back": 1}
    (offer,) = api.get("/technician/offers", far).json()
    r = api.post(f"/technician/offers/{offer['id']}/decline", far, json={"reason": "没空"})
    assert r.status_code == 200
    report = run(api, operator)  # nobody left: flagged, never back to the near one
    assert report["no_candidate"] == 1 and offered_to(api, near) == []

    # 3. got it from an offer
    offered = paid_order(api, customer, hours_ahead=74)
    run(api, operator)
    assert offered_to(api, near) == [offered["id"]]
    (offer,) = api.get("/technician/offers", near).json()
    assert api.post(f"/technician/offers/{offer['id']}/accept", near, json={}).status_code == 200
    assert transfer(api, near, offered["id"]).status_code == 200
    run(api, operator)
    assert offered_to(api, near) == [] and offered_to(api, far) == [offered["id"]]

    # the technician's own hand-backs count against them (platform fault would not)
    stats = api.get("/technician/profile", near).json()["stats"]
    assert stats["transfer_count"] == 3


def test_platform_fault_reassign_compensates_on_the_gross_price(api):
    operator = api.staff("operator")
    finance = api.staff("finance")
    admin = api.staff("admin")
    support = api.staff("support")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer", "赵女士")
    welcome = next(
        c for c in api.get("/me/wallet", customer).json()["coupons"] if c["kind"] == "new_customer"
    )
    quote = api.quote(customer, units=3, coupon_ids=[welcome["id"]])
    assert quote["total"] == 12000 - 5000  # 3 h x 40 CNY less the 50 CNY welcome coupon
    order = api.post("/orders", customer, json={"quote_id": quote["quote_id"]}).json()
    oid = order["id"]
    pay(api, customer, oid)
    r = api.post(
        f"/ops/orders/{oid}/reassign", operator, json={"reason": "x", "platform_fault": True}
    )
    assert (
        r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    )  # nobody holds it yet
    run(api, operator)
    (offer,) = api.get("/technician/offers", near).json()
    assert api.post(f"/technician/offers/{offer['id']}/accept", near, json={}).status_code == 200

    assert (
        api.post(
            f"/ops/orders/{oid}/reassign", support, json={"reason": "x", "platform_fault": True}
        ).status_code
        == 403
    )
    r = api.post(
        f"/ops/orders/{oid}/reassign",
        operator,
        json={"reason": "系统重复派单", "platform_fault": True},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # 10 % of the gross 120.00, not of the 70.00 the customer paid
    assert body == {
        "order_id": oid,
        "status": "PENDING_DISPATCH",
        "previous_technician_id": near["id"],
        "platform_fault": True,
        "compensation": 1200,
        "reason": "系统重复派单",
    }

    balances = trial(api, finance)  # difference 0 checked inside
    assert balances[f"payable:technician:{near['id']}"] == -1200
    assert balances["expense:compensation"] == 1200
    assert balances[f"escrow:order:{oid}"] == -7000  # the customer's money is untouched
    entries = api.get(f"/ops/ledger/orders/{oid}", finance).json()
    assert [e["kind"] for e in entries] == ["payment", "compensation"]
    assert sorted((ln["account"], ln["amount"]) for ln in entries[1]["lines"]) == [
        ("expense:compensation", 1200),
        (f"payable:technician:{near['id']}", -1200),
    ]
    events = api.get(f"/orders/{oid}/events", customer).json()
    assert events[-1]["type"] == "order.transferred"
    assert events[-1]["payload"]["platform_fault"] is True
    assert "compensation" not in events[-1]["payload"]  # the customer reads the timeline

    audit = api.get(
        "/ops/audit", admin, params={"action": "order.reassign", "target_id": oid}
    ).json()
    assert len(audit) == 1
    assert (
        audit[0]["actor_id"] == operator["user"]["id"]
        and audit[0]["details"]["platform_fault"] is True
    )
    assert audit[0]["details"]["compensation"] == 1200

    # re-dispatched, but not to the technician it was taken from
    run(api, operator)
    assert offered_to(api, near) == [] and offered_to(api, far) == [oid]
    # the platform's fault is not held against them
    assert api.get("/technician/profile", near).json()["stats"]["transfer_count"] == 0

    # not the platform's fault: no compensation, and it counts against the technician
    (offer,) = api.get("/technician/offers", far).json()
    assert api.post(f"/technician/offers/{offer['id']}/accept", far, json={}).status_code == 200
    r = api.post(f"/ops/orders/{oid}/reassign", operator, json={"reason": "师傅电话请求转单"})
    assert r.status_code == 200 and r.json()["compensation"] == 0
    assert [e["kind"] for e in api.get(f"/ops/ledger/orders/{oid}", finance).json()] == [
        "payment",
        "compensation",
    ]
    assert api.get("/technician/profile", far).json()["stats"]["transfer_count"] == 1
    assert trial(api, finance)["expense:compensation"] == 1200
