"""SQLite's write lock under the unit of work: a read-only request never takes it, a
read-only transaction cannot write, and a write that cannot get the lock in time is a
503 ``busy`` with ``Retry-After``, not a 500."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server.app import create_app
from server.auth.consent import POLICY_VERSION
from server.core import db as db_module
from server.core.db import make_engine


@pytest.fixture
def db_kind() -> str:
    """SQLite's own lock: these run on SQLite only."""
    return "sqlite"


@pytest.fixture
def sqlite_path(engine) -> str:  # noqa: ANN001
    return engine.url.database


def test_reads_never_take_sqlites_write_lock(api, sqlite_path):  # noqa: ANN001
    customer = api.register()
    order = api.order(customer)
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole test
    try:
        for path in ("/catalog/categories", "/orders", f"/orders/{order['id']}", "/me"):
            r = api.get(path, customer)
            assert r.status_code == 200, (path, r.text)
    finally:
        blocker.rollback()
        blocker.close()


def test_a_read_only_transaction_refuses_to_write(engine, sqlite_path):  # noqa: ANN001
    with db_module.read_session(engine) as session, pytest.raises(OperationalError):
        session.execute(text("DELETE FROM idempotency_record"))


def _register(client: TestClient, phone: str, name: str):  # noqa: ANN202
    return client.post(
        "/api/v1/auth/register",
        json={
            "phone": phone,
            "password": "correct horse",
            "name": name,
            "role": "customer",
            "accepted_policy_version": POLICY_VERSION,
        },
    )


def test_a_write_that_cannot_get_the_lock_is_503_busy_with_retry_after(  # noqa: ANN001
    settings, clock, sqlite_path, monkeypatch
):
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 50)
    engine = make_engine(f"sqlite:///{sqlite_path}")
    settings = settings.model_copy(update={"phone_verification": False})  # one write: the sign-up
    with TestClient(create_app(settings, clock=clock, engine=engine)) as client:
        assert _register(client, "13811112222", "王").status_code == 201
        blocker = sqlite3.connect(sqlite_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            r = _register(client, "13811113333", "李")
        finally:
            blocker.rollback()
            blocker.close()
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "busy" and r.headers["retry-after"] == "1"
        again = _register(client, "13811113333", "李")  # nothing was half-written
        assert again.status_code == 201, again.text
    engine.dispose()


def test_a_burst_of_reads_and_writes_all_succeed(api, client):  # noqa: ANN001
    """60 catalog reads, 30 order reads and 30 quotes at once, more than the threadpool
    holds: writers queue at the gate, readers pass them, nobody waits on a thread that
    a waiter holds."""
    import asyncio
    from datetime import timedelta

    import httpx

    customers = [api.register() for _ in range(3)]
    start = (api.app.state.clock.now() + timedelta(hours=30)).isoformat()
    body = {
        "service_id": "svc_daily_cleaning",
        "scheduled_start": start,
        "address": {"lat": 39.9334, "lng": 116.4540, "text": "朝阳区某路1号", "district": "三里屯"},
    }

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [http.get("/api/v1/catalog/categories") for _ in range(60)]
            calls += [
                http.get("/api/v1/orders", headers=customers[n % 3]["headers"]) for n in range(30)
            ]
            calls += [
                http.post("/api/v1/quotes", json=body, headers=customers[n % 3]["headers"])
                for n in range(30)
            ]
            return [r.status_code for r in await asyncio.gather(*calls)]

    quotes_before = _count_quotes(api)
    statuses = client.portal.call(burst)
    assert statuses[:90] == [200] * 90 and statuses[90:] == [201] * 30, statuses
    assert _count_quotes(api) == quotes_before + 30


def _count_quotes(api) -> int:  # noqa: ANN001
    with api.app.state.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM quote")).scalar_one()
