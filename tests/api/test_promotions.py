"""Promotions through the API: welcome coupon, campaigns, service cards, referral, points."""

from __future__ import annotations

from datetime import timedelta

from server.auth.consent import POLICY_VERSION
from tests.api.payment_steps import finish, pay, to_service, trial


def test_welcome_coupon_campaign_limits_and_card(api):
    customer = api.register("customer")
    operator = api.staff("operator")
    finance = api.staff("finance")
    wallet = api.get("/me/wallet", customer).json()
    welcome = [c for c in wallet["coupons"] if c["kind"] == "new_customer"]
    assert len(welcome) == 1 and welcome[0]["amount"] == 5000
    assert wallet["membership"]["code"] == "regular" and wallet["points"] == 0
    # the next level by name, as the customer reads it
    assert wallet["membership"]["next_level"] and wallet["membership"]["next_level_name_zh"]
    assert wallet["membership"]["next_level_name_zh"] == "金卡会员"

    now = api.app.state.clock.now()
    r = api.post(
        "/ops/coupon-campaigns",
        operator,
        json={
            "code": "MAN100JIAN20",
            "name": "满100减20",
            "kind": "threshold",
            "amount": 2000,
            "threshold": 10000,
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=7)).isoformat(),
            "per_user_limit": 1,
        },
    )
    assert r.status_code == 201, r.text
    assert api.post("/ops/coupon-campaigns", customer, json={}).status_code in (403, 422)
    coupon = api.post("/me/coupons/claim", customer, json={"campaign_code": "MAN100JIAN20"}).json()
    r = api.post("/me/coupons/claim", customer, json={"campaign_code": "MAN100JIAN20"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_limit_reached"

    # below the threshold: refused with the reason
    r = api.post(
        "/quotes",
        customer,
        json={
            "service_id": "svc_daily_cleaning",
            "coupon_ids": [coupon["id"]],
            "address": {"lat": 39.93, "lng": 116.45, "text": "朝阳区"},
            "scheduled_start": (now + timedelta(hours=26)).isoformat(),
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["reason"] == "below_threshold"
    # the best coupon picked by the server: the welcome ¥50, not 满100减20
    best = api.quote(customer, units=3, best_coupon=True)
    assert best["lines"][-1]["detail"] == {"coupon_id": welcome[0]["id"]}
    q = api.quote(customer, units=3, coupon_ids=[welcome[0]["id"]])
    assert q["lines"][-1]["code"] == "coupon:new_customer" and q["total"] == 12000 - 5000
    order = api.post("/orders", customer, json={"quote_id": q["quote_id"]}).json()
    again = api.quote(customer, units=3)
    assert again["total"] == 12000
    r = api.post(
        "/quotes",
        customer,
        json={
            "service_id": "svc_daily_cleaning",
            "coupon_ids": [welcome[0]["id"]],
            "address": {"lat": 39.93, "lng": 116.45, "text": "朝阳区"},
            "scheduled_start": (now + timedelta(hours=26)).isoformat(),
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["reason"] == "already_used"
    # cancelling gives the coupon back
    assert (
        api.post(f"/orders/{order['id']}/cancel", customer, json={"expected_fee": 0}).status_code
        == 200
    )
    assert any(
        c["id"] == welcome[0]["id"] for c in api.get("/me/wallet", customer).json()["coupons"]
    )

    # a 12+2 card: bought through the sandbox, then one visit covers 3 hours
    products = api.get("/service-cards/products").json()
    card_product = products[0]
    assert card_product["paid_visits"] == 12 and card_product["bonus_visits"] == 2
    r = api.post(
        "/me/service-cards",
        customer,
        json={"product_code": card_product["code"], "method": "alipay"},
    )
    assert r.status_code == 201, r.text
    bought = r.json()
    assert bought["card"]["status"] == "pending" and bought["card"]["visits_left"] == 14
    api.post(f"/sandbox/payments/{bought['payment_id']}/approve", customer)
    card = api.get("/me/wallet", customer).json()["service_cards"][0]
    assert card["status"] == "active"
    q = api.quote(customer, units=3, service_card_id=card["id"])
    assert q["total"] == 0 and q["lines"][-1]["code"] == "service_card"
    order = api.post("/orders", customer, json={"quote_id": q["quote_id"]}).json()
    assert api.get("/me/wallet", customer).json()["service_cards"][0]["visits_left"] == 13
    r = api.post(f"/orders/{order['id']}/payments", customer, json={"method": "wechat"})
    assert r.status_code == 201 and r.json()["status"] == "succeeded"
    assert api.get(f"/orders/{order['id']}", customer).json()["status"] == "PENDING_DISPATCH"
    tech = api.register("technician")
    started = to_service(api, customer, tech, order["id"])
    assert finish(api, tech, order["id"], started["sop"]).status_code == 200
    assert api.post(f"/orders/{order['id']}/confirm", customer).status_code == 200
    balances = trial(api, finance)
    per_visit = round(card_product["price"] / 14)
    assert balances["deferred:service_cards"] == -(card_product["price"] - per_visit)
    assert balances[f"payable:technician:{tech['user']['id']}"] == -(12000 - 12000 * 15 // 100)


def test_referral_rewards_both_after_first_completed_order(api):
    inviter = api.register("customer", "老用户")
    invitee = api.register("customer", "新用户")
    code = api.get("/me/wallet", inviter).json()["referral_code"]
    r = api.post("/me/referral", invitee, json={"code": "ZZZZZZZZ"})
    assert r.status_code == 404
    r = api.post("/me/referral", inviter, json={"code": code})
    assert r.status_code == 422 and r.json()["error"]["code"] == "referral_self"
    assert api.post("/me/referral", invitee, json={"code": code}).status_code == 201
    assert (
        api.post("/me/referral", invitee, json={"code": code}).json()["error"]["code"]
        == "referral_exists"
    )
    order = api.order(invitee)
    pay(api, invitee, order["id"])
    tech = api.register("technician")
    started = to_service(api, invitee, tech, order["id"])
    assert not [
        c for c in api.get("/me/wallet", inviter).json()["coupons"] if c["kind"] == "referral"
    ]
    assert finish(api, tech, order["id"], started["sop"]).status_code == 200
    assert api.post(f"/orders/{order['id']}/confirm", invitee).status_code == 200
    for user in (inviter, invitee):
        refs = [c for c in api.get("/me/wallet", user).json()["coupons"] if c["kind"] == "referral"]
        assert len(refs) == 1 and refs[0]["amount"] == 5000
    assert api.get("/me/wallet", invitee).json()["points"] == order["total"] // 100


def test_an_invitation_code_given_at_sign_up_names_the_inviter_or_nothing_is_made(api):
    inviter = api.register("customer", "老用户")
    code = api.get("/me/wallet", inviter).json()["referral_code"]
    body = {
        "password": "correct horse",
        "name": "新用户",
        "role": "customer",
        "accepted_policy_version": POLICY_VERSION,
    }
    phone = api.next_phone()
    sms = api.phone_code(phone)
    r = api.post(
        "/auth/register", json={**body, "phone": phone, "referral_code": "ZZZZZZZZ", "code": sms}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "referral_code_not_found"
    r = api.post(
        "/auth/register", json={**body, "phone": phone, "referral_code": code.lower(), "code": sms}
    )
    assert r.status_code == 201, r.text  # the refused attempt made no account: the phone is free
    invitee = {"headers": {"Authorization": f"Bearer {r.json()['access_token']}"}}
    r = api.post("/me/referral", invitee, json={"code": code})
    assert r.status_code == 409 and r.json()["error"]["code"] == "referral_exists"  # it was kept
    r = api.post(
        "/auth/register",
        json={**body, "phone": api.next_phone(), "role": "technician", "referral_code": code},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "referral_not_for_role"


def test_a_fully_discounted_order_still_pays_the_technician_from_promotions(api):
    customer = api.register("customer")
    operator = api.staff("operator")
    finance = api.staff("finance")
    now = api.app.state.clock.now()
    r = api.post(
        "/ops/coupon-campaigns",
        operator,
        json={
            "code": "FREE80",
            "name": "免单80元",
            "kind": "fixed",
            "amount": 8000,
            "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=7)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    coupon = api.post("/me/coupons/claim", customer, json={"campaign_code": "FREE80"}).json()
    q = api.quote(customer, units=2, coupon_ids=[coupon["id"]])
    assert q["total"] == 0 and q["lines"][0]["amount"] == 8000  # 2 h x 40 CNY, all of it off
    order = api.post("/orders", customer, json={"quote_id": q["quote_id"]}).json()
    r = api.post(f"/orders/{order['id']}/payments", customer, json={"method": "wechat"})
    assert r.status_code == 201 and r.json()["status"] == "succeeded", r.text
    tech = api.register("technician")
    started = to_service(api, customer, tech, order["id"])
    assert finish(api, tech, order["id"], started["sop"]).status_code == 200
    assert api.post(f"/orders/{order['id']}/confirm", customer).status_code == 200

    balances = trial(api, finance)  # the trial balance stays at zero difference
    share = 8000 - 8000 * 15 // 100  # 85 % of the undiscounted price
    assert balances[f"payable:technician:{tech['user']['id']}"] == -share
    assert balances["expense:promotions"] == share  # the platform funds all of it
    assert balances.get(f"escrow:order:{order['id']}", 0) == 0
    entries = api.get(f"/ops/ledger/orders/{order['id']}", finance).json()
    assert [e["kind"] for e in entries] == ["split"]
    assert sorted((ln["account"], ln["amount"]) for ln in entries[0]["lines"]) == [
        ("expense:promotions", share),
        (f"payable:technician:{tech['user']['id']}", -share),
    ]
    escrow = api.get(f"/orders/{order['id']}/escrow", customer).json()
    assert escrow["technician_share"] == share and escrow["state"] == "released"
    earnings = api.get("/technician/earnings", tech).json()
    assert earnings["earned"] == share
