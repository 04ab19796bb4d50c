"""The 新客券 follows one rule everywhere: a customer with an order (cancelled ones
aside) neither sees it in the wallet nor gets it in a quote; the listing never offers
what the price would refuse."""

from __future__ import annotations

from tests.api.payment_steps import pay


def _welcome(api, customer) -> list[dict]:  # noqa: ANN001
    coupons = api.get("/me/wallet", customer).json()["coupons"]
    return [c for c in coupons if c["kind"] == "new_customer"]


def test_a_returning_customer_is_neither_shown_nor_given_the_welcome_coupon(api):
    customer = api.register("customer", "李先生")
    (welcome,) = _welcome(api, customer)
    # the first order is booked without the coupon (the customer chose none) and paid
    order = api.order(customer, units=2)
    pay(api, customer, order["id"])
    assert _welcome(api, customer) == []  # not offered any more
    best = api.quote(customer, units=3, best_coupon=True)
    assert not [ln for ln in best["lines"] if ln["code"].startswith("coupon:")]
    # named by id all the same: refused with the reason, as the wallet implied
    r = api.post(
        "/quotes",
        customer,
        json={
            "service_id": "svc_daily_cleaning",
            "coupon_ids": [welcome["id"]],
            "address": {"lat": 39.9334, "lng": 116.4540, "text": "朝阳区"},
            "scheduled_start": best["scheduled_start"],
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["reason"] == "first_order_only"


def test_a_customer_whose_only_order_was_cancelled_still_has_it(api):
    customer = api.register("customer", "周女士")
    order = api.order(customer, units=2)
    assert _welcome(api, customer) == []  # an order on its way counts
    r = api.post(f"/orders/{order['id']}/cancel", customer, json={"expected_fee": 0})
    assert r.status_code == 200, r.text
    (welcome,) = _welcome(api, customer)
    best = api.quote(customer, units=3, best_coupon=True)
    assert best["lines"][-1]["detail"] == {"coupon_id": welcome["id"]}
