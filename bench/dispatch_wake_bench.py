"""From payment to offer with no polling loop: PostgreSQL, a web server with two workers
that runs no jobs, and one ``doorstep worker``.

The demo city is seeded; a demo customer books and pays ``--orders`` cleaning visits one
after another (half a second apart, at the demo's compounds). Paying defers the partition's
dispatch round in the payment's own transaction; the worker hears of it at once
(PostgreSQL LISTEN/NOTIFY) and the round makes the offer. The latency is measured on the
server's clock: the order's ``order.paid`` event to its first offer. Printed as p50 / p95 /
max and as ratios to the 1 s target. Writes bench/out/dispatch_wake.json.

    .venv/bin/python bench/dispatch_wake_bench.py [--orders 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import ROOT, Server, log, postgres_setup, summary  # noqa: E402

TARGET_S = 1.0
OUT = Path(__file__).resolve().parent / "out" / "dispatch_wake.json"
ADDRESS = {"lat": 39.9334, "lng": 116.4540, "text": "三里屯路19号院3号楼", "district": "三里屯"}


def _visit_start(days_ahead: int) -> str:
    beijing = ZoneInfo("Asia/Shanghai")
    day = (datetime.now(UTC) + timedelta(days=days_ahead)).astimezone(beijing).date()
    return datetime.combine(day, clock_time(10), tzinfo=beijing).astimezone(UTC).isoformat()


def _book_and_pay(client: httpx.Client, headers: dict[str, str], days_ahead: int) -> str:
    q = client.post(
        "/quotes",
        headers=headers,
        json={
            "service_id": "svc_daily_cleaning",
            "address": ADDRESS,
            "scheduled_start": _visit_start(days_ahead),
        },
    )
    q.raise_for_status()
    o = client.post(
        "/orders",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"quote_id": q.json()["quote_id"]},
    )
    o.raise_for_status()
    order_id = o.json()["id"]
    p = client.post(
        f"/orders/{order_id}/payments",
        headers=headers,
        json={"provider": "sandbox", "method": "wechat"},
    )
    p.raise_for_status()
    client.post(f"/sandbox/payments/{p.json()['payment_id']}/approve", headers=headers)
    return order_id


def _latencies(db_url: str, order_ids: list[str], wait_s: float = 30.0) -> list[float]:
    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + wait_s
    query = (
        "SELECT e.order_id, EXTRACT(EPOCH FROM (min(f.created_at) - min(e.received_at)))"
        " FROM order_event e JOIN dispatch_offer f ON f.order_id = e.order_id"
        " WHERE e.type = 'order.paid' AND e.order_id = ANY(%s) GROUP BY e.order_id"
    )
    while True:
        with psycopg.connect(plain, autocommit=True) as conn:
            rows = conn.execute(query, (order_ids,)).fetchall()
        if len(rows) == len(order_ids) or time.monotonic() > deadline:
            return [float(seconds) for _, seconds in rows]
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "DOORSTEP_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("DOORSTEP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-wake-"))
    setup = postgres_setup(tmp, args.pg_url, args.redis_url)
    doorstep = Path(sys.executable).parent / "doorstep"
    try:
        log("seeding the demo city")
        subprocess.run(
            [str(doorstep), "seed-demo"],
            env=setup.env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        worker = subprocess.Popen(
            [str(doorstep), "worker", "--concurrency", "2"], env=setup.env, cwd=ROOT
        )
        try:
            with Server(setup) as server, httpx.Client(base_url=server.url + "/api/v1") as client:
                login = client.post(
                    "/auth/login", json={"phone": "13900000001", "password": "demo1234"}
                )
                login.raise_for_status()
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
                ids = []
                for n in range(args.orders):
                    ids.append(_book_and_pay(client, headers, days_ahead=2 + n % 10))
                    time.sleep(0.5)
                latencies = _latencies(setup.db_url, ids)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        for fn in setup.cleanup:
            fn()
    figures = summary(latencies)
    report = {
        "bench": "dispatch_wake",
        "orders": args.orders,
        "offered": len(latencies),
        "paid_to_offer": figures,
        "target_s": TARGET_S,
        "p50_ratio_to_target": round((figures["p50_ms"] or 0) / 1000 / TARGET_S, 3),
        "p95_ratio_to_target": round((figures["p95_ms"] or 0) / 1000 / TARGET_S, 3),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"paid -> offered, {len(latencies)}/{args.orders} orders: p50 {figures['p50_ms']} ms, "
        f"p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms "
        f"({report['p95_ratio_to_target']} x the 1 s target at p95)"
    )


if __name__ == "__main__":
    main()
