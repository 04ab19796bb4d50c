"""Cross-cutting behaviour: idempotency keys, error shape, uploads, request ids."""

import pytest

from server.auth.consent import POLICY_VERSION

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_idempotent_post_replays_the_first_reply(api):
    customer = api.register()
    q = api.quote(customer)
    headers = {"Idempotency-Key": "order-1"}
    first = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    second = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("idempotent-replay") == "true"
    assert len(api.get("/orders", customer).json()) == 1


def test_idempotency_key_with_another_body_is_refused(api):
    customer = api.register()
    q1, q2 = api.quote(customer), api.quote(customer)
    headers = {"Idempotency-Key": "k"}
    assert (
        api.post(
            "/orders", customer, json={"quote_id": q1["quote_id"]}, headers=headers
        ).status_code
        == 201
    )
    r = api.post("/orders", customer, json={"quote_id": q2["quote_id"]}, headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_are_per_caller(api):
    a, b = api.register(), api.register()
    qa, qb = api.quote(a), api.quote(b)
    headers = {"Idempotency-Key": "same"}
    assert (
        api.post("/orders", a, json={"quote_id": qa["quote_id"]}, headers=headers).status_code
        == 201
    )
    assert (
        api.post("/orders", b, json={"quote_id": qb["quote_id"]}, headers=headers).status_code
        == 201
    )


def test_errors_have_one_shape_and_a_request_id(api):
    r = api.client.get("/api/v1/nope")
    assert r.status_code == 404 and set(r.json()["error"]) == {"code", "message", "details"}
    assert r.headers["X-Request-ID"]
    r = api.client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_upload_limits(api, settings):
    user = api.register()
    r = api.post(
        "/files",
        user,
        files={"file": ("x.exe", b"MZ\x90\x00" * 10, "image/png")},
        data={"kind": "photo"},
    )
    assert r.status_code == 415 and r.json()["error"]["code"] == "file_type_not_allowed"
    big = PNG + b"\x00" * settings.upload_max_bytes
    r = api.post(
        "/files", user, files={"file": ("big.png", big, "image/png")}, data={"kind": "photo"}
    )
    assert r.status_code == 413
    r = api.post(
        "/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "weird"}
    )
    assert r.status_code == 422
    r = api.post(
        "/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "photo"}
    )
    assert r.status_code == 201
    file_id = r.json()["id"]
    assert api.get(f"/files/{file_id}", user).content == PNG
    stranger = api.register()
    assert api.get(f"/files/{file_id}", stranger).status_code == 404
    assert api.get(f"/files/{file_id}").status_code == 401


def test_catalog_search_and_tree(api):
    tree = api.get("/catalog/categories").json()
    assert len(tree) >= 12
    assert all(node["children"] for node in tree)
    services = [s for node in tree for child in node["children"] for s in child["services"]]
    assert len(services) >= 40
    hits = api.get("/catalog/services", params={"q": "擦玻璃"}).json()
    assert hits and any("window" in h["code"] for h in hits)
    by_cat = api.get("/catalog/services", params={"category_id": tree[0]["id"]}).json()
    assert by_cat and all(s["top_category_id"] == tree[0]["id"] for s in by_cat)
    detail = api.get(f"/catalog/services/{hits[0]['id']}").json()
    assert detail["sop"] and detail["sop"][0]["no"] == 1
    assert api.get("/catalog/services/svc_nope").status_code == 404


def test_newborn_care_requires_maternity_certificate(api):
    services = api.get("/catalog/services", params={"q": "新生儿"}).json()
    assert services
    detail = api.get(f"/catalog/services/{services[0]['id']}").json()
    assert "maternity_nurse" in detail["certificates"]


def test_idempotency_key_survives_a_token_refresh(api):
    """The offline queue replays with fresh tokens: the key is the user's, not the header's."""
    customer = api.register()
    q = api.quote(customer)
    headers = {"Idempotency-Key": "offline-1"}
    first = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    refreshed = api.post("/auth/refresh", json={"refresh_token": customer["refresh_token"]}).json()
    again = api.client.post(
        "/api/v1/orders",
        json={"quote_id": q["quote_id"]},
        headers={**headers, "Authorization": f"Bearer {refreshed['access_token']}"},
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


def _upload(api, user, data: bytes, key: str, boundary: str):  # noqa: ANN001, ANN202
    """A multipart upload sent with an explicit boundary (a retry gets a new one)."""
    from httpx import Request

    content_type = f"multipart/form-data; boundary={boundary}"
    built = Request(
        "POST",
        "http://x/",
        files={"file": ("site.png", data, "image/png")},
        data={"kind": "photo"},
        headers={"Content-Type": content_type},
    )
    headers = {**user["headers"], "Idempotency-Key": key, "Content-Type": content_type}
    return api.client.post("/api/v1/files", content=built.read(), headers=headers)


def test_retried_upload_with_a_new_boundary_replays_the_first_reply(api):
    user = api.register()
    first = _upload(api, user, PNG, "up-1", "boundary-one")
    again = _upload(api, user, PNG, "up-1", "another-boundary-2")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replay") == "true"
    other = _upload(api, user, PNG + b"x", "up-1", "boundary-three")  # other bytes, same key
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_upload_larger_than_2_mib_with_an_idempotency_key_is_accepted(api, settings):
    user = api.register()
    big = PNG + b"\x00" * (3 * 1024 * 1024)
    assert len(big) < settings.upload_max_bytes
    r = api.post(
        "/files",
        user,
        files={"file": ("big.png", big, "image/png")},
        data={"kind": "photo"},
        headers={"Idempotency-Key": "big-1"},
    )
    assert r.status_code == 201, r.text
    assert api.get(f"/files/{r.json()['id']}", user).content == big


def test_stored_replies_are_encrypted_and_purged_after_retention(api, clock, settings):
    from sqlalchemy import text

    from server.privacy import service as privacy_service

    body = {
        "phone": "13912340000",
        "password": "correct horse",
        "name": "钱女士",
        "role": "customer",
        "code": api.phone_code("13912340000"),
        "accepted_policy_version": POLICY_VERSION,
    }
    headers = {"Idempotency-Key": "register-1"}
    first = api.client.post("/api/v1/auth/register", json=body, headers=headers)
    assert first.status_code == 201, first.text
    with api.app.state.engine.connect() as conn:
        (stored,) = conn.execute(text("SELECT response_body FROM idempotency_record")).one()
    stored = bytes(stored)
    reply = first.json()
    for secret in (reply["access_token"], reply["refresh_token"], "13912340000", "钱女士"):
        assert secret.encode() not in stored
    again = api.client.post("/api/v1/auth/register", json=body, headers=headers)
    assert again.json() == first.json() and again.headers.get("idempotent-replay") == "true"
    clock.advance(hours=settings.idempotency_retention_hours - 1)
    assert privacy_service.sweep_once(api.app)["idempotency_records"] == 0
    clock.advance(hours=2)
    assert privacy_service.sweep_once(api.app)["idempotency_records"] == 1
    with api.app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM idempotency_record")).scalar() == 0


def test_anonymous_idempotency_keys_are_per_client_address(app):
    from fastapi.testclient import TestClient

    def register(ip: str, phone: str):  # noqa: ANN202
        with TestClient(app, client=(ip, 50000)) as c:
            code = c.post("/api/v1/auth/phone-codes", json={"phone": phone}).json()["sandbox_code"]
            body = {
                "phone": phone,
                "password": "correct horse",
                "name": "新用户",
                "role": "customer",
                "code": code,
                "accepted_policy_version": POLICY_VERSION,
            }
            return c.post("/api/v1/auth/register", headers={"Idempotency-Key": "signup"}, json=body)

    a = register("10.0.0.1", "13912340001")
    b = register("10.0.0.2", "13912340002")  # same key, someone else: not 409, not a's tokens
    assert a.status_code == b.status_code == 201, b.text
    assert b.headers.get("idempotent-replay") is None
    assert b.json()["access_token"] != a.json()["access_token"]


def test_integrity_error_is_a_409_conflict_not_a_500(app):
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import IntegrityError

    def racing_insert() -> None:
        raise IntegrityError("INSERT INTO sop_progress ...", {}, Exception("UNIQUE failed"))

    app.add_api_route("/test/racing-insert", racing_insert, methods=["POST"])
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/test/racing-insert")
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "conflict" and error["message"] and error["details"] == {}
    assert "UNIQUE" not in r.text


def test_production_refuses_development_defaults(tmp_path):
    from server.app import create_app
    from server.core.settings import Settings

    with pytest.raises(RuntimeError) as refused:
        create_app(Settings(env="prod", data_dir=tmp_path, background_tasks=False))
    message = str(refused.value)
    assert (
        "SECRET_KEY" in message and "SANDBOX_PAYMENTS" in message and "ENCRYPTION_KEYS" in message
    )
    assert "SMS_PROVIDER" in message  # sign-up codes must go to the phone, not the reply
    ready = Settings(
        env="prod",
        data_dir=tmp_path,
        background_tasks=False,
        sandbox_payments=False,
        phone_verification=False,  # a deployment without an SMS gateway adapter yet
        secret_key="a-real-secret-from-the-vault-0123456789",
        encryption_keys="MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
    )
    assert ready.production_problems() == []
    create_app(ready)


def test_serve_trusts_forwarded_addresses_only_from_its_load_balancers(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from server.cli import app as cli
    from server.core.settings import get_settings

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("DOORSTEP_FORWARDED_ALLOW_IPS", "10.0.0.5,10.0.0.6")
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli, ["serve", "--workers", "2"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
