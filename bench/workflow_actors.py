"""The actors of the workflow load (``workflow_load.py``): the HTTP client with its
per-endpoint statistics, making the users, a customer's live feed socket, and the job a
technician walks."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from server.auth.consent import version_for

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import (  # noqa: E402
    User,
    staff_user,
    unit_of_work,
)

ADDRESS = {
    "lat": 39.9334,
    "lng": 116.4540,
    "text": "朝阳区三里屯路19号院3号楼2单元501",
    "district": "三里屯",
}
AT_DOOR = (39.93345, 116.45405)  # a few metres from the address: inside the check-in geofence
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048
WEEK = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_ID = re.compile(r"/(ord|pay|usr|off|fil)_[0-9a-z]+")


# --- the virtual users ----------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.push: list[float] = []
        self.push_from_send: list[float] = []  # from the move's request being sent
        self.push_early = 0  # events that reached the socket before the move's HTTP reply
        self.push_missing = 0
        self.completed = 0
        self.paid = 0
        self.requests = 0


class Http:
    """Timed calls; the endpoint name is the method and the path with ids folded."""

    def __init__(self, url: str, stats: Stats, connections: int) -> None:
        self.root = url + "/api/v1"
        self.url = url
        self.stats = stats
        self.client = httpx.AsyncClient(
            timeout=60,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        self.recording = True

    async def call(
        self,
        method: str,
        path: str,
        user: User | None = None,
        expect: tuple[int, ...] = (200, 201),
        **kw: Any,
    ) -> httpx.Response | None:
        name = f"{method} {_ID.sub(lambda m: '/{' + m.group(1) + '}', path)}"
        name = re.sub(r"/sop/\d+/", "/sop/{n}/", name)
        headers = {**(user.headers if user else {}), **kw.pop("headers", {})}
        if method == "POST":
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            r = await self.client.request(method, self.root + path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            if not self.recording:
                raise
            self.stats.errors[f"{name}: {type(exc).__name__}"] += 1
            return None
        elapsed = time.perf_counter() - started
        if self.recording:
            self.stats.requests += 1
            self.stats.latency[name].append(elapsed)
            if r.status_code not in expect:
                code = (
                    r.json().get("error", {}).get("code")
                    if "json" in r.headers.get("content-type", "")
                    else ""
                )
                self.stats.errors[f"{name}: {r.status_code} {code}"] += 1
        return r


async def make_users(
    http: Http, db_url: str, customers: int, technicians: int
) -> tuple[list[User], list[User]]:
    """Customers and technicians sign up through the API; technicians fill in their
    profile, area, availability and health certificate, and an operator verifies them."""
    operator = await asyncio.to_thread(staff_user, db_url, "operator")
    phone = [13100000000 + random.randrange(10_000) * 10_000]

    async def register(role: str) -> User:
        phone[0] += 1
        r = await http.call(
            "POST",
            "/auth/register",
            json={
                "phone": str(phone[0]),
                "password": "correct horse",
                "name": f"{role} 压测",
                "role": role,
                "accepted_policy_version": version_for(role),
            },
        )
        assert r is not None and r.status_code == 201, r and r.text
        return User(r.json()["user"]["id"], r.json()["access_token"], str(phone[0]))

    async def onboard() -> User:
        tech = await register("technician")
        for path, body in (
            ("/technician/profile", {"skills": ["cleaning"], "experience_years": 5}),
            (
                "/technician/service-area",
                {
                    "center": {"lat": ADDRESS["lat"], "lng": ADDRESS["lng"]},
                    "radius_km": 20,
                    "max_distance_km": 20,
                },
            ),
            ("/technician/availability", {"weekly": WEEK}),
        ):
            r = await http.call("PUT", path, tech, json=body)
            assert r is not None and r.status_code == 200, r and r.text
        up = await http.call(
            "POST",
            "/files",
            tech,
            files={"file": ("health.png", PNG, "image/png")},
            data={"kind": "certificate"},
        )
        assert up is not None and up.status_code == 201, up and up.text
        r = await http.call(
            "POST",
            "/technician/certificates",
            tech,
            json={"type": "health", "file_id": up.json()["id"], "number": f"HC-{tech.id[-6:]}"},
        )
        assert r is not None and r.status_code == 201, r and r.text
        r = await http.call(
            "POST",
            f"/ops/technicians/{tech.id}/verify",
            operator,
            json={"decision": "approve", "note": "证件齐全"},
        )
        assert r is not None and r.status_code == 200, r and r.text
        r = await http.call("PUT", "/technician/status", tech, json={"online": True})
        assert r is not None and r.status_code == 200, r and r.text
        return tech

    sem = asyncio.Semaphore(4)

    async def bounded(coro_fn):  # noqa: ANN001, ANN202
        async with sem:
            return await coro_fn()

    custs = await asyncio.gather(*(bounded(lambda: register("customer")) for _ in range(customers)))
    techs = await asyncio.gather(*(bounded(onboard) for _ in range(technicians)))
    return list(custs), list(techs)


def assign_directly(db_url: str, order_id: str, technician_id: str) -> bool:
    """What dispatch does when it puts an order on a technician (no HTTP route for it)."""
    from server.core.db import make_engine
    from server.core.errors import AppError
    from server.orders import service as orders_service
    from server.orders.machine import Action, Actor, ActorKind

    engine = _engines.setdefault(db_url, make_engine(db_url))
    with unit_of_work(engine) as uow:
        try:
            orders_service.move(
                uow,
                order_id=order_id,
                action=Action.ASSIGN,
                actor=Actor(ActorKind.SYSTEM),
                technician_id=technician_id,
            )
        except AppError:
            return False
    return True


_engines: dict[str, Any] = {}


def dispose_engines() -> None:
    """Close the engines ``assign_directly`` opened (a set-up's database goes away)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


class Feed:
    """One customer's live feed socket: records when each (order, seq) arrives."""

    def __init__(self, url: str, user: User) -> None:
        self.url = url.replace("http://", "ws://") + f"/api/v1/ws?token={user.token}"
        self.arrivals: dict[tuple[str, int], float] = {}
        self.waiters: dict[tuple[str, int], asyncio.Future] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        import websockets

        async with websockets.connect(self.url, max_size=2**22, open_timeout=30) as ws:
            async for raw in ws:
                now = time.perf_counter()
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "welcome":
                    await ws.send(json.dumps({"type": "resume", "cursor": msg.get("cursor")}))
                elif kind == "replayed":
                    self.ready.set()
                elif kind == "ping":
                    await ws.send('{"type":"pong"}')
                elif kind == "event":
                    key = (msg["order_id"], int(msg["seq"]))
                    self.arrivals[key] = now
                    waiter = self.waiters.pop(key, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(now)

    async def arrival(self, key: tuple[str, int], timeout: float = 5.0) -> float | None:
        if key in self.arrivals:
            return self.arrivals[key]
        fut = self.waiters.setdefault(key, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            return None


@dataclass
class Job:
    order_id: str
    customer: User
    feed: Feed | None
    sop: list[dict]
