"""Steps the money tests share: pay through the sandbox, put an order on a technician,
walk it to service and through its SOP, the ledger's trial balance."""

from __future__ import annotations

from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
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
