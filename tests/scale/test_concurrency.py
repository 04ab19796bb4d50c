"""Races against a real server, with real threads: many technicians claim one pooled
order at once (exactly one wins), and a payment provider delivers the same signed
webhook twenty times at once (the money is booked once).

Runs on SQLite (uvicorn in a thread) always, and on PostgreSQL + Redis (uvicorn in a
subprocess) when ``DOORSTEP_TEST_DATABASE_URL`` and ``DOORSTEP_TEST_REDIS_URL`` are set
(CI sets both).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.scale.conftest import (
    PG_URL,
    REDIS_URL,
    WEBHOOK_SECRET,
    Api,
    ServerProcess,
    User,
    bulk_users,
    create_pg_database,
    drop_pg_database,
    engine_for,
    prepare_schema,
    runtime_for,
    server_env,
    thread_server,
)

pytestmark = pytest.mark.scale
CLAIMERS = 50
DELIVERIES = 20


def _backends() -> list:
    pg = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not (PG_URL and REDIS_URL),
            reason="PostgreSQL run needs DOORSTEP_TEST_DATABASE_URL and "
            "DOORSTEP_TEST_REDIS_URL (CI sets both)",
        ),
    )
    return ["sqlite", pg]


@dataclass
class Backend:
    kind: str
    api: Api
    db_url: str
    operator: User


@pytest.fixture(scope="module", params=_backends())
def backend(request, tmp_path_factory) -> Iterator[Backend]:  # noqa: ANN001
    kind = request.param
    data_dir: Path = tmp_path_factory.mktemp(f"race-{kind}")
    if kind == "sqlite":
        db_url = f"sqlite:///{data_dir / 'race.db'}"
        prepare_schema(db_url)
        with thread_server(db_url, data_dir / "server") as base_url:
            # 50 claims at once queue for SQLite's single writer (every transaction begins
            # IMMEDIATE) in the test's own process on two cores: the race is the point, not
            # the wait, so the client waits as long as the server's lock timeouts allow
            api = Api(base_url, timeout=120)
            yield Backend(kind, api, db_url, api.staff(db_url, "operator"))
        return
    name, db_url = create_pg_database("doorstep_race")
    server = ServerProcess(server_env(db_url, data_dir, DOORSTEP_BACKGROUND_TASKS="false"))
    try:
        prepare_schema(db_url)
        server.start()
        api = Api(server.url, timeout=120)
        yield Backend(kind, api, db_url, api.staff(db_url, "operator"))
    finally:
        server.stop()
        drop_pg_database(name)


def _all_at_once(n: int, work) -> list:  # noqa: ANN001
    """Run ``work(i)`` on ``n`` threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def run(i: int):  # noqa: ANN202
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _pooled_order(api: Api, customer: User) -> str:
    r = api.book(customer)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    r = api.pay(customer, order_id)
    assert r.status_code == 200, r.text
    return order_id


