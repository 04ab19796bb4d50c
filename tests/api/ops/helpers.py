"""Walk an order to the point a scenario needs, through the HTTP contract."""

from __future__ import annotations

from server.orders.machine import Actor, ActorKind
from tests.api.payment_steps import assign

SYSTEM = Actor(ActorKind.SYSTEM)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def pay(api, customer, order_id):  # noqa: ANN001, ANN201
    r = api.post(
        f"/orders/{order_id}/payments", customer, json={"provider": "sandbox", "method": "wechat"}
    )
    assert r.status_code == 201, r.text
    r = api.post(f"/sandbox/payments/{r.json()['payment_id']}/approve", customer)
    assert r.status_code == 200, r.text


def photo(api, user, order_id=None):  # noqa: ANN001, ANN201
    data = {"kind": "photo", **({"order_id": order_id} if order_id else {})}
    up = api.post("/files", user, files={"file": ("a.png", PNG, "image/png")}, data=data)
    assert up.status_code == 201, up.text
    return up.json()["id"]


def walk_to_finished(api, customer, tech, **quote_extra) -> dict:  # noqa: ANN001
    """Paid, assigned, travelled, served, SOP done, finished: AWAITING_CONFIRMATION."""
    order = api.order(customer, **quote_extra)
    oid = order["id"]
    pay(api, customer, oid)
    assign(api, oid, tech)
    assert api.post(f"/orders/{oid}/depart", tech, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
    assert r.status_code == 200, r.text
    assert api.post(f"/orders/{oid}/work-order/confirm", customer, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/start", tech, json={})
    assert r.status_code == 200, r.text
    for step in r.json()["sop"]:
        body = {"photo_file_id": photo(api, tech, oid)} if step["photo"] else {}
        assert api.post(f"/orders/{oid}/sop/{step['no']}/done", tech, json=body).status_code == 200
    r = api.post(f"/orders/{oid}/finish", tech, json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "AWAITING_CONFIRMATION"
    return r.json()


def complete(api, customer, tech, **quote_extra) -> dict:  # noqa: ANN001
    order = walk_to_finished(api, customer, tech, **quote_extra)
    r = api.post(f"/orders/{order['id']}/confirm", customer)
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text
    return r.json()


def trial(api, finance):  # noqa: ANN001, ANN201
    r = api.get("/ops/ledger/trial-balance", finance)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["difference"] == 0
    return {row["account"]: row["balance"] for row in data["accounts"]}


def audit_actions(api, admin, **params) -> list[dict]:  # noqa: ANN001
    r = api.get("/ops/audit", admin, params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return r.json()


def relogin(api, user: dict, password: str = "correct horse") -> dict:  # noqa: ANN001
    """Fresh tokens after the test clock jumped past their lifetime."""
    r = api.client.post("/api/v1/auth/login", json={"phone": user["phone"], "password": password})
    assert r.status_code == 200, r.text
    return {**user, **r.json(), "headers": {"Authorization": f"Bearer {r.json()['access_token']}"}}


def onboard(api, name: str = "王师傅") -> dict:  # noqa: ANN001
    """A technician with a complete file (photo, skills, area, certificate) awaiting review."""
    tech = api.register("technician", name)
    r = api.post(
        "/files", tech, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "photo"}
    )
    photo_id = r.json()["id"]
    r = api.put(
        "/technician/profile",
        tech,
        json={
            "gender": "female",
            "birth_year": 1985,
            "experience_years": 8,
            "bio": "八年保洁经验",
            "photo_file_id": photo_id,
            "skills": ["cleaning"],
        },
    )
    assert r.status_code == 200, r.text
    r = api.put(
        "/technician/service-area",
        tech,
        json={"center": {"lat": 39.9334, "lng": 116.4540}, "radius_km": 5, "max_distance_km": 6},
    )
    assert r.status_code == 200, r.text
    r = api.post(
        "/files", tech, files={"file": ("c.png", PNG, "image/png")}, data={"kind": "certificate"}
    )
    r = api.post(
        "/technician/certificates",
        tech,
        json={
            "type": "health",
            "file_id": r.json()["id"],
            "number": "NO-1",
            "expires_on": "2027-03-31",
        },
    )
    assert r.status_code == 201, r.text
    return tech
