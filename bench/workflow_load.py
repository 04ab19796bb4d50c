"""Load: simulated customers and technicians walk whole orders through the HTTP API
and the live feed of a real server, side by side on two set-ups.

Set-ups (each a fresh database, a uvicorn started here as a subprocess, loopback only):
- ``sqlite-1w``: SQLite, one worker, in-process broker (the default deployment);
- ``postgresql-2w``: PostgreSQL, two uvicorn workers, Redis as the event broker
  (``--pg-url``, ``--redis-url``; skipped with a note when unreachable).

For each: first the ceiling, ``GET /healthz`` from as many concurrent tasks as the run
has virtual users; then, for ``--seconds``, the workflow:

- customers: quote -> order -> sandbox payment -> approve (the signed webhook follows),
  at most ``--open-per-customer`` orders open at a time, each customer with a live feed
  socket on ``/api/v1/ws``;
- technicians: take work the way the server offers it (pool claim or offer acceptance,
  whichever routes exist; without either, an order is put on them through the orders
  service, as dispatch would, and the report says so), depart, arrive with coordinates
  at the address, the customer confirms the work order, start, every SOP step (a photo
  uploaded for the steps that need one), finish; the customer confirms.

Reported: orders completed per second, HTTP requests per second, p50/p95/p99 latency
per endpoint, push latency (a move's HTTP response -> the event's arrival on the
customer's socket), errors. Writes ``bench/out/workflow_load.json`` and prints a table.

    .venv/bin/python bench/workflow_load.py --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

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
from workflow_actors import (  # noqa: E402
    ADDRESS,
    AT_DOOR,
    PNG,
    Feed,
    Http,
    Job,
    Stats,
    assign_directly,
    dispose_engines,
    make_users,
)

from server import bootstrap  # noqa: E402

OUT = ROOT / "bench" / "out" / "workflow_load.json"


# --- the virtual users ----------------------------------------------------------------------


async def run_workflow(
    http: Http,
    server_url: str,
    db_url: str,
    customers: list[User],
    techs: list[User],
    seconds: float,
    open_per_customer: int,
    stats: Stats,
    use_ws: bool,
    take_work: str = "auto",
) -> dict[str, Any]:
    routes = (await http.client.get(server_url + "/openapi.json")).json()["paths"]
    mode = (
        take_work
        if take_work != "auto"
        else (
            "claim"
            if "post" in routes.get("/api/v1/orders/{order_id}/claim", {})
            else "offers"
            if "get" in routes.get("/api/v1/technician/offers", {})
            else "assign-direct"
        )
    )
    jobs: asyncio.Queue[Job] = asyncio.Queue()
    pending: dict[str, Job] = {}  # paid orders waiting for a technician (claim/offers modes)
    stop_at = time.monotonic() + seconds
    feeds: dict[str, Feed] = {}
    if use_ws:
        for c in customers:
            feeds[c.id] = Feed(server_url, c)
            feeds[c.id].task = asyncio.create_task(feeds[c.id].run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(f.ready.wait() for f in feeds.values())), 30)

    async def customer_loop(c: User) -> None:
        open_orders: set[str] = set()
        while time.monotonic() < stop_at:
            if len(open_orders) >= open_per_customer:
                await asyncio.sleep(0.05)
                open_orders &= unfinished
                continue
            start = datetime.now(UTC) + timedelta(hours=26, minutes=random.randrange(600))
            q = await http.call(
                "POST",
                "/quotes",
                c,
                json={
                    "service_id": "svc_daily_cleaning",
                    "address": ADDRESS,
                    "scheduled_start": start.isoformat(),
                },
            )
            if q is None or q.status_code != 201:
                await asyncio.sleep(0.1)
                continue
            o = await http.call("POST", "/orders", c, json={"quote_id": q.json()["quote_id"]})
            if o is None or o.status_code != 201:
                continue
            order = o.json()
            p = await http.call(
                "POST",
                f"/orders/{order['id']}/payments",
                c,
                json={"provider": "sandbox", "method": "wechat", "amount": order["total"]},
            )
            if p is None or p.status_code != 201:
                continue
            a = await http.call("POST", f"/sandbox/payments/{p.json()['payment_id']}/approve", c)
            if a is None or a.status_code != 200 or a.json()["payment"]["status"] != "succeeded":
                continue
            stats.paid += 1
            unfinished.add(order["id"])
            job = Job(order["id"], c, feeds.get(c.id), order.get("sop") or [])
            open_orders.add(order["id"])
            if mode == "assign-direct":
                await jobs.put(job)
            else:
                pending[order["id"]] = job

    unfinished: set[str] = set()  # paid, not yet completed or given up

    async def timed_move(
        tech: User,
        job: Job,
        path: str,
        body: dict | None = None,
        as_customer: bool = False,
        push: bool = True,
    ) -> httpx.Response | None:
        sent = time.perf_counter()
        r = await http.call(
            "POST",
            f"/orders/{job.order_id}/{path}",
            job.customer if as_customer else tech,
            json=body or {},
        )
        if r is None or r.status_code != 200:
            return None
        answered = time.perf_counter()
        if push and job.feed is not None:
            arrived = await job.feed.arrival((job.order_id, int(r.json()["last_seq"])))
            if arrived is None:
                stats.push_missing += 1
            else:
                stats.push_from_send.append(arrived - sent)
                stats.push_early += arrived < answered
                stats.push.append(max(0.0, arrived - answered))
        return r

    async def work(tech: User, job: Job) -> None:
        try:
            if await timed_move(tech, job, "depart") is None:
                return
            if (
                await timed_move(tech, job, "arrive", {"lat": AT_DOOR[0], "lng": AT_DOOR[1]})
                is None
            ):
                return
            if (
                await timed_move(tech, job, "work-order/confirm", {}, as_customer=True, push=False)
                is None
            ):
                return
            started = await timed_move(tech, job, "start")
            if started is None:
                return
            for step in started.json().get("sop", []):
                body: dict[str, Any] = {}
                if step.get("photo"):
                    up = await http.call(
                        "POST",
                        "/files",
                        tech,
                        files={"file": ("step.png", PNG, "image/png")},
                        data={"kind": "photo", "order_id": job.order_id},
                    )
                    if up is None or up.status_code != 201:
                        return
                    body["photo_file_id"] = up.json()["id"]
                if await timed_move(tech, job, f"sop/{step['no']}/done", body, push=False) is None:
                    return
            if await timed_move(tech, job, "finish") is None:
                return
            done = await timed_move(tech, job, "confirm", as_customer=True)
            if done is not None and done.json()["status"] == "COMPLETED":
                stats.completed += 1
        finally:
            unfinished.discard(job.order_id)

    async def technician_loop(tech: User) -> None:
        while time.monotonic() < stop_at:
            job: Job | None = None
            if mode == "assign-direct":
                try:
                    job = await asyncio.wait_for(
                        jobs.get(), timeout=max(0.01, stop_at - time.monotonic())
                    )
                except TimeoutError:
                    return
                if not await asyncio.to_thread(assign_directly, db_url, job.order_id, tech.id):
                    stats.errors["assign (direct): refused"] += 1
                    unfinished.discard(job.order_id)
                    continue
            elif mode == "claim":
                r = await http.call("GET", "/technician/pool", tech)
                items = r.json() if r is not None and r.status_code == 200 else []
                ids = [i.get("order_id") or i.get("id") for i in items]
                ids = [i for i in ids if i in pending]
                if not ids:
                    await asyncio.sleep(0.05)
                    continue
                order_id = random.choice(ids)
                r = await http.call(
                    "POST", f"/orders/{order_id}/claim", tech, json={}, expect=(200, 201, 409)
                )
                if r is None or r.status_code not in (200, 201):
                    continue
                job = pending.pop(order_id, None)
            else:
                r = await http.call("GET", "/technician/offers", tech)
                offers = r.json() if r is not None and r.status_code == 200 else []
                offers = [o for o in offers if (o.get("order_id") or o.get("id")) in pending]
                if not offers:
                    await asyncio.sleep(0.05)
                    continue
                offer = offers[0]
                r = await http.call(
                    "POST",
                    f"/technician/offers/{offer['id']}/accept",
                    tech,
                    json={},
                    expect=(200, 201, 409),
                )
                if r is None or r.status_code not in (200, 201):
                    continue
                job = pending.pop(offer.get("order_id") or offer["id"], None)
            if job is not None:
                await work(tech, job)

    began = time.monotonic()
    await asyncio.gather(
        *(customer_loop(c) for c in customers), *(technician_loop(t) for t in techs)
    )
    elapsed = time.monotonic() - began
    for f in feeds.values():
        if f.task is not None:
            f.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await f.task
    return {"mode": mode, "elapsed_s": round(elapsed, 2), "ws": bool(feeds)}


async def ceiling(http: Http, seconds: float, concurrency: int) -> dict[str, Any]:
    """The trivial endpoint on the same server, as hard as the run's users can push it."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            t = time.perf_counter()
            try:
                r = await http.client.get(http.url + "/healthz")
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - t)
            else:
                errors += 1

    began = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    elapsed = time.monotonic() - began
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": errors,
        **summary(latencies),
    }


