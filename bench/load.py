"""Booking load: customers quoting and booking at once, against a ceiling run beside it.

Set-ups (each a fresh database seeded with the demo district, servers started here as
uvicorn subprocesses, loopback only): ``sqlite-1w`` (SQLite, one worker, in-process
broker: the default deployment) and ``postgresql-2w`` (PostgreSQL, two workers, Redis;
skipped with a note when unreachable).

For each set-up, with one HTTP client (one connection) per simulated user:

1. **Closed loop, alternated with the ceiling**: ``--users`` customers each loop
   ``POST /quotes`` -> ``POST /orders`` with no think time, for ``--seconds``; then the
   same users loop ``POST /insert`` on ``bench/ceiling_app.py`` (one INSERT + commit,
   same database, engine and uvicorn settings); ``--rounds`` times. The figure is
   bookings/s as a share of ceiling inserts/s, per round.
2. **Open loop** at half the closed loop's booking rate for ``--open-seconds`` (arrivals
   on a fixed schedule, a new client whenever every client is busy, latency counted
   from the scheduled arrival), with ``--readers`` readers beside it (customers listing
   and opening their orders, operators and support opening orders and the order
   monitor): p99 of ``POST /quotes`` and ``POST /orders``, and the slowest read.
3. **Burst**: ``--burst`` requests at once, a mix of catalog and order reads, quotes
   and one-step bookings: status codes and the slowest.

Writes ``bench/out/load.json`` and prints the figures.

    .venv/bin/python bench/load.py --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx  # setup only: signing the customers up

from server.auth.consent import POLICY_VERSION

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rawhttp import RawClient, Reply  # noqa: E402
from servers import (  # noqa: E402
    ROOT,
    Server,
    Setup,
    User,
    log,
    run_setups,
    staff_user,
    summary,
)

OUT = ROOT / "bench" / "out" / "load.json"
# Addresses in the demo district (assets/demo_city.yaml), where its technicians work.
ADDRESSES = [
    {
        "lat": 39.9312,
        "lng": 116.4566,
        "text": "朝阳区工体北路8号院三里屯SOHO 5号楼1902",
        "district": "三里屯",
    },
    {
        "lat": 39.9302,
        "lng": 116.4661,
        "text": "朝阳区团结湖北里11号楼2单元502",
        "district": "团结湖",
    },
    {
        "lat": 39.9134,
        "lng": 116.4558,
        "text": "朝阳区光华路光华里7号楼1单元802",
        "district": "国贸",
    },
]
SERVICES = ["svc_daily_cleaning", "svc_deep_cleaning", "svc_window_cleaning"]


@dataclass
class Tally:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    bookings: list[float] = field(default_factory=list)  # quote sent -> order booked

    def error(self, name: str, r: Reply | None, exc: BaseException | None = None) -> None:
        if r is None:
            self.errors[f"{name}: {type(exc).__name__}"] += 1
            return
        code = ""
        if "json" in r.headers.get("content-type", ""):
            code = r.json().get("error", {}).get("code", "")
        self.errors[f"{name}: {r.status_code} {code}".strip()] += 1


def _client(base: str) -> RawClient:
    """One simulated user's own client: one keep-alive connection, as one phone has."""
    return RawClient.for_url(base)


TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


async def _timed(
    tally: Tally,
    name: str,
    client: RawClient,
    method: str,
    path: str,
    expect: int,
    json: Any = None,  # noqa: ANN401
    headers: dict[str, str] | None = None,
) -> Reply | None:
    started = time.perf_counter()
    try:
        r = await client.request(method, path, json_body=json, headers=headers)
    except TRANSPORT_ERRORS as exc:
        tally.error(name, None, exc)
        return None
    tally.latency[name].append(time.perf_counter() - started)
    if r.status_code != expect:
        tally.error(name, r)
        return None
    return r


def _quote_body(rng: random.Random) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 8))
    start = start.replace(minute=0, second=0, microsecond=0)
    return {
        "service_id": rng.choice(SERVICES),
        "address": rng.choice(ADDRESSES),
        "scheduled_start": start.isoformat(),
    }


async def book(
    client: RawClient,
    user: User,
    tally: Tally,
    rng: random.Random,
    since: float | None = None,
) -> bool:
    """quote -> order, as the customer app does it (each POST with its own key)."""
    began = since if since is not None else time.perf_counter()
    headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
    quote = await _timed(
        tally,
        "POST /quotes",
        client,
        "POST",
        "/api/v1/quotes",
        201,
        json=_quote_body(rng),
        headers=headers,
    )
    if quote is None:
        return False
    headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
    order = await _timed(
        tally,
        "POST /orders",
        client,
        "POST",
        "/api/v1/orders",
        201,
        json={"quote_id": quote.json()["quote_id"]},
        headers=headers,
    )
    if order is None:
        return False
    tally.bookings.append(time.perf_counter() - began)
    return True


