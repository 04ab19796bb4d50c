"""The usual HTTP hardening: headers on every reply, nothing personal cached, no
cross-origin browser access by default, metrics not public, a password policy."""

from __future__ import annotations

import pytest

from server.auth.consent import POLICY_VERSION
from server.auth.passwords import password_problem


def test_every_reply_carries_the_security_headers(api) -> None:  # noqa: ANN001
    phone = api.next_phone()
    r = api.post(
        "/auth/register",
        json={
            "phone": phone,
            "password": "correct horse",
            "name": "王",
            "code": api.phone_code(phone),
            "accepted_policy_version": POLICY_VERSION,
        },
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"  # tokens never sit in a cache
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    health = api.client.get("/healthz")
    assert health.headers["x-frame-options"] == "DENY" and "cache-control" not in health.headers


def test_no_cross_origin_browser_access_by_default(api) -> None:  # noqa: ANN001
    r = api.client.options(
        "/api/v1/catalog/categories",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in r.headers
    r = api.client.get("/api/v1/catalog/categories", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "common"),
        ("password", "common"),
        ("woaini1314", "common"),
        ("20260601", "digits_only"),
        ("aaaaaaaa", "too_few_characters"),
        ("short", "length"),
        ("me13800138000", "contains_phone"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(api, password: str, reason: str) -> None:  # noqa: ANN001
    assert password_problem(password, phone="+8613800138000") == reason
    r = api.post(
        "/auth/register",
        json={
            "phone": "+8613800138000",
            "password": password,
            "name": "王",
            "code": api.phone_code("+8613800138000"),
        },
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] in ("password_weak", "validation_error")  # length: the schema's own
    if error["code"] == "password_weak":
        assert error["details"]["reason"] == reason


def test_a_good_password_passes() -> None:
    assert password_problem("correct horse", phone="13800138000") is None
    assert password_problem("Lz9#river", phone="") is None


@pytest.fixture
def head_deadline_server(app, monkeypatch):  # noqa: ANN001, ANN201
    """The app behind uvicorn with the protocol ``doorstep serve`` uses, a short deadline."""
    import threading
    import time

    import uvicorn

    from server.core import http_protocol
    from tests.scale.conftest import free_port

    monkeypatch.setattr(http_protocol, "HEAD_TIMEOUT_S", 0.3)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            http=http_protocol.HeadDeadlineProtocol,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=15)


def _closed_by_server(sock, trickle: bytes = b"") -> bool:  # noqa: ANN001
    """Send ``trickle`` a byte at a time; True once the server has closed the socket."""

    sock.settimeout(0.1)
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] or [b""] * 100:
        try:
            if byte:
                sock.sendall(byte)
            if sock.recv(1) == b"":
                return True
        except TimeoutError:
            continue
        except (OSError, ConnectionResetError, BrokenPipeError):
            return True
    sock.settimeout(10)  # whatever is left: the server must close by itself
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False


def test_a_client_that_never_finishes_its_request_head_is_disconnected(
    head_deadline_server,
) -> None:  # noqa: ANN001
    import socket

    import httpx

    with socket.create_connection(("127.0.0.1", head_deadline_server)) as idle:
        assert _closed_by_server(idle)  # connected, then silent
    with socket.create_connection(("127.0.0.1", head_deadline_server)) as slow:
        assert _closed_by_server(slow, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 400)
    with httpx.Client(base_url=f"http://127.0.0.1:{head_deadline_server}") as honest:
        assert honest.get("/healthz").status_code == 200
        assert honest.get("/healthz").status_code == 200  # the kept-alive connection serves again


def test_the_schema_describes_the_422_that_is_sent(api) -> None:  # noqa: ANN001
    schema = api.client.get("/openapi.json").json()
    declared = schema["components"]["schemas"]["HTTPValidationError"]
    assert declared["required"] == ["error"] and "detail" not in declared["properties"]
    r = api.post("/auth/login", json={"phone": 1})
    assert r.status_code == 422 and set(r.json()) == {"error"}
    assert set(r.json()["error"]) == {"code", "message", "details"}
