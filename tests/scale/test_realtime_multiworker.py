"""Two real uvicorn workers on PostgreSQL + Redis share one live feed.

Runs when ``DOORSTEP_TEST_DATABASE_URL`` and ``DOORSTEP_TEST_REDIS_URL`` are set (CI sets
both); skipped otherwise.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import SQLModel

from client import DoorstepClient, LiveFeed
from client.models import OrderRead
from server.auth.consent import version_for
from tests.unit_of_work import unit_of_work

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.scale,
    pytest.mark.xdist_group("realtime_scale"),  # one pair of workers for the module
    pytest.mark.skipif(
        not (PG_URL and REDIS_URL),
        reason="needs DOORSTEP_TEST_DATABASE_URL and DOORSTEP_TEST_REDIS_URL (CI sets both)",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test-secret-0123456789abcdef0123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_database() -> tuple[str, str]:
    import psycopg

    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    prefix, _, _ = base.rpartition("/")
    name = f"doorstep_rt_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{prefix}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def _drop_database(name: str) -> None:
    import psycopg

    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    def __init__(self, db_url: str, urls: list[str], channel: str) -> None:
        self.db_url = db_url
        self.urls = urls
        self.channel = channel
        from server.core.db import make_engine

        self.engine = make_engine(db_url)

    def runtime(self):  # noqa: ANN201
        """What the workers run with (their secret, the real time), for this process."""
        from server.core.settings import Settings
        from server.core.uow import Parts

        return Parts.on(
            self.engine, Settings(env="test", secret_key=SECRET, background_tasks=False)
        )

    def move(self, order_id: str, action, actor=None, **kw) -> None:  # noqa: ANN001, ANN003
        """A move made by another process (dispatch, a script): reaches the workers via Redis."""
        import server.realtime.service  # noqa: F401  (registers the after-commit publisher)
        from server.core.uow import UnitOfWork
        from server.orders import service as orders_service
        from server.orders.machine import Actor, ActorKind

        with UnitOfWork.begin(self.runtime()) as uow:
            orders_service.move(
                uow, order_id=order_id, action=action, actor=actor or Actor(ActorKind.SYSTEM), **kw
            )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:  # noqa: ANN001
    import server.models  # noqa: F401
    from server.catalog import service as catalog_service
    from server.core.db import make_engine

    name, db_url = _fresh_database()
    engine = make_engine(db_url)
    SQLModel.metadata.create_all(engine)  # tests use the models' schema, as tests/conftest.py does
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    engine.dispose()
    channel = f"doorstep:test:{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path_factory.mktemp("workers")
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": db_url,
        "DOORSTEP_BROKER_URL": REDIS_URL,
        "DOORSTEP_BACKGROUND_TASKS": "false",
        "DOORSTEP_SECRET_KEY": SECRET,
        "DOORSTEP_ENV": "test",
        "DOORSTEP_DATA_DIR": str(data_dir),
        "DOORSTEP_REALTIME_CHANNEL": channel,
        "DOORSTEP_REALTIME_HEARTBEAT_SECONDS": "5",
        "DOORSTEP_PHONE_CODES_PER_IP_PER_HOUR": "100000",
    }
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "server.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, proc in zip(urls, procs, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, "a worker exited during startup"
                try:
                    if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "worker did not become ready"
                time.sleep(0.2)
        old = {k: os.environ.get(k) for k in ("DOORSTEP_BROKER_URL", "DOORSTEP_REALTIME_CHANNEL")}
        os.environ["DOORSTEP_BROKER_URL"], os.environ["DOORSTEP_REALTIME_CHANNEL"] = (
            REDIS_URL,
            channel,
        )
        yield Cluster(db_url, urls, channel)
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop_database(name)


_phone = [13700000000 + (uuid.uuid4().int % 10_000) * 1000]


async def _user(url: str, role: str) -> DoorstepClient:
    _phone[0] += 1
    api = DoorstepClient(url)
    sent = await api.request_phone_code(str(_phone[0]))
    await api.register(
        phone=str(_phone[0]),
        password="correct horse",
        name=f"{role} 测试",
        role=role,
        code=sent.sandbox_code,
        accepted_policy_version=version_for(role),
    )
    return api


async def _order(api: DoorstepClient) -> OrderRead:
    from datetime import UTC, datetime

    start = datetime.now(UTC) + timedelta(hours=26)
    quote = await api.quote(
        service_id="svc_daily_cleaning",
        scheduled_start=start,
        address={
            "lat": 39.9334,
            "lng": 116.4540,
            "text": "朝阳区三里屯路19号",
            "district": "三里屯",
        },
    )
    return await api.create_order(quote_id=quote.quote_id)


async def _until(predicate, timeout: float = 30.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def _until_or_show(got, total, predicate):  # noqa: ANN001, ANN201
    try:
        await _until(predicate, 15)
    except TimeoutError:
        print(
            {
                k: [(e["order_id"][-4:], e["seq"], e["event_type"]) for e in _events(v)]
                for k, v in got.items()
            },
            total,
        )
        raise


def _events(got: list[dict], order_id: str | None = None) -> list[dict]:
    return [
        m for m in got if m["type"] == "event" and (order_id is None or m["order_id"] == order_id)
    ]


async def test_a_client_on_worker_1_sees_a_move_made_through_worker_2(cluster: Cluster) -> None:
    w1, w2 = cluster.urls
    customer = await _user(w2, "customer")
    on_w1 = DoorstepClient(w1, session=customer.session)
    got: list[dict] = []
    feed = LiveFeed(on_w1, on_message=got.append, min_backoff=0.05)
    runner = asyncio.create_task(feed.run())
    await asyncio.wait_for(feed.connected.wait(), 20)
    await _until(lambda: any(m["type"] == "replayed" for m in got))
    order = await _order(customer)  # through worker 2
    await customer.cancel(order.id, reason="计划有变")  # a transition through worker 2
    await _until(lambda: len(_events(got, order.id)) == 2)
    assert [e["event_type"] for e in _events(got, order.id)] == [
        "order.created",
        "order.cancelled",
    ]
    await feed.stop()
    await runner
    for api in (customer, on_w1):
        await api.aclose()


async def test_dropping_the_connection_mid_flow_loses_and_reorders_nothing(
    cluster: Cluster,
) -> None:
    from server.orders.machine import Action, Actor, ActorKind

    w1, w2 = cluster.urls
    customer = await _user(w2, "customer")
    tech = await _user(w2, "technician")
    tech_actor = Actor(ActorKind.TECHNICIAN, tech.session.user_id)
    feed_api = DoorstepClient(w1, session=customer.session)
    got: list[dict] = []
    feed = LiveFeed(feed_api, on_message=got.append, min_backoff=0.05, max_backoff=0.2)
    runner = asyncio.create_task(feed.run())
    await asyncio.wait_for(feed.connected.wait(), 20)
    orders = [await _order(customer) for _ in range(3)]
    plan = [
        (Action.PAYMENT_SUCCEEDED, {}),
        (Action.OFFER, {"technician_id": tech.session.user_id}),
        (Action.DECLINE, {"actor": tech_actor}),
        (Action.OFFER, {"technician_id": tech.session.user_id}),
        (Action.ACCEPT, {"actor": tech_actor}),
        (Action.DEPART, {"actor": tech_actor}),
    ]
    dropped_at = 0  # connections made when the feed was last dropped
    for step, (action, kw) in enumerate(plan):
        args = {k: v for k, v in kw.items() if k != "actor"}
        for order in orders:
            await asyncio.to_thread(cluster.move, order.id, action, kw.get("actor"), **args)
        if step % 2 == 0:
            # each drop loses a live connection: the one the feed made after the last drop
            connects = dropped_at
            await _until(lambda connects=connects: feed.connects > connects)
            dropped_at = feed.connects
            await feed.drop()  # the network goes away mid-flow; the feed reconnects and resumes
    for order in orders[:2]:
        await customer.cancel(
            order.id, reason="不需要了"
        )  # through worker 2, maybe while reconnecting
    expected = {o.id: len(await customer.order_events(o.id)) for o in orders}
    await _until_or_show(
        {"c": got},
        expected,
        lambda: all(len(_events(got, oid)) >= n for oid, n in expected.items()),
    )
    await feed.stop()
    await runner
    assert feed.connects >= 3
    for order in orders:
        seqs = [e["seq"] for e in _events(got, order.id)]
        assert seqs == list(range(1, expected[order.id] + 1))  # all of them, once, in order
    for api in (customer, tech, feed_api):
        await api.aclose()


async def test_nobody_sees_what_is_not_theirs(cluster: Cluster) -> None:
    from server.orders.machine import Action, Actor, ActorKind

    w1, w2 = cluster.urls
    alice, bob = await _user(w1, "customer"), await _user(w2, "customer")
    t1, t2 = await _user(w1, "technician"), await _user(w2, "technician")
    feeds, got = {}, {}
    for name, api in (("alice", alice), ("bob", bob), ("t1", t1), ("t2", t2)):
        got[name] = []
        other_worker = DoorstepClient(w2 if api.base_url == w1 else w1, session=api.session)
        feeds[name] = LiveFeed(other_worker, on_message=got[name].append, min_backoff=0.05)
    runners = [asyncio.create_task(f.run()) for f in feeds.values()]
    for f in feeds.values():
        await asyncio.wait_for(f.connected.wait(), 20)
    await _until(lambda: all(any(m["type"] == "replayed" for m in g) for g in got.values()))
    a_order, b_order = await _order(alice), await _order(bob)
    for order in (a_order, b_order):
        await asyncio.to_thread(cluster.move, order.id, Action.PAYMENT_SUCCEEDED)
    await asyncio.to_thread(
        cluster.move, a_order.id, Action.OFFER, technician_id=t1.session.user_id
    )
    await asyncio.to_thread(
        cluster.move, a_order.id, Action.ACCEPT, Actor(ActorKind.TECHNICIAN, t1.session.user_id)
    )
    await asyncio.to_thread(
        cluster.move,
        a_order.id,
        Action.TRANSFER,
        Actor(ActorKind.TECHNICIAN, t1.session.user_id),
        reason="临时有事",
    )
    await asyncio.to_thread(
        cluster.move, a_order.id, Action.OFFER, technician_id=t2.session.user_id
    )
    await asyncio.to_thread(
        cluster.move, a_order.id, Action.ACCEPT, Actor(ActorKind.TECHNICIAN, t2.session.user_id)
    )
    await bob.cancel(b_order.id, reason="不要了")
    a_total = len(await alice.order_events(a_order.id))
    await _until_or_show(
        got,
        a_total,
        lambda: (
            len(_events(got["alice"], a_order.id)) == a_total
            and len(_events(got["bob"], b_order.id)) == 3
            and len(_events(got["t1"], a_order.id)) == 3
            and len(_events(got["t2"], a_order.id)) == 2
        ),
    )
    # barrier on both workers: anything stray was published before these and would be here
    a_last, b_last = await _order(alice), await _order(bob)
    await _until(lambda: _events(got["alice"], a_last.id) and _events(got["bob"], b_last.id))
    alice_orders, bob_orders = {a_order.id, a_last.id}, {b_order.id, b_last.id}
    assert {e["order_id"] for e in _events(got["alice"])} == alice_orders
    assert {e["order_id"] for e in _events(got["bob"])} == bob_orders
    assert [e["event_type"] for e in _events(got["t1"])] == [
        "order.offered",
        "order.accepted",
        "order.transferred",
    ]
    assert [e["event_type"] for e in _events(got["t2"])] == ["order.offered", "order.accepted"]
    for f in feeds.values():
        await f.stop()
    await asyncio.gather(*runners)
    for api in (alice, bob, t1, t2):
        await api.aclose()
