"""``GET /technician/analytics``: a finished, confirmed order shows as an order and as
income (the same amount the earnings statement shows), under its category, on the grid
and against the district's average; only technicians may ask, for themselves."""

from __future__ import annotations

from tests.api.payment_steps import finish, pay, to_service


def done(api, customer, tech) -> dict:
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    started = to_service(api, customer, tech, oid)
    assert finish(api, tech, oid, started["sop"]).status_code == 200
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    return api.get(f"/orders/{oid}", customer).json()


def test_a_finished_order_counts_as_work_income_category_spot_and_district(api):
    customer = api.register("customer")
    tech, other = api.register("technician"), api.register("technician")
    order = done(api, customer, tech)
    done(api, customer, other)
    done(api, customer, other)
    r = api.get("/technician/analytics", tech, params={"by": "day"})
    assert r.status_code == 200, r.text
    a = r.json()
    earned = api.get("/technician/earnings", tech).json()["earned"]
    assert a["orders"] == 1 and a["income"] == earned > 0
    assert len(a["buckets"]) == 14 and a["buckets"][-1]["orders"] == 1
    assert a["buckets"][-1]["income"] == earned
    [category] = a["categories"]
    assert category["orders"] == 1 and category["income"] == earned and category["name_zh"]
    [spot] = a["spots"]
    assert spot["orders"] == 1
    assert abs(spot["lat"] - order["lat"]) <= 0.005 and abs(spot["lng"] - order["lng"]) <= 0.005
    d = a["district"]
    assert d["technicians"] == 2 and d["my_orders"] == 1 and d["average_orders"] == 1.5
    assert d["my_income"] == earned and d["average_income"] == earned * 3 / 2
    weeks = api.get("/technician/analytics", tech, params={"by": "week"}).json()
    months = api.get("/technician/analytics", tech, params={"by": "month"}).json()
    assert (len(weeks["buckets"]), len(months["buckets"])) == (12, 6)
    assert weeks["income"] == months["income"] == earned


def test_nothing_yet_bad_grouping_and_who_may_ask(api):
    tech = api.register("technician")
    empty = api.get("/technician/analytics", tech).json()
    assert (empty["orders"], empty["income"], empty["district"], empty["spots"]) == (0, 0, None, [])
    r = api.get("/technician/analytics", tech, params={"by": "year"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "analytics_grouping_invalid"
    customer = api.register("customer")
    assert api.get("/technician/analytics", customer).status_code == 403
    assert api.get("/technician/analytics").status_code == 401
