"""积分商城: points become a coupon in the wallet (a service-only one for free hours) or a
product shipped to a saved address; points, stock and per-customer limits hold, also when
two redeem at once; only the owner and staff see a shipment's address."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from server.catalog.models import Service
from server.pricing.mall import items
from server.pricing.models import LoyaltyAccount, MallStock, PointsEntry
from tests.unit_of_work import unit_of_work

HOME = {
    "label": "家",
    "text": "朝阳区三里屯路19号",
    "lat": 39.9335,
    "lng": 116.4541,
    "detail": "3号楼501",
}


def give_points(api, customer, points: int) -> None:
    with unit_of_work(api.app) as uow:
        account = uow.session.get(LoyaltyAccount, customer["user"]["id"])
        if account is None:
            account = LoyaltyAccount(customer_id=customer["user"]["id"], points=0)
        account.points += points
        uow.session.add(account)


def redeem(api, customer, code, **body):
    return api.post("/me/mall/redemptions", customer, json={"item_code": code, **body})


def test_points_become_a_coupon_in_the_wallet(api):
    customer = api.register("customer")
    give_points(api, customer, 2000)
    listed = {i["code"]: i for i in api.get("/mall/items", customer).json()}
    hours = listed["hours_daily_cleaning_2h"]
    assert hours["my_left"] == 1 and hours["service_id"] == "svc_daily_cleaning"
    assert hours["service_name_zh"] == "日常保洁"
    r = redeem(api, customer, "hours_daily_cleaning_2h")
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["status"] == "issued" and got["coupon_id"] and got["points"] == 1500
    wallet = api.get("/me/wallet", customer).json()
    [coupon] = [c for c in wallet["coupons"] if c["id"] == got["coupon_id"]]
    assert coupon["service_ids"] == ["svc_daily_cleaning"] and coupon["amount"] == 10000
    assert wallet["points"] == 500
    after = {i["code"]: i for i in api.get("/mall/items", customer).json()}
    assert after["hours_daily_cleaning_2h"]["my_left"] == 0
    assert after["hours_daily_cleaning_2h"]["stock_left"] == hours["stock_left"] - 1
    r = redeem(api, customer, "hours_daily_cleaning_2h")
    assert r.status_code == 409 and r.json()["error"]["code"] == "mall_limit_reached"
    r = redeem(api, customer, "coupon_30_over_200")  # 450 of the 500 left
    assert r.status_code == 201
    r = redeem(api, customer, "coupon_30_over_200")
    assert r.status_code == 409 and r.json()["error"]["code"] == "points_insufficient"
    assert api.get("/me/wallet", customer).json()["points"] == 50  # a refusal takes nothing
    with unit_of_work(api.app) as uow:
        entries = uow.session.exec(select(PointsEntry).where(PointsEntry.reason == "mall")).all()
        assert sorted(e.delta for e in entries) == [-1500, -450]


def test_a_product_ships_to_a_saved_address(api):
    customer, other = api.register("customer"), api.register("customer")
    give_points(api, customer, 1000)
    r = redeem(api, customer, "cleaning_kit")
    assert r.status_code == 422 and r.json()["error"]["code"] == "mall_address_required"
    theirs = api.post("/me/addresses", other, json=HOME).json()
    r = redeem(api, customer, "cleaning_kit", address_id=theirs["id"])
    assert r.status_code == 404  # someone else's place: as if absent
    mine = api.post("/me/addresses", customer, json=HOME).json()
    r = redeem(api, customer, "cleaning_kit", address_id=mine["id"])
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["status"] == "to_ship" and got["address"] == "朝阳区三里屯路19号 3号楼501"
    assert api.get("/me/mall/redemptions", other).json() == []
    support = api.staff("support")
    waiting = api.get("/ops/mall/redemptions", support, params={"status": "to_ship"}).json()
    assert [w["id"] for w in waiting] == [got["id"]]
    r = api.post(
        f"/ops/mall/redemptions/{got['id']}/ship", support, json={"tracking_no": "SF1234567"}
    )
    assert r.status_code == 200 and r.json()["status"] == "shipped"
    again = api.post(
        f"/ops/mall/redemptions/{got['id']}/ship", support, json={"tracking_no": "SF1"}
    )
    assert again.status_code == 422  # too short a tracking number
    again = api.post(
        f"/ops/mall/redemptions/{got['id']}/ship", support, json={"tracking_no": "SF7654321"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "mall_not_to_ship"
    [mine_now] = api.get("/me/mall/redemptions", customer).json()
    assert mine_now["tracking_no"] == "SF1234567"
    assert api.get("/ops/mall/redemptions", customer).status_code == 403
    assert (
        api.post("/me/mall/redemptions", support, json={"item_code": "coupon_10"}).status_code
        == 403
    )


def test_the_last_one_goes_to_one_customer_only(api):
    with unit_of_work(api.app) as uow:
        stock = items()["mite_spray"].stock
        uow.session.add(MallStock(item_code="mite_spray", taken=stock - 1))
    a, b = api.register("customer"), api.register("customer")
    home_a = api.post("/me/addresses", a, json=HOME).json()["id"]
    home_b = api.post("/me/addresses", b, json=HOME).json()["id"]
    give_points(api, a, 600)
    give_points(api, b, 600)
    with ThreadPoolExecutor(2) as pool:
        replies = list(
            pool.map(
                lambda who: redeem(api, who[0], "mite_spray", address_id=who[1]),
                [(a, home_a), (b, home_b)],
            )
        )
    assert sorted(r.status_code for r in replies) == [201, 409]
    [refused] = [r for r in replies if r.status_code == 409]
    assert refused.json()["error"]["code"] == "mall_sold_out"
    points = sorted(api.get("/me/wallet", who).json()["points"] for who in (a, b))
    assert points == [0, 600]  # the one refused keeps his points
    listed = {i["code"]: i for i in api.get("/mall/items").json()}
    assert listed["mite_spray"]["stock_left"] == 0 and listed["mite_spray"]["my_left"] == 2


def test_unknown_items_and_the_file(api):
    customer = api.register("customer")
    r = redeem(api, customer, "gold_bar")
    assert r.status_code == 404 and r.json()["error"]["code"] == "mall_item_not_found"
    catalog = items()
    with unit_of_work(api.app) as uow:
        for item in catalog.values():
            if item.service_id:  # a service-only coupon names a real service
                assert uow.session.get(Service, item.service_id) is not None, item.code
