"""One transaction per request (server/core/uow.py, uow_middleware.py): the idempotency
record commits with the effect, an error reply keeps what the use case checkpointed,
and work meant for after the commit waits for it. (SQLite's write lock:
test_sqlite_write_lock.py.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from server.core import idempotency
from server.core.db import mode_engine


def _quote_body(api) -> dict:  # noqa: ANN001
    start = api.app.state.clock.now() + timedelta(hours=26)
    return {
        "service_id": "svc_daily_cleaning",
        "scheduled_start": start.isoformat(),
        "address": {"lat": 39.9334, "lng": 116.4540, "text": "朝阳区某路1号", "district": "三里屯"},
    }


def _count(api, table: str) -> int:  # noqa: ANN001
    with api.app.state.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_crash_before_the_key_is_kept_leaves_no_effect(api, monkeypatch):  # noqa: ANN001
    customer = api.register()
    headers = {**customer["headers"], "Idempotency-Key": "crash-1"}
    quotes_before = _count(api, "quote")

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("the process died while keeping the key")

    monkeypatch.setattr(idempotency, "keep", crash)
    with pytest.raises(RuntimeError):
        api.client.post("/api/v1/quotes", json=_quote_body(api), headers=headers)
    assert _count(api, "quote") == quotes_before  # the effect went with the key
    assert _count(api, "idempotency_record") == 0
    monkeypatch.undo()
    first = api.client.post("/api/v1/quotes", json=_quote_body(api), headers=headers)
    assert first.status_code == 201, first.text
    again = api.client.post("/api/v1/quotes", json=_quote_body(api), headers=headers)
    assert again.headers.get("idempotent-replay") == "true" and again.json() == first.json()
    assert _count(api, "quote") == quotes_before + 1


def test_a_reply_lost_after_the_commit_is_replayed_not_repeated(api, client: TestClient):  # noqa: ANN001
    """The connection dies as the reply goes out: the retry gets that reply, and the
    quote exists once."""
    customer = api.register()
    headers = {**customer["headers"], "Idempotency-Key": "lost-reply"}
    body = _quote_body(api)
    quotes_before = _count(api, "quote")

    class ConnectionLost(Exception):
        pass

    async def post_and_drop() -> None:
        async def drop(message) -> None:  # noqa: ANN001
            raise ConnectionLost

        request = httpx.Request(
            "POST", "http://testserver/api/v1/quotes", json=body, headers=headers
        )
        payload = request.read()
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/quotes",
            "raw_path": b"/api/v1/quotes",
            "query_string": b"",
            "root_path": "",
            "server": ("testserver", 80),
            "client": ("testclient", 50000),
            "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()],
        }

        async def receive() -> dict:
            return {"type": "http.request", "body": payload, "more_body": False}

        await api.app(scope, receive, drop)

    with pytest.raises(ConnectionLost):
        client.portal.call(post_and_drop)
    assert _count(api, "quote") == quotes_before + 1
    retry = api.client.post("/api/v1/quotes", json=body, headers=headers)
    assert retry.status_code == 201 and retry.headers.get("idempotent-replay") == "true"
    assert _count(api, "quote") == quotes_before + 1


def test_two_copies_sent_at_once_book_once_and_both_get_the_first_reply(api, client):  # noqa: ANN001
    customer = api.register()
    quote = api.quote(customer)
    headers = {**customer["headers"], "Idempotency-Key": "double-tap"}

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return list(
                await asyncio.gather(
                    *(
                        http.post(
                            "/api/v1/orders", json={"quote_id": quote["quote_id"]}, headers=headers
                        )
                        for _ in range(2)
                    )
                )
            )

    first, second = client.portal.call(both)
    assert {first.status_code, second.status_code} == {201}, (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert sorted(r.headers.get("idempotent-replay", "") for r in (first, second)) == ["", "true"]
    assert _count(api, "service_order") == 1


def test_an_error_reply_keeps_what_the_use_case_checkpointed(api):  # noqa: ANN001
    """A refused sign-in still counts: the failure is a checkpoint, the 401 is the reply."""
    customer = api.register()
    for _ in range(5):
        r = api.client.post(
            "/api/v1/auth/login", json={"phone": customer["phone"], "password": "wrong"}
        )
        assert r.status_code in (401, 423), r.text
    locked = api.client.post(
        "/api/v1/auth/login", json={"phone": customer["phone"], "password": "correct horse"}
    )
    assert locked.status_code in (423, 429), locked.text


def test_pushes_wait_for_the_commit(api, monkeypatch):  # noqa: ANN001
    """A live-feed message is handed over only after the transaction that wrote it."""
    from server.realtime import runtime as realtime_runtime

    seen: list[bool] = []
    real = realtime_runtime.publish_now

    def spy(engine, message) -> None:  # noqa: ANN001
        if message.get("t") == "order":
            # another (read-only) connection sees only what is committed: the events pushed
            # must be there
            with mode_engine(api.app.state.engine, write=False).connect() as conn:
                stored = set(
                    conn.execute(
                        text("SELECT seq FROM order_event WHERE order_id = :order_id"),
                        {"order_id": message["order_id"]},
                    ).scalars()
                )
            seen.append(bool(message["events"]) and {e["seq"] for e in message["events"]} <= stored)
        real(engine, message)

    monkeypatch.setattr(realtime_runtime, "publish_now", spy)
    customer = api.register()
    api.order(customer)
    assert seen and all(seen)