def test_fifty_technicians_claim_one_pooled_order_exactly_one_wins(backend: Backend) -> None:
    api = backend.api
    with ThreadPoolExecutor(max_workers=4) as pool:
        techs = list(
            pool.map(
                lambda t: api.onboard_technician(backend.operator, t),
                bulk_users(backend.db_url, "technician", CLAIMERS),
            )
        )
    customer = api.register("customer")
    order_id = _pooled_order(api, customer)
    order = api.get(f"/orders/{order_id}", customer).json()
    if order["status"] != "PENDING_DISPATCH":
        pytest.fail(f"a paid order should wait in the pool, found {order['status']}")

    replies = _all_at_once(
        CLAIMERS, lambda i: api.post(f"/orders/{order_id}/claim", techs[i], json={})
    )

    statuses = Counter(r.status_code for r in replies)
    assert statuses[200] + statuses[201] == 1, statuses
    losers = [r for r in replies if r.status_code not in (200, 201)]
    assert all(r.status_code == 409 for r in losers), Counter(
        (r.status_code, r.text[:80]) for r in losers
    )
    assert all(r.json()["error"]["code"] for r in losers)  # a code a client can branch on
    winner = next(techs[i] for i, r in enumerate(replies) if r.status_code in (200, 201))
    final = api.get(f"/orders/{order_id}", customer).json()
    assert final["status"] == "ACCEPTED"
    assert final["technician_id"] == winner.id
    events = api.get(f"/orders/{order_id}/events", customer).json()
    assert [e["type"] for e in events].count("order.claimed") + [e["type"] for e in events].count(
        "order.accepted"
    ) == 1
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def _signed_webhook(db_url: str, payment_id: str) -> tuple[bytes, dict[str, str]]:
    """What the sandbox provider would send for an approved charge, signed once."""
    from server.core.uow import UnitOfWork
    from server.payments.models import Payment
    from server.payments.providers import SandboxProvider

    provider = SandboxProvider(WEBHOOK_SECRET)
    engine = engine_for(db_url)
    with UnitOfWork.begin(runtime_for(engine)) as uow:
        payment = uow.session.get(Payment, payment_id)
        charge = provider.settle(uow, provider_ref=payment.provider_ref, succeed=True)
        body = provider.event_for(charge, event_id=f"evt_race_{payment_id}")
    engine.dispose()
    return body, provider.signed_headers(body, _now())


def _now():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_twenty_identical_webhooks_at_once_book_the_payment_once(backend: Backend) -> None:
    api = backend.api
    customer = api.register("customer")
    r = api.book(customer)
    assert r.status_code == 201, r.text
    order = r.json()
    r = api.post(
        f"/orders/{order['id']}/payments",
        customer,
        json={"provider": "sandbox", "method": "wechat"},
    )
    assert r.status_code == 201, r.text
    payment_id = r.json()["payment_id"]
    body, headers = _signed_webhook(backend.db_url, payment_id)
    headers = {**headers, "Content-Type": "application/json"}

    first: list[int] = []

    def deliver(_: int) -> httpx.Response:
        reply = api.post("/payments/webhooks/sandbox", content=body, headers=headers)
        first.append(reply.status_code)
        # A lost race may answer 409 "retry"; a provider retries until acknowledged.
        for _attempt in range(20):
            if reply.status_code != 409:
                break
            time.sleep(0.05)
            reply = api.post("/payments/webhooks/sandbox", content=body, headers=headers)
        return reply

    replies = _all_at_once(DELIVERIES, deliver)

    assert set(first) <= {200, 409}, Counter(first)  # never a 5xx
    assert all(r.status_code == 200 for r in replies), Counter(
        (r.status_code, r.text[:100]) for r in replies
    )
    outcomes = Counter(r.json()["outcome"] for r in replies)
    assert outcomes["order_paid"] == 1, outcomes
    assert outcomes["order_paid"] + outcomes["duplicate"] == DELIVERIES, outcomes

    paid = api.get(f"/orders/{order['id']}", customer).json()
    assert paid["status"] == "PENDING_DISPATCH"
    events = api.get(f"/orders/{order['id']}/events", customer).json()
    assert [e["type"] for e in events].count("order.paid") == 1, [e["type"] for e in events]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    escrow = api.get(f"/orders/{order['id']}/escrow", customer).json()
    assert escrow["paid"] == order["total"] and escrow["held"] == order["total"]
    engine = engine_for(backend.db_url)
    with engine.connect() as conn:
        entries = conn.execute(
            text("SELECT kind FROM journal_entry WHERE order_id = :o"), {"o": order["id"]}
        ).all()
        webhooks = conn.execute(
            text("SELECT outcome FROM webhook_event WHERE payment_id = :p"), {"p": payment_id}
        ).all()
    engine.dispose()
    assert [e.kind for e in entries] == ["payment"]
    assert [w.outcome for w in webhooks] == ["order_paid"]
    finance = api.staff(backend.db_url, "finance")
    trial = api.get("/ops/ledger/trial-balance", finance).json()
    assert trial["difference"] == 0 and trial["total_debit"] == trial["total_credit"] > 0, trial