async def bench_setup(setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    with Server(setup) as server:
        stats = Stats()
        users = args.customers + args.technicians
        http = Http(server.url, stats, connections=users + 8)
        http.recording = False
        log(f"{setup.name}: server up at {server.url}; signing up users")
        customers, techs = await make_users(http, setup.db_url, args.customers, args.technicians)
        log(f"{setup.name}: ceiling (GET /healthz) for {args.ceiling_seconds} s")
        top = await ceiling(http, args.ceiling_seconds, users)
        http.recording = True
        log(f"{setup.name}: workflow for {args.seconds} s")
        run = await run_workflow(
            http,
            server.url,
            setup.db_url,
            customers,
            techs,
            args.seconds,
            args.open_per_customer,
            stats,
            use_ws=not args.no_ws,
            take_work=args.take_work,
        )
        log(f"{setup.name}: workflow done ({stats.completed} completed); checking the ledger")
        finance = await asyncio.to_thread(staff_user, setup.db_url, "finance")
        http.recording = False
        trial = (await http.call("GET", "/ops/ledger/trial-balance", finance)).json()
        await http.client.aclose()
    dispose_engines()
    elapsed = run["elapsed_s"]
    endpoints = {name: summary(values) for name, values in sorted(stats.latency.items())}
    workflow_rps = stats.requests / elapsed
    result = {
        "setup": setup.name,
        "workers": setup.workers,
        "customers": args.customers,
        "technicians": args.technicians,
        "take_work_by": run["mode"],
        "seconds": elapsed,
        "ceiling_healthz": top,
        "orders_completed": stats.completed,
        "orders_paid": stats.paid,
        "orders_completed_per_s": round(stats.completed / elapsed, 2),
        "orders_paid_per_s": round(stats.paid / elapsed, 2),
        "http_requests": stats.requests,
        "http_requests_per_s": round(workflow_rps, 1),
        "ratio_requests_to_ceiling": round(workflow_rps / top["requests_per_s"], 3)
        if top["requests_per_s"]
        else None,
        "endpoints": endpoints,
        "push_latency": {
            **summary(stats.push),
            "before_http_reply": stats.push_early,
            "missing_after_5s": stats.push_missing,
            "from_request_sent": summary(stats.push_from_send),
        }
        if run["ws"]
        else None,
        "errors": dict(stats.errors.most_common()),
        "trial_balance_difference": trial["difference"],
    }
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    print()
    for res in results:
        if "skipped" in res:
            print(f"== {res['setup']}: skipped ({res['skipped']})")
            continue
        top, push = res["ceiling_healthz"], res["push_latency"]
        lines = [
            f"== {res['setup']} ({res['workers']} worker(s), {res['customers']} customers, "
            f"{res['technicians']} technicians, work taken by {res['take_work_by']}, "
            f"{res['seconds']} s)",
            f"   ceiling GET /healthz: {top['requests_per_s']} req/s, "
            f"p50 {top['p50_ms']} ms, p99 {top['p99_ms']} ms",
            f"   orders completed: {res['orders_completed']} ({res['orders_completed_per_s']}/s); "
            f"paid {res['orders_paid']} ({res['orders_paid_per_s']}/s)",
            f"   workflow HTTP {res['http_requests_per_s']} req/s "
            f"= {res['ratio_requests_to_ceiling']} x ceiling",
        ]
        if push:
            sent = push["from_request_sent"]
            lines += [
                f"   push latency (HTTP reply -> customer socket): n={push['n']} "
                f"p50 {push['p50_ms']} ms, p95 {push['p95_ms']} ms, p99 {push['p99_ms']} ms",
                f"   ({push['before_http_reply']} arrived before the reply, "
                f"{push['missing_after_5s']} missing; from the request sent: "
                f"p50 {sent['p50_ms']} ms, p99 {sent['p99_ms']} ms)",
            ]
        head = f"{'endpoint':<44}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p50/ceil':>10}"
        lines.append(f"   {head}")
        for name, st in res["endpoints"].items():
            ratio = round(st["p50_ms"] / top["p50_ms"], 1) if top["p50_ms"] else None
            row = f"{name:<44}{st['n']:>6}{st['p50_ms']:>9}{st['p95_ms']:>9}{st['p99_ms']:>9}"
            lines.append(f"   {row}{ratio!s:>10}")
        lines.append(f"   errors: {res['errors'] or 'none'}")
        lines.append(f"   trial balance difference {res['trial_balance_difference']}")
        print("\n".join(lines))
    print()


def main() -> None:
    bootstrap.wire()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ceiling-seconds", type=float, default=5.0)
    parser.add_argument("--customers", type=int, default=16)
    parser.add_argument("--technicians", type=int, default=12)
    parser.add_argument("--open-per-customer", type=int, default=2)
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
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--take-work",
        choices=["auto", "claim", "offers", "assign-direct"],
        default="auto",
        help="how technicians get orders (auto: claim or offers, whichever routes exist)",
    )
    parser.add_argument("--no-ws", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for url in (args.pg_url, args.redis_url):
        host = re.sub(r"^[a-z+]+://([^@/]*@)?", "", url).split("/")[0].rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
            parser.error(f"loopback addresses only: {url}")
    results = asyncio.run(run_setups(args, bench_setup))
    report = {
        "bench": "load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "note": "load generator, server(s), PostgreSQL and Redis share this machine",
        "args": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k not in ("pg_url", "redis_url")
        },
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
