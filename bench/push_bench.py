"""Push latency of the live feed: commit → client receipt, p50 / p99, with 1 / 100 / 1000
connected clients, on the embedded broker and on Redis; memory per connection.

Each configuration starts one real uvicorn worker (SQLite; ``DOORSTEP_BROKER_URL`` empty
or redis), connects N WebSocket clients of one customer, then creates orders through the
HTTP API. Every ``order.created`` event reaches all N clients; latency is the receipt time
minus the event's ``received_at`` (taken by the server inside the transaction, just
before commit, on the same machine's clock). Memory per connection is the worker's RSS
growth divided by N.

    python bench/push_bench.py [--clients 1,100,1000] [--events 30] [--redis redis://...]

Redis: ``--redis URL`` or ``DOORSTEP_TEST_REDIS_URL``; without one, a ``redis-server`` on
the PATH is started on a free port for the run; with neither, Redis rows are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from server.auth.consent import POLICY_VERSION

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "push_bench.json"
sys.path.insert(0, str(ROOT))

from server.ops.stats import percentile  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Worker:
    def __init__(self, broker_url: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="push_bench_"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DOORSTEP_DATA_DIR": str(self.dir),
            "DOORSTEP_BROKER_URL": broker_url,
            "DOORSTEP_DATABASE_URL": "",
            "DOORSTEP_BACKGROUND_TASKS": "false",
            "DOORSTEP_ENV": "bench",
            "DOORSTEP_PHONE_VERIFICATION": "false",  # the bench measures pushes
            "DOORSTEP_REALTIME_QUEUE_SIZE": "5000",
            "DOORSTEP_REALTIME_CHANNEL": f"doorstep:bench:{self.port}",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("worker did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# The worker: schema from the models (as the tests do) and the catalog, then uvicorn.
_BOOT = """
import sys
import uvicorn
from sqlmodel import SQLModel
import server.models
from server.app import create_app
from server.catalog import service as catalog_service
from server.core.uow import UnitOfWork
app = create_app()
SQLModel.metadata.create_all(app.state.engine)
with UnitOfWork.begin(app.state) as uow:
    catalog_service.load_catalog(uow)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", ws_max_queue=4096)
"""


async def _run_config(broker: str, broker_url: str, clients: int, events: int) -> dict:
    worker = Worker(broker_url)
    try:
        async with httpx.AsyncClient(base_url=worker.url + "/api/v1", timeout=30) as http:
            phone = f"139{int(time.time() * 1000) % 100_000_000:08d}"
            r = await http.post(
                "/auth/register",
                json={
                    "phone": phone,
                    "password": "bench password",
                    "name": "压测",
                    "role": "customer",
                    "accepted_policy_version": POLICY_VERSION,
                },
            )
            r.raise_for_status()
            token = r.json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            rss_before = _rss_kb(worker.proc.pid)
            sockets = []
            for i in range(clients):
                ws = await connect(
                    f"ws://127.0.0.1:{worker.port}/api/v1/ws?token={token}",
                    max_size=None,
                    ping_interval=None,
                    open_timeout=30,
                )
                await ws.recv()  # welcome
                await ws.send(json.dumps({"type": "resume"}))
                sockets.append(ws)
                if i % 100 == 99:
                    await asyncio.sleep(0)
            for ws in sockets:  # wait for each to be live (empty replay)
                while json.loads(await ws.recv())["type"] != "replayed":
                    pass
            await asyncio.sleep(0.5)
            rss_after = _rss_kb(worker.proc.pid)
            latencies: list[float] = []

            async def reader(ws) -> None:  # noqa: ANN001
                seen = 0
                while seen < events:
                    msg = json.loads(await ws.recv())
                    if msg.get("type") == "event":
                        received = datetime.fromisoformat(msg["received_at"])
                        latencies.append((datetime.now(UTC) - received).total_seconds() * 1000)
                        seen += 1
                    elif msg.get("type") == "ping":
                        await ws.send('{"type":"pong"}')

            readers = [asyncio.create_task(reader(ws)) for ws in sockets]
            start = datetime.now(UTC) + timedelta(hours=26)
            for _ in range(events):
                q = await http.post(
                    "/quotes",
                    headers=headers,
                    json={
                        "service_id": "svc_daily_cleaning",
                        "scheduled_start": start.isoformat(),
                        "address": {
                            "lat": 39.9334,
                            "lng": 116.4540,
                            "text": "朝阳区三里屯路19号",
                            "district": "三里屯",
                        },
                    },
                )
                q.raise_for_status()
                o = await http.post(
                    "/orders", headers=headers, json={"quote_id": q.json()["quote_id"]}
                )
                o.raise_for_status()
                await asyncio.sleep(0.05)
            await asyncio.wait_for(asyncio.gather(*readers), timeout=300)
            for ws in sockets:
                await ws.close()
        return {
            "broker": broker,
            "clients": clients,
            "events": events,
            "deliveries": len(latencies),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(max(latencies), 2),
            "rss_per_connection_kb": round((rss_after - rss_before) / clients, 1),
        }
    finally:
        worker.stop()


def _start_redis() -> tuple[str, subprocess.Popen | None]:
    url = os.environ.get("DOORSTEP_TEST_REDIS_URL", "")
    if url:
        return url, None
    exe = shutil.which("redis-server")
    if exe is None:
        return "", None
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return f"redis://127.0.0.1:{port}/0", proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,100,1000")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--redis", default="")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    redis_url, redis_proc = (args.redis, None) if args.redis else _start_redis()
    rows = []
    try:
        for n in counts:
            for broker, url in (("embedded", ""), ("redis", redis_url)):
                if broker == "redis" and not url:
                    continue
                row = asyncio.run(_run_config(broker, url, n, args.events))
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": "commit -> client receipt of order events over /ws, one worker (SQLite)",
                "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
