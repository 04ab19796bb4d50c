"""Money through the HTTP contract: quote, pay through the sandbox, complete,
confirm, split, pay out; cancellations, refunds, webhooks, change requests."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import Session

from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.payments import service as payments_service
from server.payments.providers import SIGNATURE_HEADER, SandboxProvider
from tests.unit_of_work import unit_of_work

SYSTEM = Actor(ActorKind.SYSTEM)


def pay(api, customer, order_id, **body):
    r = api.post(
        f"/orders/{order_id}/payments",
        customer,
        json={"provider": "sandbox", "method": "wechat", **body},
    )
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["checkout"]["type"] == "qr"
    r = api.post(f"/sandbox/payments/{payment['payment_id']}/approve", customer)
    assert r.status_code == 200, r.text
    return payment, r.json()


def assign(api, order_id, tech):
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=order_id,
            action=Action.ASSIGN,
            actor=SYSTEM,
            technician_id=tech["user"]["id"],
        )


def to_service(api, customer, tech, order_id):
    assign(api, order_id, tech)
    assert api.post(f"/orders/{order_id}/depart", tech, json={}).status_code == 200
    r = api.post(f"/orders/{order_id}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
    assert r.status_code == 200, r.text
    assert api.post(f"/orders/{order_id}/work-order/confirm", customer, json={}).status_code == 200
    r = api.post(f"/orders/{order_id}/start", tech, json={})
    assert r.status_code == 200, r.text
    return r.json()


def photo(api, user, order_id):
    up = api.post(
        "/files",
        user,
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")},
        data={"kind": "photo", "order_id": order_id},
    )
    assert up.status_code == 201, up.text
    return up.json()["id"]


def finish(api, tech, order_id, sop):
    for step in sop:
        body = {"photo_file_id": photo(api, tech, order_id)} if step["photo"] else {}
        r = api.post(f"/orders/{order_id}/sop/{step['no']}/done", tech, json=body)
        assert r.status_code == 200, r.text
    return api.post(f"/orders/{order_id}/finish", tech, json={})


def relogin(api, user):
    """Access tokens are short; after moving the clock by days, sign in again."""
    r = api.post("/auth/login", json={"phone": user["phone"], "password": "correct horse"})
    assert r.status_code == 200, r.text
    user["headers"] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return user


def trial(api, finance):
    r = api.get("/ops/ledger/trial-balance", finance)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["difference"] == 0
    return {row["account"]: row["balance"] for row in data["accounts"]}


def test_quote_pay_complete_confirm_split_and_payout(api):
    customer = api.register("customer", "张女士")
    tech = api.register("technician", "李师傅")
    finance = api.staff("finance")
    order = api.order(customer, units=3, area_m2=100, addons=["high_window"])
    oid = order["id"]
    codes = [line["code"] for line in order["price_snapshot"]["lines"]]
    assert codes[:3] == ["base", "area_surcharge", "addon:high_window"]
    assert order["total"] == 12000 + 2000 + 5000  # 3 h x 40 + 2 x 10 over 80 m2 + high window 50

    payment, approved = pay(api, customer, oid)
    assert approved["webhook_outcomes"] == ["order_paid"]
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "PENDING_DISPATCH"
    balances = trial(api, finance)
    assert balances[f"escrow:order:{oid}"] == -19000
    assert balances["cash:provider:sandbox"] == 19000

    # the provider delivers the same event again: acknowledged, booked once
    again = api.post(
        f"/sandbox/payments/{payment['payment_id']}/approve", customer, params={"deliveries": 2}
    )
    assert again.json()["webhook_outcomes"] == ["duplicate", "duplicate"]
    assert trial(api, finance)[f"escrow:order:{oid}"] == -19000

    started = to_service(api, customer, tech, oid)
    r = finish(api, tech, oid, started["sop"])
    assert r.status_code == 200, r.text
    r = api.post(f"/orders/{oid}/confirm", customer)
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text

    balances = trial(api, finance)
    assert balances.get(f"escrow:order:{oid}", 0) == 0
    assert balances[f"payable:technician:{tech['user']['id']}"] == -16150  # 85% of 190.00
    assert balances["revenue:commission"] == -2850  # 15%
    entries = api.get(f"/ops/ledger/orders/{oid}", finance).json()
    assert [e["kind"] for e in entries] == ["payment", "split"]
    assert all(sum(line["amount"] for line in e["lines"]) == 0 for e in entries)

    # T+1: nothing matured today, everything tomorrow
    r = api.post("/ops/payouts/run", finance)
    assert r.status_code == 201 and r.json()["lines_count"] == 0
    api.app.state.clock.advance(days=1, minutes=1)
    finance = api.staff("finance")
    relogin(api, tech)
    relogin(api, customer)
    r = api.post("/ops/payouts/run", finance)
    assert r.json()["lines"] == [{"technician_id": tech["user"]["id"], "amount": 16150}]
    balances = trial(api, finance)
    assert balances.get(f"payable:technician:{tech['user']['id']}", 0) == 0
    assert balances["payouts:sent"] == -16150

    earnings = api.get("/technician/earnings", tech).json()
    assert (
        earnings["earned"] == 16150 and earnings["paid_out"] == 16150 and earnings["balance"] == 0
    )
    assert api.get("/technician/earnings", customer).status_code == 403

    # points and yearly spend follow the completed order
    wallet = api.get("/me/wallet", customer).json()
    assert wallet["points"] == 190
    assert wallet["membership"]["yearly_spend"] == 19000

    # invoice on request, once
    r = api.post(f"/orders/{oid}/invoice", customer, json={"title": "张女士"})
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["amount"] == 19000 and inv["tax_amount"] == 19000 - round(19000 / 1.06)
    assert inv["file_id"] is None and inv["file_url"] is None  # the PDF follows the reply
    assert api.file_documents() == 2  # the work order signed before the work, and the invoice
    inv = api.get(f"/orders/{oid}/invoice", customer).json()
    pdf = api.get(inv["file_url"].removeprefix("/api/v1"), customer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert api.file_documents() == 0  # filed once
    assert api.get(f"/orders/{oid}/invoice", customer).json()["id"] == inv["id"]
    assert (
        api.post(f"/orders/{oid}/invoice", customer, json={"title": "张女士"}).json()["id"]
        == inv["id"]
    )
    r = api.post(
        f"/orders/{oid}/invoice",
        customer,
        json={"title": "某某科技有限公司", "tax_id": "91110000MA01ABCD1X"},
    )
    assert (
        r.status_code == 409 and r.json()["error"]["code"] == "invoice_exists"
    )  # not silently the first
    assert r.json()["error"]["details"]["invoice_id"] == inv["id"]


def test_webhook_signature_amount_and_unknown_payment(api):
    customer = api.register("customer")
    finance = api.staff("finance")
    order = api.order(customer)
    r = api.post(
        f"/orders/{order['id']}/payments", customer, json={"provider": "sandbox", "method": "card"}
    )
    payment = r.json()
    assert payment["checkout"]["type"] == "redirect"
    ref = payment["checkout"]["url"]
    assert ref.endswith("/approve")
    settings = api.app.state.settings
    with Session(api.app.state.engine) as s:
        from server.payments.models import Payment

        provider_ref = s.get(Payment, payment["payment_id"]).provider_ref
    body = json.dumps(
        {
            "id": "evt_1",
            "type": "payment.succeeded",
            "data": {
                "provider_ref": provider_ref,
                "payment_id": payment["payment_id"],
                "amount": order["total"],
            },
        }
    ).encode()
    now = api.app.state.clock.now()
    wrong = SandboxProvider("not-the-secret").signed_headers(body, now)
    r = api.client.post("/api/v1/payments/webhooks/sandbox", content=body, headers=wrong)
    assert r.status_code == 401 and r.json()["error"]["code"] == "signature_invalid"
    r = api.client.post("/api/v1/payments/webhooks/sandbox", content=body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "signature_missing"
    good = SandboxProvider(settings.sandbox_webhook_secret)
    old = good.signed_headers(body, now - timedelta(hours=1))
    r = api.client.post("/api/v1/payments/webhooks/sandbox", content=body, headers=old)
    assert r.status_code == 401 and r.json()["error"]["code"] == "signature_expired"
    cheap = body.replace(str(order["total"]).encode(), b"1")
    r = api.client.post(
        "/api/v1/payments/webhooks/sandbox", content=cheap, headers=good.signed_headers(cheap, now)
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "amount_mismatch"
    assert trial(api, finance) == {}
    assert api.get(f"/orders/{order['id']}", customer).json()["status"] == "PENDING_PAYMENT"
    # the charge was never approved at the sandbox, but a correctly signed event books it
    r = api.client.post(
        "/api/v1/payments/webhooks/sandbox", content=body, headers=good.signed_headers(body, now)
    )
    assert r.status_code == 200 and r.json()["outcome"] == "order_paid"
    r = api.client.post(
        "/api/v1/payments/webhooks/sandbox", content=body, headers=good.signed_headers(body, now)
    )
    assert r.json()["outcome"] == "duplicate"
    assert trial(api, finance)[f"escrow:order:{order['id']}"] == -order["total"]
    r = api.client.post(
        "/api/v1/payments/webhooks/nope", content=body, headers=good.signed_headers(body, now)
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "provider_unknown"


def test_webhook_signature_with_non_ascii_characters_is_401(api):
    customer = api.register("customer")
    finance = api.staff("finance")
    order = api.order(customer)
    payment = api.post(
        f"/orders/{order['id']}/payments", customer, json={"provider": "sandbox", "method": "card"}
    ).json()
    body = json.dumps(
        {
            "id": "evt_utf8",
            "type": "payment.succeeded",
            "data": {
                "provider_ref": "sbx_x",
                "payment_id": payment["payment_id"],
                "amount": order["total"],
            },
        }
    ).encode()
    ts = int(api.app.state.clock.now().timestamp())
    for mac in ("é" * 64, "签名", "a\u00ff"):
        header = f"t={ts},v1={mac}".encode()
        r = api.client.post(
            "/api/v1/payments/webhooks/sandbox", content=body, headers={SIGNATURE_HEADER: header}
        )
        assert r.status_code == 401 and r.json()["error"]["code"] == "signature_invalid", r.text
    assert trial(api, finance) == {}
    assert api.get(f"/orders/{order['id']}", customer).json()["status"] == "PENDING_PAYMENT"


def test_payment_refusals_and_replays(api):
    customer = api.register("customer")
    other = api.register("customer")
    order = api.order(customer)
    oid = order["id"]
    r = api.post(
        f"/orders/{oid}/payments",
        customer,
        json={"provider": "sandbox", "method": "wechat", "amount": 1},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "amount_mismatch"
    r = api.post(f"/orders/{oid}/payments", other, json={"provider": "sandbox", "method": "wechat"})
    assert r.status_code == 404
    r = api.post(
        f"/orders/{oid}/payments", customer, json={"provider": "sandbox", "method": "cash"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "payment_method_unknown"
    headers = {"Idempotency-Key": "pay-1"}
    first = api.post(
        f"/orders/{oid}/payments", customer, json={"method": "wechat"}, headers=headers
    )
    second = api.post(
        f"/orders/{oid}/payments", customer, json={"method": "wechat"}, headers=headers
    )
    assert first.json()["payment_id"] == second.json()["payment_id"]
    # asking again without a key returns the same open checkout
    third = api.post(f"/orders/{oid}/payments", customer, json={"method": "wechat"})
    assert third.json()["payment_id"] == first.json()["payment_id"]
    r = api.post(f"/sandbox/payments/{first.json()['payment_id']}/fail", customer)
    assert r.json()["webhook_outcomes"] == ["failed"]
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "PENDING_PAYMENT"
    pay(api, customer, oid)
    r = api.post(f"/orders/{oid}/payments", customer, json={"method": "wechat"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_pay"


def test_large_order_needs_second_confirmation(api):
    customer = api.register("customer")
    order = api.order(customer, service_id="svc_daily_cleaning", units=8, area_m2=2000)
    assert order["total"] > 200000
    r = api.post(f"/orders/{order['id']}/payments", customer, json={"method": "wechat"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "large_order_confirmation_required"
    payment, approved = pay(api, customer, order["id"], confirm_large=True)
    assert approved["webhook_outcomes"] == ["order_paid"]


def _cancel(api, user, oid, expected_fee=None):
    body = {"reason": "plans changed"}
    if expected_fee is not None:
        body["expected_fee"] = expected_fee
    return api.post(f"/orders/{oid}/cancel", user, json=body)


def test_cancellation_bands(api):
    customer = api.register("customer")
    tech = api.register("technician")
    finance = api.staff("finance")
    cases = [(30, 0), (10, 1000), (1, 3000)]  # hours ahead -> fee bp
    fees = 0
    for hours, bp in cases:
        order = api.order(customer, hours_ahead=hours)
        oid = order["id"]
        pay(api, customer, oid)
        assign(api, oid, tech)
        quote = api.get(f"/orders/{oid}/cancellation-quote", customer).json()
        fee = order["total"] * bp // 10000
        assert (quote["fee_bp"], quote["fee"], quote["refund"]) == (bp, fee, order["total"] - fee)
        if fee:
            r = _cancel(api, customer, oid, expected_fee=0)
            assert r.status_code == 409 and r.json()["error"]["code"] == "cancellation_fee_changed"
            assert api.get(f"/orders/{oid}", customer).json()["status"] == "ACCEPTED"
        r = _cancel(api, customer, oid, expected_fee=fee)
        assert r.status_code == 200 and r.json()["status"] == "CANCELLED", r.text
        escrow = api.get(f"/orders/{oid}/escrow", customer).json()
        assert (escrow["cancellation_fee"], escrow["refunded"], escrow["held"]) == (
            fee,
            order["total"] - fee,
            0,
        )
        events = api.get(f"/orders/{oid}/events", customer).json()
        assert events[-1]["payload"]["fee"] == fee
        fees += fee
    balances = trial(api, finance)
    assert fees == 800 + 2400  # 10% and 30% of 80.00 (2 h x 40 CNY)
    assert balances["cash:provider:sandbox"] == fees
    assert (
        -balances["revenue:cancellation_fee"] - balances[f"payable:technician:{tech['user']['id']}"]
        == fees
    )


def test_cancel_unpaid_and_late_webhook_is_refunded(api):
    customer = api.register("customer")
    finance = api.staff("finance")
    order = api.order(customer)
    oid = order["id"]
    assert order["amount_due"] == order["total"] == order["order_value"]
    r = api.post(f"/orders/{oid}/payments", customer, json={"method": "wechat"})
    payment_id = r.json()["payment_id"]
    assert api.get(f"/orders/{oid}/cancellation-quote", customer).json()["fee"] == 0
    assert _cancel(api, customer, oid, expected_fee=0).status_code == 200
    assert api.get(f"/orders/{oid}", customer).json()["amount_due"] == 0  # nothing owed any more
    # the customer had paid at the provider just before: the late webhook is refunded at once
    with Session(api.app.state.engine) as s:
        from server.payments.models import Payment

        p = s.get(Payment, payment_id)
        p.status = "pending"
        s.add(p)
        s.commit()
    r = api.post(f"/sandbox/payments/{payment_id}/approve", customer)
    assert r.json()["webhook_outcomes"] == ["late_refunded"], r.text
    balances = trial(api, finance)
    assert balances.get("cash:provider:sandbox", 0) == 0
    assert balances.get(f"escrow:order:{oid}", 0) == 0
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "CANCELLED"


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


def test_scheduled_payouts_run_once_a_day_at_the_set_local_time(api):
    """The background task's one iteration with an injected clock: T+1 by local day, at
    ``payments.payout_time`` (city time), once a day whatever the number of runs."""
    from datetime import UTC, datetime

    from server.core.clock import FrozenClock

    customer = api.register("customer")
    tech = api.register("technician")
    finance = api.staff("finance")
    operator = api.staff("operator")
    tz = api.app.state.settings.timezone  # Asia/Shanghai, UTC+8

    def run_at(when: datetime):  # noqa: ANN202
        with unit_of_work(api.app, clock=FrozenClock(when)) as uow:
            batch = payments_service.run_scheduled_payouts(uow, timezone=tz)
            return None if batch is None else (batch.scheduled_for, batch.lines_count, batch.total)

    r = api.put("/ops/settings", operator, json={"rules": {"payments": {"payout_time": "25:00"}}})
    assert r.status_code == 422
    r = api.put("/ops/settings", operator, json={"rules": {"payments": {"payout_time": "09:30"}}})
    assert r.status_code == 200, r.text

    # earned on 1 June (10:00 local, the test clock's start)
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    started = to_service(api, customer, tech, oid)
    assert finish(api, tech, oid, started["sop"]).status_code == 200
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    share = order["total"] - order["total"] * 15 // 100
    payable = f"payable:technician:{tech['user']['id']}"
    assert trial(api, finance)[payable] == -share

    june_1, june_2 = date(2026, 6, 1), date(2026, 6, 2)
    # 1 June 23:00 local: today's batch runs, but what was earned today waits for tomorrow
    assert run_at(datetime(2026, 6, 1, 15, 0, tzinfo=UTC)) == (june_1, 0, 0)
    assert run_at(datetime(2026, 6, 1, 15, 30, tzinfo=UTC)) is None  # the day's batch is done
    # 2 June 09:00 local: before the set time, nothing
    assert run_at(datetime(2026, 6, 2, 1, 0, tzinfo=UTC)) is None
    # 2 June 09:30 local: T+1, yesterday's earnings go out
    assert run_at(datetime(2026, 6, 2, 1, 30, tzinfo=UTC)) == (june_2, 1, share)
    balances = trial(api, finance)
    assert balances.get(payable, 0) == 0 and balances["payouts:sent"] == -share
    # again the same day (another worker, a restart): books nothing
    assert run_at(datetime(2026, 6, 2, 1, 31, tzinfo=UTC)) is None
    assert run_at(datetime(2026, 6, 2, 15, 59, tzinfo=UTC)) is None  # 23:59 local
    assert trial(api, finance)["payouts:sent"] == -share
    batches = api.get("/ops/payouts", finance).json()
    assert [(b["scheduled_for"], b["lines_count"]) for b in batches] == [
        ("2026-06-02", 1),
        ("2026-06-01", 0),
    ]
    assert batches[0]["lines"] == [{"technician_id": tech["user"]["id"], "amount": share}]

    # switched off: nothing runs
    off = {"rules": {"payments": {"payout_schedule_enabled": False}}}
    r = api.put("/ops/settings", operator, json=off)
    assert r.status_code == 200
    assert run_at(datetime(2026, 6, 3, 2, 0, tzinfo=UTC)) is None


def test_two_first_postings_to_a_new_account_race_without_a_conflict(api):
    """Two payments through a provider the ledger has never seen, at once: the account row
    is created by one, the other waits and books (it used to fail on the unique key)."""
    import threading

    from server.payments import ledger

    engine, clock = api.app.state.engine, api.app.state.clock

    def book(session, key: str, amount: int) -> None:  # noqa: ANN001
        payments_service.post(
            session,
            kind="payment",
            dedupe_key=key,
            clock=clock,
            lines=ledger.payment_received(provider="racepay", order_id=key, amount=amount),
        )

    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with Session(engine) as other:
                book(other, "race_b", 50)
                other.commit()
            outcome["ok"] = True
        except Exception as exc:  # reported below, the assertion says what went wrong
            outcome["error"] = exc

    with Session(engine) as first:
        book(first, "race_a", 100)  # holds the new account row, not committed yet
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)  # the second is now waiting on the first
        first.commit()
    thread.join(timeout=20)
    assert outcome.get("ok"), outcome
    with Session(engine) as s:
        assert payments_service.balance(s, ledger.cash("racepay")) == 150


def _completed(api, customer, tech) -> int:
    """One order done and confirmed: the technician's share, now owed."""
    order = api.order(customer, units=3)
    pay(api, customer, order["id"])
    started = to_service(api, customer, tech, order["id"])
    assert finish(api, tech, order["id"], started["sop"]).status_code == 200
    assert api.post(f"/orders/{order['id']}/confirm", customer).status_code == 200
    return order["total"] - order["total"] * 15 // 100