async def closed_booking(clients: list[tuple[RawClient, User]], seconds: float) -> dict:
    tally, stop_at = Tally(), time.monotonic() + seconds

    async def loop(client: RawClient, user: User, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            await book(client, user, tally, rng)

    began = time.monotonic()
    await asyncio.gather(*(loop(c, u, i) for i, (c, u) in enumerate(clients)))
    elapsed = time.monotonic() - began
    return _report(tally, elapsed, per_s=len(tally.bookings) / elapsed)


async def closed_ceiling(clients: list[RawClient], seconds: float) -> dict:
    tally, stop_at = Tally(), time.monotonic() + seconds

    async def loop(client: RawClient, n: int) -> None:
        while time.monotonic() < stop_at:
            await _timed(
                tally, "POST /insert", client, "POST", "/insert", 201, json={"customer": f"c{n}"}
            )

    began = time.monotonic()
    await asyncio.gather(*(loop(c, i) for i, c in enumerate(clients)))
    elapsed = time.monotonic() - began
    done = len(tally.latency["POST /insert"]) - sum(tally.errors.values())
    return _report(tally, elapsed, per_s=done / elapsed)


async def open_booking(
    base: str, customers: list[User], rate: float, seconds: float, readers: list[tuple[User, str]]
) -> dict:
    """Arrivals every 1/rate s whatever the server does; readers read all along."""
    tally, reads = Tally(), Tally()
    idle: list[RawClient] = [_client(base) for _ in customers]
    made = len(idle)
    stop_at = time.monotonic() + seconds
    rng = random.Random(11)

    async def arrival(n: int, scheduled: float) -> None:
        nonlocal made
        if idle:
            client = idle.pop()
        else:
            client, made = _client(base), made + 1
        try:
            await book(client, customers[n % len(customers)], tally, rng, since=scheduled)
        finally:
            idle.append(client)

    async def reader(user: User, kind: str) -> None:
        client = _client(base)
        while time.monotonic() < stop_at:
            await read_once(client, user, kind, reads)
        await client.aclose()

    reading = [asyncio.create_task(reader(u, k)) for u, k in readers]
    tasks, n, began = [], 0, time.perf_counter()
    while time.monotonic() < stop_at:
        scheduled = began + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(arrival(n, scheduled)))
        n += 1
    await asyncio.gather(*tasks, *reading)
    elapsed = time.perf_counter() - began
    for client in idle:
        await client.aclose()
    out = _report(tally, elapsed, per_s=len(tally.bookings) / elapsed)
    out.update(
        {
            "arrival_rate_per_s": round(rate, 2),
            "clients": made,
            "readers": {**_report(reads, elapsed, per_s=None), "slowest_ms": _slowest(reads)},
        }
    )
    return out


READS = {  # what a reader lists, then opens the first of
    "customer": ("GET /orders", "/api/v1/orders", "GET /orders/{id}"),
    "staff": ("GET /ops/orders (staff)", "/api/v1/ops/orders", "GET /orders/{id} (staff)"),
}


async def read_once(client: RawClient, user: User, kind: str, tally: Tally) -> None:
    list_name, list_path, open_name = READS[kind]
    r = await _timed(tally, list_name, client, "GET", list_path, 200, headers=user.headers)
    if r is not None and r.json():
        order_id = r.json()[0]["id"]
        await _timed(
            tally, open_name, client, "GET", f"/api/v1/orders/{order_id}", 200, headers=user.headers
        )


async def burst(base: str, customers: list[User], size: int) -> dict:
    """``size`` requests released at once, each on its own connection."""
    tally, statuses = Tally(), Counter()
    rng = random.Random(5)
    clients = [_client(base) for _ in range(size)]
    gate = asyncio.Event()

    async def one(n: int, client: RawClient) -> None:
        user = customers[n % len(customers)]
        kind = n % 4
        await gate.wait()
        started = time.perf_counter()
        try:
            if kind == 0:
                r = await client.request("GET", "/api/v1/catalog/categories")
            elif kind == 1:
                r = await client.request("GET", "/api/v1/orders", headers=user.headers)
            else:
                path = "/api/v1/quotes" if kind == 2 else "/api/v1/orders"
                r = await client.request(
                    "POST", path, json_body=_quote_body(rng), headers=user.headers
                )
        except TRANSPORT_ERRORS as exc:
            statuses[type(exc).__name__] += 1
            return
        tally.latency[("GET", "GET", "POST quote", "POST order")[kind]].append(
            time.perf_counter() - started
        )
        statuses[str(r.status_code)] += 1

    tasks = [asyncio.create_task(one(n, c)) for n, c in enumerate(clients)]
    await asyncio.sleep(0)
    began = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    for client in clients:
        await client.aclose()
    return {
        "requests": size,
        "statuses": dict(statuses),
        "all_done_s": round(elapsed, 2),
        "slowest_ms": _slowest(tally),
        "server_errors": sum(v for k, v in statuses.items() if k.startswith("5")),
    }


def _slowest(tally: Tally) -> float | None:
    values = [v for vs in tally.latency.values() for v in vs]
    return round(max(values) * 1000, 1) if values else None


def _report(tally: Tally, elapsed: float, per_s: float | None) -> dict[str, Any]:
    return {
        "seconds": round(elapsed, 2),
        "per_s": None if per_s is None else round(per_s, 2),
        "booking": summary(tally.bookings),
        "endpoints": {name: summary(values) for name, values in sorted(tally.latency.items())},
        "errors": dict(tally.errors.most_common()),
    }


