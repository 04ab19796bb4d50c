from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from tests.unit_of_work import unit_of_work


def test_health_and_docs(api):
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").status_code == 200
    assert api.client.get("/metrics").status_code == 403  # not from elsewhere, not without a token
    api.app.state.settings.metrics_token = "scrape-me"
    scrape = {"Authorization": "Bearer scrape-me"}
    assert "doorstep_http_requests_total" in api.client.get("/metrics", headers=scrape).text
    assert api.client.get("/docs").status_code == 200


def test_metrics_count_order_transitions(api):
    customer = api.register("customer")
    order = api.order(customer)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=order["id"],
            action=Action.PAYMENT_SUCCEEDED,
            actor=Actor(ActorKind.SYSTEM),
        )
    api.app.state.settings.metrics_token = "scrape-me"
    text = api.client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    assert 'doorstep_order_transitions_total{action="payment_succeeded"}' in text


def test_not_ready_until_the_schema_is_migrated(settings, clock, tmp_path):  # noqa: ANN001
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from server.app import create_app
    from server.core import migrate
    from server.core.db import make_engine

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    with TestClient(create_app(settings, clock=clock, engine=engine)) as client:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "schema_missing"
        migrate.upgrade(url)
        assert client.get("/readyz").status_code == 200
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "schema_outdated"
        assert r.json()["error"]["details"]["expected"] == migrate.head_revision()


def test_order_walk_with_system_moves(api):
    customer = api.register("customer", "张女士")
    tech = api.register("technician", "李师傅")
    order = api.order(customer)
    assert order["status"] == "PENDING_PAYMENT"
    # what the reader may do and the machine's groups of the status come with every read
    assert order["allowed_actions"] == ["cancel"] and order["status_groups"] == []
    system = Actor(ActorKind.SYSTEM)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow, order_id=order["id"], action=Action.PAYMENT_SUCCEEDED, actor=system
        )
        orders_service.move(
            uow,
            order_id=order["id"],
            action=Action.ASSIGN,
            actor=system,
            technician_id=tech["user"]["id"],
        )
    oid = order["id"]
    r = api.post(f"/orders/{oid}/depart", tech, json={})
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == ["arrive"]
    assert r.json()["status_groups"] == ["assigned", "tracking", "work_order_open"]
    seen = api.get(f"/orders/{oid}", customer).json()
    assert seen["allowed_actions"] == ["cancel"] and seen["status_groups"] == [
        "assigned",
        "tracking",
        "work_order_open",
    ]
    r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9400, "lng": 116.4540})
    assert r.status_code == 409 and r.json()["error"]["code"] == "outside_geofence"
    r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
    assert r.status_code == 200, r.text
    r = api.post(f"/orders/{oid}/start", tech, json={})
    assert r.json()["error"]["code"] == "work_order_not_confirmed"
    r = api.post(f"/orders/{oid}/work-order/confirm", customer, json={})
    assert r.status_code == 200, r.text
    r = api.post(f"/orders/{oid}/start", tech, json={})
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == ["finish"]
    assert r.json()["status_groups"] == ["assigned", "on_site", "working", "service_started"]
    for step in r.json()["sop"]:
        body = {}
        if step["photo"]:
            up = api.post(
                "/files",
                tech,
                files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")},
                data={"kind": "photo", "order_id": oid},
            )
            assert up.status_code == 201, up.text
            body["photo_file_id"] = up.json()["id"]
        r = api.post(f"/orders/{oid}/sop/{step['no']}/done", tech, json=body)
        assert r.status_code == 200, r.text
    r = api.post(f"/orders/{oid}/finish", tech, json={})
    assert r.status_code == 200, r.text
    r = api.post(f"/orders/{oid}/confirm", customer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "COMPLETED"
    assert r.json()["allowed_actions"] == ["dispute"]
    assert r.json()["status_groups"] == ["service_started", "terminal"]
    done = api.get(f"/orders/{oid}", tech).json()
    assert done["allowed_actions"] == [] and done["status_groups"] == r.json()["status_groups"]
    events = api.get(f"/orders/{oid}/events", customer).json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
