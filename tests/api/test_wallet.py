"""储值余额 through the API: a top-up through the sandbox's webhook credits the wallet,
an order paid from the balance lands in escrow like a provider's payment, a short balance
is refused, cancellations and refunds return to the wallet, a second tap charges once,
and nobody else sees or spends a customer's wallet."""

from __future__ import annotations

from server.payments import service as payments_service
from tests.api.payment_steps import assign, photo, to_service, trial
from tests.unit_of_work import unit_of_work


def top_up(api, customer, amount):
    r = api.post("/me/wallet/top-ups", customer, json={"amount": amount})
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["purpose"] == "wallet_top_up" and payment["status"] == "pending"
    r = api.post(f"/sandbox/payments/{payment['payment_id']}/approve", customer)
    assert r.status_code == 200, r.text
    return payment, r.json()


def wallet(api, customer):
    r = api.get("/me/wallet/balance", customer)
    assert r.status_code == 200, r.text
    return r.json()


def pay_from_balance(api, customer, oid, **body):
    return api.post(
        f"/orders/{oid}/payments",
        customer,
        json={"provider": "wallet", "method": "balance", **body},
    )


def test_top_up_pay_from_balance_and_cancel_back_to_the_wallet(api):
    customer = api.register("customer", "钱女士")
    finance = api.staff("finance")
    cid = customer["user"]["id"]
    assert wallet(api, customer)["balance"] == 0

    payment, approved = top_up(api, customer, 20000)
    assert approved["webhook_outcomes"] == ["wallet_topped_up"]
    # the provider retries its event: credited once
    again = api.post(
        f"/sandbox/payments/{payment['payment_id']}/approve", customer, params={"deliveries": 2}
    )
    assert again.json()["webhook_outcomes"] == ["duplicate", "duplicate"]
    data = wallet(api, customer)
    assert data["balance"] == 20000 and data["max_balance"] == 500_000
    assert [(h["kind"], h["amount"]) for h in data["history"]] == [("top_up", 20000)]
    balances = trial(api, finance)
    assert balances[f"wallet:customer:{cid}"] == -20000  # a liability: credit balance
    assert balances["cash:provider:sandbox"] == 20000

    order = api.order(customer, hours_ahead=48)
    oid, total = order["id"], order["total"]
    assert total <= 20000
    r = pay_from_balance(api, customer, oid, amount=total)
    assert r.status_code == 201, r.text
    paid = r.json()
    assert paid["provider"] == "wallet" and paid["status"] == "succeeded"
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "PENDING_DISPATCH"
    # the same escrow as a provider's payment
    escrow = api.get(f"/orders/{oid}/escrow", customer).json()
    assert escrow["paid"] == total and escrow["held"] == total
    balances = trial(api, finance)
    assert balances[f"escrow:order:{oid}"] == -total
    assert balances[f"wallet:customer:{cid}"] == -(20000 - total)
    assert wallet(api, customer)["history"][0] == {
        **wallet(api, customer)["history"][0],
        "kind": "payment",
        "amount": -total,
        "order_id": oid,
    }

    # a second tap: the same payment, charged once
    r = pay_from_balance(api, customer, oid)
    assert r.status_code == 201 and r.json()["payment_id"] == paid["payment_id"]
    assert wallet(api, customer)["balance"] == 20000 - total

    # cancelled more than 24 h ahead: no fee, everything back into the wallet
    r = api.post(f"/orders/{oid}/cancel", customer, json={"reason": "plans changed"})
    assert r.status_code == 200, r.text
    data = wallet(api, customer)
    assert data["balance"] == 20000
    assert data["history"][0]["kind"] == "refund" and data["history"][0]["amount"] == total
    balances = trial(api, finance)
    assert balances.get(f"escrow:order:{oid}", 0) == 0
    assert balances["cash:provider:sandbox"] == 20000  # nothing went out through the provider


def test_short_balance_is_refused_and_nothing_moves(api):
    customer = api.register("customer")
    order = api.order(customer)
    top_up(api, customer, 1000)
    r = pay_from_balance(api, customer, order["id"])
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "wallet_balance_short"
    assert error["details"] == {
        "balance": 1000,
        "amount": order["total"],
        "short": order["total"] - 1000,
    }
    assert wallet(api, customer)["balance"] == 1000
    assert api.get(f"/orders/{order['id']}", customer).json()["status"] == "PENDING_PAYMENT"


