"""The job queue on PostgreSQL with real processes: a web server that runs no jobs and
``doorstep worker`` processes beside it.

- Two workers run each periodic job once per period, never twice.
- A worker killed with SIGKILL in the middle of a dispatch round loses the round to nobody:
  another worker runs it again once the dead one stops beating, and the order is offered
  once.
- Paying wakes the order's dispatcher through the job deferred in the payment's own
  transaction: the offer follows with no loop polling for waiting orders.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.scale.conftest import (
    Api,
    ServerProcess,
    User,
    WorkerProcess,
    _libpq,
    create_pg_database,
    drop_pg_database,
    needs_pg_and_redis,
    prepare_schema,
    server_env,
)

pytestmark = [pytest.mark.scale, needs_pg_and_redis]


@dataclass
class Site:
    db_url: str
    env: dict[str, str]
    api: Api
    operator: User

    def sql(self, query: str, *args: object) -> list[tuple]:
        with psycopg.connect(_libpq(self.db_url), autocommit=True) as conn:
            return conn.execute(query, args or None).fetchall()


def _until(condition: Callable[[], object], seconds: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    name, db_url = create_pg_database("doorstep_jobs")
    env = server_env(db_url, tmp_path, DOORSTEP_JOBS_IN_WEB="false")
    server = ServerProcess(env)
    try:
        prepare_schema(db_url)
        server.start()
        api = Api(server.url)
        yield Site(db_url, env, api, api.staff(db_url, "operator"))
    finally:
        server.stop()
        drop_pg_database(name)


def test_two_workers_run_each_periodic_job_once_per_period(site: Site) -> None:
    workers = [WorkerProcess(site.env), WorkerProcess(site.env)]
    for worker in workers:
        worker.start()
    try:
        _until(
            lambda: (
                site.sql(
                    "SELECT count(DISTINCT args->>'timestamp') FROM procrastinate_jobs"
                    " WHERE task_name = 'dispatch.deadlines' AND status = 'succeeded'"
                )[0][0]
                >= 8
            ),
            what="eight seconds of deadline sweeps",
        )
        assert site.sql("SELECT count(*) FROM procrastinate_workers")[0][0] == 2
    finally:
        for worker in workers:
            worker.stop()
    twice = site.sql(
        "SELECT task_name, args->>'timestamp', count(*) FROM procrastinate_jobs"
        " WHERE args ? 'timestamp' GROUP BY 1, 2 HAVING count(*) > 1"
    )
    assert twice == []
    periods = site.sql(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'dispatch.deadlines'"
    )[0][0]
    assert periods >= 8
    # the web server ran none of them, and the operators see them
    queue = site.api.get("/ops/jobs?status=succeeded&limit=500", site.operator).json()
    assert queue["runs_in"] == "worker" and queue["durable"] is True
    assert {"dispatch.deadlines", "dispatch.sweep"} <= {j["task"] for j in queue["jobs"]}


def _paid_order(site: Site) -> str:
    customer = site.api.register("customer")
    r = site.api.book(customer)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    r = site.api.pay(customer, order_id)
    assert r.status_code == 200, r.text
    return order_id


def _offers(site: Site, order_id: str) -> int:
    return site.sql("SELECT count(*) FROM dispatch_offer WHERE order_id = %s", order_id)[0][0]


def test_a_worker_killed_mid_round_loses_the_round_to_nobody(site: Site) -> None:
    site.api.onboard_technician(site.operator)
    order_id = _paid_order(site)  # its round waits in the queue: no worker runs yet
    (waiting,) = site.sql(
        "SELECT id FROM procrastinate_jobs WHERE task_name = 'dispatch.round' AND status = 'todo'"
    )
    first = WorkerProcess(site.env)
    with psycopg.connect(_libpq(site.db_url)) as holder:
        # the order's row is held, so the round stops mid-way at the order's move
        holder.execute("SELECT 1 FROM service_order WHERE id = %s FOR UPDATE", (order_id,))
        first.start()
        _until(
            lambda: (
                site.sql(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )[0][0]
                > 0
            ),
            what="the round blocked on the order",
        )
        assert site.sql("SELECT status FROM procrastinate_jobs WHERE id = %s", waiting[0]) == [
            ("doing",)
        ]
        first.kill9()
        holder.rollback()
    assert _offers(site, order_id) == 0  # the killed round's work died with its transaction
    second = WorkerProcess(site.env)
    second.start()
    try:
        _until(lambda: _offers(site, order_id) > 0, what="the round run again")
        _until(
            lambda: (
                site.sql(
                    "SELECT count(*) FROM procrastinate_jobs"
                    " WHERE task_name = 'dispatch.round' AND status IN ('todo', 'doing')"
                )[0][0]
                == 0
            ),
            what="the queue drained",
        )
    finally:
        second.stop()
    assert _offers(site, order_id) == 1
    offered = site.sql(
        "SELECT count(*) FROM order_event WHERE order_id = %s AND type = 'order.offered'",
        order_id,
    )[0][0]
    assert offered == 1
    (killed,) = site.sql("SELECT status FROM procrastinate_jobs WHERE id = %s", waiting[0])
    assert killed[0] in ("succeeded", "failed")  # run again, or superseded by a newer copy


def test_paying_wakes_the_dispatcher_through_the_queue(site: Site) -> None:
    worker = WorkerProcess(site.env)
    worker.start()
    try:
        _until(
            lambda: site.sql("SELECT count(*) FROM procrastinate_workers")[0][0] == 1,
            what="the worker registered",
        )
        site.api.onboard_technician(site.operator)
        order_id = _paid_order(site)
        _until(lambda: _offers(site, order_id) == 1, seconds=30, what="the offer")
    finally:
        worker.stop()
    rounds = site.sql(
        "SELECT args->>'partition', lock, status FROM procrastinate_jobs"
        " WHERE task_name = 'dispatch.round'"
    )
    assert ("39:116", "dispatch:39:116", "succeeded") in rounds