async def register_customers(base: str, n: int) -> list[User]:
    users = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for i in range(n):
            phone = f"135{random.randrange(10**8):08d}"
            r = await client.post(
                "/api/v1/auth/register",
                json={
                    "phone": phone,
                    "password": "load password",
                    "name": f"压测客户{i}",
                    "role": "customer",
                    "accepted_policy_version": POLICY_VERSION,
                },
            )
            r.raise_for_status()
            data = r.json()
            users.append(User(data["user"]["id"], data["access_token"], phone))
    return users


def seed_demo(setup: Setup) -> None:
    doorstep = Path(sys.executable).parent / "doorstep"
    subprocess.run(
        [str(doorstep), "seed-demo"], env=setup.env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


async def bench_setup(setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    seed_demo(setup)
    with Server(setup) as server, Server(setup, "bench.ceiling_app:app", "ceiling") as ceiling:
        log(f"{setup.name}: servers up; signing up {args.users} customers")
        customers = await register_customers(server.url, args.users)
        staff = [
            await asyncio.to_thread(staff_user, setup.db_url, role)
            for role in ("operator", "support", "operator")
        ]
        booking_clients = [(_client(server.url), u) for u in customers]
        ceiling_clients = [_client(ceiling.url) for _ in customers]
        await closed_booking(booking_clients, 3)  # warm up both
        await closed_ceiling(ceiling_clients, 3)
        rounds = []
        for n in range(args.rounds):
            log(f"{setup.name}: round {n + 1}: ceiling, then booking, {args.seconds} s each")
            top = await closed_ceiling(ceiling_clients, args.seconds)
            load = await closed_booking(booking_clients, args.seconds)
            rounds.append(
                {
                    "ceiling": top,
                    "booking": load,
                    "ratio": round(load["per_s"] / top["per_s"], 3) if top["per_s"] else None,
                }
            )
        for client, _ in booking_clients:
            await client.aclose()
        for client in ceiling_clients:
            await client.aclose()
        max_rate = sum(r["booking"]["per_s"] for r in rounds) / len(rounds)
        readers = [(u, "customer") for u in customers[: args.readers // 2]]
        readers += [(u, "staff") for u in staff[: args.readers - len(readers)]]
        log(
            f"{setup.name}: open loop at {max_rate / 2:.1f} bookings/s for {args.open_seconds} s "
            f"with {len(readers)} readers"
        )
        opened = await open_booking(
            server.url, customers, max(0.5, max_rate / 2), args.open_seconds, readers
        )
        log(f"{setup.name}: burst of {args.burst}")
        burst_result = await burst(server.url, customers, args.burst)
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    return {
        "setup": setup.name,
        "workers": setup.workers,
        "users": args.users,
        "rounds": rounds,
        "ratio_bookings_to_ceiling": round(sum(ratios) / len(ratios), 3) if ratios else None,
        "open_loop": opened,
        "burst": burst_result,
    }


def print_report(results: list[dict[str, Any]]) -> None:
    print()
    for res in results:
        if "skipped" in res:
            print(f"== {res['setup']}: skipped ({res['skipped']})")
            continue
        print(
            f"== {res['setup']} ({res['workers']} worker(s), {res['users']} customers, closed loop)"
        )
        for n, r in enumerate(res["rounds"], 1):
            b, c = r["booking"], r["ceiling"]
            insert_p99 = c["endpoints"]["POST /insert"]["p99_ms"]
            print(
                f"   round {n}: ceiling {c['per_s']} inserts/s (p99 {insert_p99} ms); "
                f"bookings {b['per_s']}/s = {r['ratio']} x ceiling; "
                f"booking p50 {b['booking']['p50_ms']} ms, p99 {b['booking']['p99_ms']} ms; "
                f"errors {b['errors'] or 'none'}"
            )
        o = res["open_loop"]
        eps = o["endpoints"]
        print(
            f"   open loop {o['arrival_rate_per_s']}/s -> {o['per_s']} bookings/s: "
            + ", ".join(f"{k} p99 {v['p99_ms']} ms" for k, v in eps.items())
            + f"; errors {o['errors'] or 'none'}"
        )
        rd = o["readers"]
        print(
            f"   readers: slowest {rd['slowest_ms']} ms; "
            + ", ".join(f"{k} p99 {v['p99_ms']} ms" for k, v in rd["endpoints"].items())
            + f"; errors {rd['errors'] or 'none'}"
        )
        bu = res["burst"]
        print(
            f"   burst of {bu['requests']}: {bu['statuses']}, slowest {bu['slowest_ms']} ms, "
            f"all done in {bu['all_done_s']} s"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per closed-loop phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--open-seconds", type=float, default=60.0)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "DOORSTEP_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("DOORSTEP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    args = parser.parse_args()
    results = asyncio.run(run_setups(args, bench_setup))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "bench": "booking load",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "args": vars(args),
                "results": results,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print_report(results)


if __name__ == "__main__":
    main()