def test_a_checkout_left_open_and_paid_after_the_balance_paid_goes_back(api):
    customer = api.register("customer")
    top_up(api, customer, 50000)
    order = api.order(customer)
    oid = order["id"]
    r = api.post(f"/orders/{oid}/payments", customer, json={"provider": "sandbox"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    open_checkout = r.json()["payment_id"]
    assert pay_from_balance(api, customer, oid).status_code == 201
    assert api.get(f"/payments/{open_checkout}", customer).json()["status"] == "cancelled"
    # the customer still pays the old QR code: that money goes straight back to him
    r = api.post(f"/sandbox/payments/{open_checkout}/approve", customer)
    assert r.json()["webhook_outcomes"] == ["late_refunded"]
    assert wallet(api, customer)["balance"] == 50000 - order["total"]
    escrow = api.get(f"/orders/{oid}/escrow", customer).json()
    assert escrow["held"] == order["total"]


def test_extras_are_paid_from_the_balance_too(api):
    customer = api.register("customer")
    tech = api.register("technician")
    order = api.order(customer)
    oid = order["id"]
    top_up(api, customer, 50000)
    assert pay_from_balance(api, customer, oid).status_code == 201
    to_service(api, customer, tech, oid)
    item = {"code": "balcony_clean", "quantity": 1, "reason": "阳台很脏"}
    r = api.post(
        f"/orders/{oid}/change-requests",
        tech,
        json={"items": [{**item, "photo_file_id": photo(api, tech, oid)}]},
    )
    assert r.status_code == 201, r.text
    cr = r.json()
    r = api.post(
        f"/orders/{oid}/change-requests/{cr['id']}/approve",
        customer,
        json={"item_ids": [i["id"] for i in cr["items"]]},
    )
    assert r.status_code == 200, r.text
    r = pay_from_balance(api, customer, oid, amount=cr["total"])
    assert r.status_code == 201 and r.json()["purpose"] == "extras", r.text
    assert api.get(f"/orders/{oid}/escrow", customer).json()["extras_paid"] == cr["total"]
    assert wallet(api, customer)["balance"] == 50000 - order["total"] - cr["total"]


def test_a_refund_of_a_wallet_paid_order_goes_back_to_the_wallet(api):
    customer = api.register("customer")
    tech = api.register("technician")
    finance = api.staff("finance")
    top_up(api, customer, 50000)
    order = api.order(customer)
    oid, total = order["id"], order["total"]
    assert pay_from_balance(api, customer, oid).status_code == 201
    assign(api, oid, tech)
    with unit_of_work(api.app) as uow:  # what support's complaint resolution calls
        payments_service.refund(uow, order_id=oid, amount=3000, reason="窗户没擦干净")
    data = wallet(api, customer)
    assert data["balance"] == 50000 - total + 3000
    assert data["history"][0]["kind"] == "refund" and data["history"][0]["amount"] == 3000
    [p] = api.get(f"/orders/{oid}/payments", customer).json()
    assert p["refunded"] == 3000
    assert trial(api, finance)[f"escrow:order:{oid}"] == -(total - 3000)


def test_top_up_limits_are_rules(api):
    customer = api.register("customer")
    operator = api.staff("operator")
    r = api.post("/me/wallet/top-ups", customer, json={"amount": 500})
    assert r.status_code == 422 and r.json()["error"]["code"] == "wallet_top_up_too_small"
    r = api.post("/me/wallet/top-ups", customer, json={"amount": 500_001})
    assert r.status_code == 409 and r.json()["error"]["code"] == "wallet_limit_exceeded"
    r = api.post("/me/wallet/top-ups", customer, json={"amount": 5000, "provider": "wallet"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "provider_unknown"
    r = api.put(
        "/ops/settings",
        operator,
        json={
            "rules": {"payments": {"wallet_max_balance": 30000, "wallet_top_up_presets": [10000]}}
        },
    )
    assert r.status_code == 200, r.text
    top_up(api, customer, 20000)
    data = wallet(api, customer)
    assert data["max_balance"] == 30000 and data["top_up_presets"] == [10000]
    r = api.post("/me/wallet/top-ups", customer, json={"amount": 20000})
    assert r.status_code == 409
    assert r.json()["error"]["details"] == {"balance": 20000, "max_balance": 30000, "room": 10000}


def test_a_customer_sees_and_spends_only_his_own_wallet(api):
    alice = api.register("customer", "甲")
    bob = api.register("customer", "乙")
    tech = api.register("technician")
    top_up(api, alice, 30000)
    assert wallet(api, bob)["balance"] == 0 and wallet(api, bob)["history"] == []
    # bob cannot pay alice's order, from any wallet
    order = api.order(alice)
    r = pay_from_balance(api, bob, order["id"])
    assert r.status_code == 404
    # bob's order cannot be paid from alice's balance: his own is empty
    mine = api.order(bob)
    r = pay_from_balance(api, bob, mine["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "wallet_balance_short"
    assert wallet(api, alice)["balance"] == 30000
    for user in (tech, api.staff("finance")):
        assert api.get("/me/wallet/balance", user).status_code == 403
        assert api.post("/me/wallet/top-ups", user, json={"amount": 5000}).status_code == 403
