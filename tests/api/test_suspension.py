"""Suspending a technician: the jobs he accepted go back to dispatch, the offer waiting
for him is withdrawn, a job under way goes to the operator as an anomaly; he is told
why in words, and told again when he is reinstated."""

from __future__ import annotations

from tests.api.test_dispatch import north_km, paid_order, ready_technician, run, status_of


def _offered_then(
    api, tech: dict, customer: dict, operator: dict, hours_ahead: int, accept: bool
) -> str:  # noqa: ANN001
    order = paid_order(api, customer, hours_ahead=hours_ahead)
    run(api, operator)
    offers = [o for o in api.get("/technician/offers", tech).json() if o["order_id"] == order["id"]]
    assert len(offers) == 1, offers
    if accept:
        r = api.post(f"/technician/offers/{offers[0]['id']}/accept", tech, json={})
        assert r.status_code == 200, r.text
    return order["id"]


def test_a_suspension_hands_back_his_jobs_and_says_why(api):
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(6), operator=operator)
    customer = api.register("customer", "张女士")
    accepted = _offered_then(api, near, customer, operator, hours_ahead=26, accept=True)
    under_way = _offered_then(api, near, customer, operator, hours_ahead=50, accept=True)
    assert api.post(f"/orders/{under_way}/depart", near, json={}).status_code == 200
    waiting = _offered_then(api, near, customer, operator, hours_ahead=74, accept=False)

    r = api.post(f"/ops/technicians/{near['id']}/suspend", operator, json={"reason": "投诉核实中"})

    assert r.status_code == 200, r.text
    assert r.json()["verification_status"] == "suspended"
    assert r.json()["work"] == {
        "returned_to_dispatch": [accepted],
        "offers_withdrawn": [waiting],
        "flagged_for_operator": [under_way],
    }
    for order_id in (accepted, waiting):
        order = api.get(f"/orders/{order_id}", customer).json()
        assert order["status"] == "PENDING_DISPATCH" and order["technician_id"] is None
    run(api, operator)
    offered_to_far = {o["order_id"] for o in api.get("/technician/offers", far).json()}
    assert {accepted, waiting} <= offered_to_far  # someone else reaches the customer
    assert api.get("/technician/offers", near).json() == []
    assert status_of(api, under_way, customer) == "EN_ROUTE"
    flagged = api.get("/ops/orders", operator, params={"anomaly": "technician_suspended"}).json()
    assert [o["id"] for o in flagged] == [under_way]
    events = api.get(f"/orders/{under_way}/events", operator).json()
    assert events[-1]["type"] == "order.technician_suspended"

    r = api.put("/technician/status", near, json={"online": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "technician_suspended"
    assert (
        "suspended" in r.json()["error"]["message"] and "投诉核实中" in r.json()["error"]["message"]
    )
    (told,) = api.get("/me/notifications", near).json()
    assert told["title"] == "账号已暂停接单" and "投诉核实中" in told["body"]

    r = api.post(f"/ops/technicians/{near['id']}/reinstate", operator, json={"reason": "核实无责"})
    assert r.status_code == 200 and r.json()["verification_status"] == "verified"
    titles = {n["title"]: n["body"] for n in api.get("/me/notifications", near).json()}
    assert "上线即可接单" in titles["账号已恢复接单"]
    r = api.put("/technician/status", near, json={"online": True})
    assert r.status_code == 200 and r.json()["online"] is True


def test_every_stored_anomaly_is_a_filter_operators_may_use(api):
    from server.dispatch.models import ORDER_ANOMALIES
    from server.orders.models import STORED_ANOMALIES

    operator = api.staff("operator")
    assert set(ORDER_ANOMALIES) <= set(STORED_ANOMALIES)
    for code in STORED_ANOMALIES:
        r = api.get("/ops/orders", operator, params={"anomaly": code})
        assert r.status_code == 200, (code, r.text)
    r = api.get("/ops/orders", operator, params={"anomaly": "no_such_thing"})
    assert r.status_code == 422 and "extras_unpaid" in r.json()["error"]["details"]["known"]