def test_a_payout_pays_only_what_was_earned_before_the_days_cutoff_however_often_it_runs(api):
    """T+1 by calendar day: money earned today waits for tomorrow's batch even when today's
    batch has already run (a payout booked after the cut-off is not earnings after it)."""
    customer, tech = api.register("customer"), api.register("technician")
    yesterday = _completed(api, customer, tech)
    api.app.state.clock.advance(days=1)
    finance = api.staff("finance")
    relogin(api, tech)
    relogin(api, customer)
    r = api.post("/ops/payouts/run", finance)
    assert r.json()["lines"] == [{"technician_id": tech["user"]["id"], "amount": yesterday}]

    today = _completed(api, customer, tech)  # after today's batch
    for _again in range(2):
        assert api.post("/ops/payouts/run", finance).json()["lines_count"] == 0
    earnings = api.get("/technician/earnings", tech).json()
    assert earnings["balance"] == today and earnings["available"] == 0
    r = api.post(
        "/technician/withdrawals", tech, json={"amount": today, "bank_account": "6222 0000 1234"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_balance"

    api.app.state.clock.advance(days=1)
    finance = api.staff("finance")
    relogin(api, tech)
    r = api.post("/ops/payouts/run", finance)
    assert r.json()["lines"] == [{"technician_id": tech["user"]["id"], "amount": today}]
    assert trial(api, finance).get(f"payable:technician:{tech['user']['id']}", 0) == 0
