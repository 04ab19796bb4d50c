"""Money through the HTTP contract: quote, pay through the sandbox, complete, confirm,
split, pay out; webhooks, refusals and replays, cancellations and refunds."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session

from server.payments.providers import SIGNATURE_HEADER, SandboxProvider
from tests.api.payment_steps import assign, finish, pay, relogin, to_service, trial


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
    # each line names its job's service (for the app's charts); money paid out names none
    services = {line["kind"]: line["service_name_zh"] for line in earnings["lines"]}
    assert services == {"split": order["service_name_zh"], "payout": None}
    assert order["service_name_zh"]
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
