"""Hostile input is refused cleanly: a 4xx with a code, nothing written, never a 5xx."""

from __future__ import annotations

import json
from urllib.parse import quote

import jwt
import pytest

from tests.conftest import _db_params

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE service_order; --",
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "\u0000\u0001\u0002",
    "𠜎𠜱𠝹" * 50,
]


@pytest.fixture(params=_db_params())
def db_kind(request) -> str:  # noqa: ANN001
    """Hostile input runs on SQLite and on PostgreSQL (which refuses NUL bytes in text)."""
    return request.param


def _code(response) -> str:  # noqa: ANN001
    return response.json()["error"]["code"]


def test_oversized_body_is_413(api):
    customer = api.register()
    body = b"{" + b'"a":"' + b"x" * (api.app.state.settings.upload_max_bytes + 100_000) + b'"}'
    r = api.client.post(
        "/api/v1/quotes",
        content=body,
        headers={**customer["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and _code(r) == "payload_too_large"


def test_oversized_chunked_body_without_content_length_is_413(api):
    """A chunked body declares no length: the guard counts what arrives."""
    customer = api.register()
    limit = api.app.state.settings.max_request_bytes

    def chunks():  # noqa: ANN202
        yield b'{"a":"'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    for extra in ({}, {"Idempotency-Key": "chunky"}):
        headers = {**customer["headers"], "Content-Type": "application/json", **extra}
        r = api.client.post("/api/v1/quotes", content=chunks(), headers=headers)
        assert "content-length" not in r.request.headers
        assert r.status_code == 413 and _code(r) == "payload_too_large"
    # a small chunked body still goes through
    small = iter([b'{"phone": "1", ', b'"password": "x"}'])
    r = api.client.post(
        "/api/v1/auth/login", content=small, headers={"Content-Type": "application/json"}
    )
    assert r.status_code in (401, 422), r.text


def test_deeply_nested_json_is_refused(api):
    customer = api.register()
    depth = 100_000
    body = "[" * depth + "]" * depth
    r = api.client.post(
        "/api/v1/quotes",
        content=body,
        headers={**customer["headers"], "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text[:200]


def test_bad_utf8_is_refused(api):
    customer = api.register()
    r = api.client.post(
        "/api/v1/quotes",
        content=b'{"service_id": "\xff\xfe\xfa"}',
        headers={**customer["headers"], "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500


def test_huge_strings_are_refused(api):
    customer = api.register()
    q = api.quote(customer)
    r = api.post("/orders", customer, json={"quote_id": q["quote_id"], "notes": "长" * 100_000})
    assert r.status_code == 422
    assert api.get("/orders", customer).json() == []


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_text_fields_is_data_not_code(api, payload):
    customer = api.register()
    r = api.get("/catalog/services", params={"q": payload})
    if "\x00" in payload:
        assert r.status_code == 400 and _code(r) == "invalid_characters"
    else:
        assert r.status_code == (200 if len(payload) <= 100 else 422)
    segment = quote(payload, safe="")
    r = api.get(f"/orders/{segment}", customer)
    assert r.status_code in (400, 404, 422)
    r = api.get(f"/files/{segment}", customer)
    assert r.status_code in (400, 404, 422)
    q = api.quote(customer)
    r = api.post("/orders", customer, json={"quote_id": q["quote_id"], "notes": payload[:500]})
    # notes are stored encrypted, so even a NUL (which PostgreSQL text cannot hold) is kept
    assert r.status_code == 201
    assert api.get(f"/orders/{r.json()['id']}", customer).json()["notes"] == payload[:500]
    r = api.post("/auth/login", json={"phone": payload, "password": payload})
    assert r.status_code in (401, 422, 429)


def test_forged_and_expired_tokens(api):
    customer = api.register()
    secret = api.app.state.settings.secret_key
    now = int(api.app.state.clock.now().timestamp())
    cases = {
        "wrong key": jwt.encode(
            {"sub": customer["user"]["id"], "typ": "access", "exp": now + 60},
            "x" * 40,
            algorithm="HS256",
        ),
        "alg none": jwt.encode(
            {"sub": customer["user"]["id"], "typ": "access", "exp": now + 60},
            None,
            algorithm="none",
        ),
        "expired": jwt.encode(
            {"sub": customer["user"]["id"], "typ": "access", "exp": now - 1},
            secret,
            algorithm="HS256",
        ),
        "refresh as access": customer["refresh_token"],
        "unknown user": jwt.encode(
            {"sub": "usr_ghost", "typ": "access", "exp": now + 60}, secret, algorithm="HS256"
        ),
        "garbage": "a.b.c",
    }
    for name, token in cases.items():
        r = api.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert _code(r) in ("invalid_token", "token_expired"), name


def test_replayed_idempotency_key_with_other_body(api):
    customer = api.register()
    q1, q2 = api.quote(customer), api.quote(customer)
    headers = {"Idempotency-Key": "replay-me"}
    first = api.post("/orders", customer, json={"quote_id": q1["quote_id"]}, headers=headers)
    again = api.post("/orders", customer, json={"quote_id": q1["quote_id"]}, headers=headers)
    other = api.post("/orders", customer, json={"quote_id": q2["quote_id"]}, headers=headers)
    assert first.status_code == 201 and again.json() == first.json()
    assert other.status_code == 409 and _code(other) == "idempotency_key_reused"
    assert len(api.get("/orders", customer).json()) == 1


def test_malformed_json_shapes(api):
    customer = api.register()
    for body in ([], "string", 12, {"service_id": 12}, {"service_id": None}, {"address": "x"}):
        r = api.client.post(
            "/api/v1/quotes",
            content=json.dumps(body),
            headers={**customer["headers"], "Content-Type": "application/json"},
        )
        assert r.status_code == 422, body
