"""Presence across processes on PostgreSQL + Redis: two web workers and a dispatcher in a
third process (as ``doorstep worker``) share each technician's last sign of life.

A technician's feed open on worker 2 makes him present for worker 1 and for a round run
here; its heartbeat keeps refreshing him; closing it ends his presence everywhere; a
location report through either worker brings him back. Runs when
``DOORSTEP_TEST_DATABASE_URL`` and ``DOORSTEP_TEST_REDIS_URL`` are set (CI sets both).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import redis
from websockets.sync.client import connect

from server.core.presence import REDIS_PREFIX
from tests.scale.conftest import (
    ADDRESS,
    REDIS_URL,
    Api,
    ServerProcess,
    User,
    create_pg_database,
    drop_pg_database,
    engine_for,
    needs_pg_and_redis,
    prepare_schema,
    runtime_for,
    server_env,
)

pytestmark = [pytest.mark.scale, needs_pg_and_redis]


def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _profile(api: Api, operator: User, tech: User) -> dict:
    r = api.get(f"/ops/technicians/{tech.id}", operator)
    assert r.status_code == 200, r.text
    return r.json()["profile"]


def _round(db_url: str) -> dict:
    """A dispatch round in this process, on the workers' Redis (as `doorstep worker`)."""
    from server.core.uow import UnitOfWork
    from server.dispatch import service as dispatch_service

    runtime = runtime_for(engine_for(db_url))
    runtime.settings = runtime.settings.model_copy(update={"broker_url": REDIS_URL})
    with UnitOfWork.begin(runtime) as uow:
        return dispatch_service.run_round(uow, timezone=runtime.settings.timezone).model_dump()


def _paid_order(api: Api, customer: User) -> str:
    r = api.book(customer)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    r = api.pay(customer, order_id)
    assert r.status_code == 200, r.text
    return order_id


def test_presence_is_shared_by_the_workers_and_the_dispatcher(tmp_path: Path) -> None:
    name, db_url = create_pg_database("presence")
    workers: list[ServerProcess] = []
    try:
        prepare_schema(db_url)
        env = server_env(
            db_url,
            tmp_path / "data",
            DOORSTEP_BACKGROUND_TASKS="false",  # the rounds run here, in a third process
            DOORSTEP_REALTIME_HEARTBEAT_SECONDS="1",
        )
        workers = [ServerProcess(env), ServerProcess(env)]
        for worker in workers:
            worker.start()
        w1, w2 = Api(workers[0].url), Api(workers[1].url)
        operator = w1.staff(db_url, "operator")
        tech = w1.onboard_technician(operator)  # going online through worker 1
        seen = _profile(w2, operator, tech)
        assert seen["present"] is True and seen["online"] is True
        keys = redis.Redis.from_url(REDIS_URL)
        assert 0 < keys.ttl(REDIS_PREFIX + tech.id) <= 2 * 90 + 1  # the key expires on its own

        ws_url = workers[1].url.replace("http://", "ws://") + f"/api/v1/ws?token={tech.token}"
        with connect(ws_url) as ws:  # his app's live feed, on worker 2
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            first = datetime.fromisoformat(_profile(w1, operator, tech)["last_seen_at"])

            def answered_a_ping() -> bool:
                if json.loads(ws.recv(timeout=10))["type"] == "ping":
                    ws.send(json.dumps({"type": "pong"}))
                seen = _profile(w1, operator, tech)["last_seen_at"]
                return datetime.fromisoformat(seen) > first

            _until(answered_a_ping)  # the heartbeat refreshes him, as worker 1 sees
        _until(lambda: _profile(w1, operator, tech)["present"] is False)  # the app closed

        customer = w2.register("customer")
        unseen = _paid_order(w2, customer)
        report = _round(db_url)
        assert report["offered"] == 0 and report["no_candidate"] == 1

        r = w1.post(
            "/technician/location", tech, json={"lat": ADDRESS["lat"], "lng": ADDRESS["lng"]}
        )
        assert r.status_code == 200, r.text  # his app is back, reporting through worker 1
        another = _paid_order(w2, customer)  # waiting too, in case the first waits its retry
        assert _round(db_url)["offered"] == 1  # one of the two (the same visit time)
        (offer,) = w2.get("/technician/offers", tech).json()
        assert offer["order_id"] in {unseen, another}
    finally:
        for worker in workers:
            worker.stop()
        drop_pg_database(name)
