"""Money after booking: change requests and their second payment, auto-confirm and the
frozen escrow, the cap on pending requests, and who may read a payment."""

from __future__ import annotations

from server.payments import service as payments_service
from tests.api.payment_steps import finish, pay, photo, relogin, to_service, trial
from tests.unit_of_work import unit_of_work


def test_change_requests_extras_and_second_payment(api):
    customer = api.register("customer")
    tech = api.register("technician")
    support = api.staff("support")
    finance = api.staff("finance")
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    started = to_service(api, customer, tech, oid)
    pic = photo(api, tech, oid)
    r = api.post(
        f"/orders/{oid}/change-requests",
        tech,
        json={"items": [{"code": "free_form", "quantity": 1, "reason": "x", "photo_file_id": pic}]},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "rate_card_item_unknown"
    r = api.post(
        f"/orders/{oid}/change-requests",
        customer,
        json={"items": [{"code": "balcony_clean", "reason": "x", "photo_file_id": pic}]},
    )
    assert r.status_code == 403
    r = api.post(
        f"/orders/{oid}/change-requests",
        tech,
        json={
            "items": [
                {
                    "code": "balcony_clean",
                    "quantity": 1,
                    "reason": "阳台很脏",
                    "photo_file_id": pic,
                },
                {
                    "code": "cabinet_inside",
                    "quantity": 2,
                    "reason": "橱柜内部",
                    "photo_file_id": pic,
                },
            ]
        },
    )
    assert r.status_code == 201, r.text
    cr = r.json()
    assert cr["status"] == "awaiting_customer" and cr["total"] == 3000 + 4000
    assert (
        finish(api, tech, oid, started["sop"]).json()["error"]["code"] == "change_request_pending"
    )
    balcony, cabinet = cr["items"]
    r = api.post(
        f"/orders/{oid}/change-requests/{cr['id']}/approve",
        customer,
        json={"item_ids": [balcony["id"]]},
    )
    assert r.status_code == 200 and r.json()["status"] == "awaiting_customer"
    r = api.post(
        f"/orders/{oid}/change-requests/{cr['id']}/approve",
        customer,
        json={"item_ids": [balcony["id"]]},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "change_item_answered"
    r = api.post(
        f"/orders/{oid}/change-requests/{cr['id']}/reject",
        customer,
        json={"item_ids": [cabinet["id"]]},
    )
    assert (
        r.status_code == 200
        and r.json()["status"] == "answered"
        and r.json()["approved_total"] == 3000
    )
    # over the cap (200 CNY by default): support approves before the customer sees it
    r = api.post(
        f"/orders/{oid}/change-requests",
        tech,
        json={
            "items": [
                {"code": "extra_hour", "quantity": 5, "reason": "全屋太大", "photo_file_id": pic}
            ]
        },
    )
    big = r.json()
    assert big["status"] == "awaiting_support"
    r = api.post(
        f"/orders/{oid}/change-requests/{big['id']}/approve",
        customer,
        json={"item_ids": [big["items"][0]["id"]]},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "change_request_not_pending"
    r = api.post(f"/orders/{oid}/change-requests/{big['id']}/support-approve", support)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_customer"
    r = api.post(
        f"/orders/{oid}/change-requests/{big['id']}/reject",
        customer,
        json={"item_ids": [big["items"][0]["id"]]},
    )
    assert r.status_code == 200
    seen = api.get(f"/orders/{oid}", customer).json()
    assert seen["extras_total"] == 3000 and seen["order_value"] == order["total"] + 3000
    assert seen["amount_due"] == 3000  # the booked price was paid: the extras are what is owed
    types = [e["type"] for e in api.get(f"/orders/{oid}/events", customer).json()]
    assert "order.change_requested" in types and "order.change_approved" in types
    assert "order.change_rejected" in types and "order.change_support_approved" in types
    assert api.post(f"/orders/{oid}/finish", tech, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/confirm", customer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "extras_unpaid"
    payment, approved = pay(api, customer, oid, amount=3000)
    assert payment["purpose"] == "extras" and approved["webhook_outcomes"] == ["extras_paid"]
    assert api.get(f"/orders/{oid}", customer).json()["amount_due"] == 0
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    balances = trial(api, finance)
    total = order["total"] + 3000
    assert balances[f"payable:technician:{tech['user']['id']}"] == -(total - total * 15 // 100)


def test_auto_confirm_and_freeze(api):
    customer = api.register("customer")
    tech = api.register("technician")
    finance = api.staff("finance")
    orders = []
    for _ in range(2):
        order = api.order(customer)
        pay(api, customer, order["id"])
        started = to_service(api, customer, tech, order["id"])
        assert finish(api, tech, order["id"], started["sop"]).status_code == 200
        orders.append(order)
    clock = api.app.state.clock
    with unit_of_work(api.app) as uow:
        payments_service.freeze_escrow(uow, order_id=orders[1]["id"], reason="complaint")
    with unit_of_work(api.app) as uow:
        assert payments_service.run_auto_confirm(uow) == []
    clock.advance(hours=48, minutes=1)
    relogin(api, customer)
    finance = api.staff("finance")
    with unit_of_work(api.app) as uow:
        assert payments_service.run_auto_confirm(uow) == [orders[0]["id"]]
    assert api.get(f"/orders/{orders[0]['id']}", customer).json()["status"] == "COMPLETED"
    assert (
        api.get(f"/orders/{orders[1]['id']}", customer).json()["status"] == "AWAITING_CONFIRMATION"
    )
    with unit_of_work(api.app) as uow:
        state = payments_service.escrow_state(uow, order_id=orders[1]["id"])
        assert state["frozen"] and state["held"] == orders[1]["total"]
        # support resolves: part refunded, the rest released
        refunded = payments_service.refund(
            uow, order_id=orders[1]["id"], amount=2000, reason="partial"
        )
        assert refunded["held"] == orders[1]["total"] - 2000
    from server.core.errors import AppError

    try:
        with unit_of_work(api.app) as uow:  # refused: the unit of work is rolled back
            payments_service.refund(
                uow, order_id=orders[1]["id"], amount=orders[1]["total"], reason="too much"
            )
        raise AssertionError("refund above what was paid must fail")
    except AppError as exc:
        assert exc.code == "refund_exceeds_payment"
    with unit_of_work(api.app) as uow:
        payments_service.unfreeze_escrow(uow, order_id=orders[1]["id"])
    with unit_of_work(api.app) as uow:
        assert payments_service.run_auto_confirm(uow) == [orders[1]["id"]]
    balances = trial(api, finance)
    assert balances.get(f"escrow:order:{orders[1]['id']}", 0) == 0
    assert balances["cash:provider:sandbox"] == orders[0]["total"] * 2 - 2000


def test_change_request_cap_counts_requests_still_pending(api):
    """Two under-cap requests at once are together over the cap: the second waits for
    support, as one request for both would."""
    customer = api.register("customer")
    tech = api.register("technician")
    support = api.staff("support")
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    to_service(api, customer, tech, oid)
    pic = photo(api, tech, oid)

    def propose(hours: int) -> dict:
        r = api.post(
            f"/orders/{oid}/change-requests",
            tech,
            json={
                "items": [
                    {
                        "code": "extra_hour",
                        "quantity": hours,
                        "reason": "加时",
                        "photo_file_id": pic,
                    }
                ]
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    first = propose(3)  # 120.00, under the 200.00 cap
    second = propose(3)  # another 120.00 while the first waits: 240.00 asked for
    assert first["status"] == "awaiting_customer" and second["status"] == "awaiting_support"
    requested = [
        e["payload"]
        for e in api.get(f"/orders/{oid}/events", customer).json()
        if e["type"] == "order.change_requested"
    ]
    assert [p["needs_support"] for p in requested] == [False, True]
    r = api.post(
        f"/orders/{oid}/change-requests/{second['id']}/approve",
        customer,
        json={"item_ids": [second["items"][0]["id"]]},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "change_request_not_pending"
    # rejected items free the room again: 120.00 still waiting for support + 80.00 = the cap
    r = api.post(
        f"/orders/{oid}/change-requests/{first['id']}/reject",
        customer,
        json={"item_ids": [first["items"][0]["id"]]},
    )
    assert r.status_code == 200
    third = propose(2)
    assert third["status"] == "awaiting_customer"
    r = api.post(
        f"/orders/{oid}/change-requests/{third['id']}/approve",
        customer,
        json={"item_ids": [third["items"][0]["id"]]},
    )
    assert r.status_code == 200
    assert api.get(f"/orders/{oid}", customer).json()["extras_total"] == 8000
    # approved extras count too: 80.00 approved + 120.00 waiting = 200.00, one fen more is over
    assert propose(1)["status"] == "awaiting_support"
    r = api.post(f"/orders/{oid}/change-requests/{second['id']}/support-approve", support)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_customer"


def test_payments_are_read_by_the_payer_and_finance_not_support(api):
    customer = api.register("customer")
    other = api.register("customer")
    tech = api.register("technician")
    order = api.order(customer)
    payment, _ = pay(api, customer, order["id"])
    pid, oid = payment["payment_id"], order["id"]
    for role in ("finance", "admin"):
        staff = api.staff(role)
        r = api.get(f"/payments/{pid}", staff)
        assert r.status_code == 200 and r.json()["amount"] == order["total"], (role, r.text)
        assert [p["payment_id"] for p in api.get(f"/orders/{oid}/payments", staff).json()] == [pid]
    assert api.get(f"/payments/{pid}", customer).status_code == 200
    assert [p["payment_id"] for p in api.get(f"/orders/{oid}/payments", customer).json()] == [pid]
    for role in ("support", "operator"):
        staff = api.staff(role)
        for path in (f"/payments/{pid}", f"/orders/{oid}/payments"):
            r = api.get(path, staff)
            assert r.status_code == 403, (role, path)
            assert r.json()["error"]["code"] == "role_forbidden"
    r = api.get(f"/payments/{pid}", tech)
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    # another customer's payment looks missing, and so does its sandbox page
    r = api.get(f"/payments/{pid}", other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "payment_not_found"
    assert api.get(f"/orders/{oid}/payments", other).status_code == 404
    assert api.post(f"/sandbox/payments/{pid}/approve", other).status_code == 404
