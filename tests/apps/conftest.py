"""A real Doorstep server for app-level tests: uvicorn in a thread on a free port, over a
temporary SQLite database with the catalog loaded.

Both apps' state layers (and the browser tests in ``tests/e2e``) drive this server over
real HTTP/WebSocket, exactly as the apps do in the field. The test process owns the
server's engine, so a test may also seed state directly through the server's services
(e.g. put an order on a technician before dispatch runs).

Usage::

    def test_something(live_server):
        live_server.base_url          # "http://127.0.0.1:PORT"
        live_server.app               # the FastAPI app (app.state.engine, .clock, .cipher)
        live_server.register("technician")   # -> {"phone", "password", "user", ...}
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlmodel import SQLModel

import server.models  # noqa: F401  (every table on the metadata)
from server.app import create_app
from server.auth.consent import version_for
from server.catalog import service as catalog_service
from server.core.clock import Clock
from server.core.db import make_engine
from server.core.settings import Settings
from tests.unit_of_work import unit_of_work

DEMO_ADDRESS = {
    "lat": 39.9334,
    "lng": 116.4540,
    "text": "朝阳区三里屯路19号院3号楼2单元501",
    "district": "三里屯",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running server plus small helpers that speak the HTTP contract."""

    base_url: str
    app: Any
    port: int
    _phone: int = field(default=13900000000)

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def engine(self):  # noqa: ANN201
        return self.app.state.engine

    def file_documents(self) -> int:
        """The filing job's pass (background tasks are off here): PDFs due are filed."""
        from server.files import filing

        return filing.file_due(self.app)

    def next_phone(self) -> str:
        self._phone += 1
        return str(self._phone)

    def call(
        self, method: str, path: str, user: dict | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if user:
            headers["Authorization"] = f"Bearer {user['access_token']}"
        return httpx.request(method, f"{self.api}{path}", headers=headers, timeout=30, **kwargs)

    def register(
        self, role: str = "customer", name: str = "测试用户", password: str = "correct horse"
    ) -> dict:
        phone = self.next_phone()
        code = self.call("POST", "/auth/phone-codes", json={"phone": phone}).json()["sandbox_code"]
        r = self.call(
            "POST",
            "/auth/register",
            json={
                "phone": phone,
                "password": password,
                "name": name,
                "role": role,
                "code": code,
                "accepted_policy_version": version_for(role),
            },
        )
        assert r.status_code == 201, r.text
        return {**r.json(), "phone": phone, "password": password}

    def staff(self, role: str = "operator") -> dict:
        from server.auth import service as auth_service
        from server.auth.models import Role

        phone = self.next_phone()
        with unit_of_work(self.app) as uow:
            auth_service.create_user(
                uow,
                phone=phone,
                password="staff password",
                name=f"{role} staff",
                role=Role(role),
            )
        r = self.call("POST", "/auth/login", json={"phone": phone, "password": "staff password"})
        assert r.status_code == 200, r.text
        return {**r.json(), "phone": phone, "password": "staff password"}

    def ready_technician(
        self,
        name: str = "保洁师傅",
        *,
        at: tuple[float, float] | None = None,
        skills: tuple[str, ...] = ("cleaning",),
        certificates: tuple[str, ...] = ("health",),
    ) -> dict:
        """A verified, online technician with certificates, working 10 km around ``at``
        (default: the demo address): the slots endpoint then counts them there."""
        lat, lng = at or (DEMO_ADDRESS["lat"], DEMO_ADDRESS["lng"])
        tech = self.register("technician", name)
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 200

        def upload(kind: str) -> str:
            r = self.call(
                "POST",
                "/files",
                tech,
                files={"file": ("a.png", png, "image/png")},
                data={"kind": kind},
            )
            assert r.status_code == 201, r.text
            return r.json()["id"]

        profile = {
            "gender": "female",
            "birth_year": 1985,
            "experience_years": 5,
            "bio": name,
            "photo_file_id": upload("photo"),
            "skills": list(skills),
        }
        area = {"center": {"lat": lat, "lng": lng}, "radius_km": 10}
        calls = [("PUT", "/technician/profile", profile), ("PUT", "/technician/service-area", area)]
        calls += [
            (
                "POST",
                "/technician/certificates",
                {
                    "type": kind,
                    "file_id": upload("certificate"),
                    "number": "N-1",
                    "expires_on": "2030-01-01",
                },
            )
            for kind in certificates
        ]
        for method, path, body in calls:
            r = self.call(method, path, tech, json=body)
            assert r.status_code in (200, 201), r.text
        operator = self.staff("operator")
        r = self.call(
            "POST",
            f"/ops/technicians/{tech['user']['id']}/verify",
            operator,
            json={"decision": "approve"},
        )
        assert r.status_code == 200, r.text
        r = self.call("PUT", "/technician/status", tech, json={"online": True})
        assert r.status_code == 200, r.text
        return tech

    def order(
        self,
        customer: dict,
        *,
        service_id: str = "svc_daily_cleaning",
        hours_ahead: int = 3,
        address: dict | None = None,
        **extra: Any,
    ) -> dict:
        """A booked order (PENDING_PAYMENT) for ``customer``."""
        start = self.app.state.clock.now() + timedelta(hours=hours_ahead)
        body = {
            "service_id": service_id,
            "address": address or DEMO_ADDRESS,
            "scheduled_start": start.isoformat(),
            **extra,
        }
        r = self.call("POST", "/quotes", customer, json=body)
        assert r.status_code == 201, r.text
        r = self.call("POST", "/orders", customer, json={"quote_id": r.json()["quote_id"]})
        assert r.status_code == 201, r.text
        return r.json()

    def move(
        self,
        order_id: str,
        action: str,
        *,
        technician_id: str | None = None,
        reason: str | None = None,
    ):  # noqa: ANN201
        """Apply a system transition directly (what payments/dispatch do in production)."""
        from server.orders import service as orders_service
        from server.orders.machine import Action, Actor, ActorKind

        with unit_of_work(self.app) as uow:
            order, _ = orders_service.move(
                uow,
                order_id=order_id,
                action=Action(action),
                actor=Actor(ActorKind.SYSTEM),
                technician_id=technician_id,
                reason=reason,
            )
        return order.status

    def paid_order(self, customer: dict, **kwargs: Any) -> dict:
        order = self.order(customer, **kwargs)
        self.move(order["id"], "payment_succeeded")
        return order

    def offer(self, customer: dict, technician_id: str, **kwargs: Any) -> dict:
        """A paid order offered to ``technician_id`` through dispatch's own offer maker
        (``offers.make_offer``, what the cascade calls): a pending ``DispatchOffer`` row that
        ``GET /technician/offers`` lists, plus the OFFER move, in one transaction. The
        returned order carries ``offer_id``."""
        from server.dispatch import service as dispatch_service
        from server.dispatch.decisions import record_decision
        from server.dispatch.geo import haversine_m
        from server.dispatch.models import DecisionOutcome
        from server.dispatch.offers import make_offer
        from server.dispatch.scoring import CandidateScore
        from server.orders import service as orders_service

        order = self.paid_order(customer, **kwargs)
        clock = self.app.state.clock
        timezone = self.app.state.settings.timezone
        with unit_of_work(self.app) as uow:
            row = orders_service.get(uow, order_id=order["id"])
            world = dispatch_service.load_world(
                uow, now=clock.now(), timezone=timezone, ids=[technician_id]
            )
            facts = world.techs.get(technician_id)
            where = (facts.location or facts.home) if facts is not None else None
            distance = haversine_m(where.lat, where.lng, row.lat, row.lng) if where else 0.0
            candidate = CandidateScore(
                technician_id=technician_id,
                score=1.0,
                base=1.0,
                features={},
                factors={},
                distance_m=distance,
                eta_s=None,
                traffic_subsidy=False,
                rating_estimate=0.0,
            )
            decision = record_decision(
                uow.session,
                order=row,
                mode="cascade",
                outcome=DecisionOutcome.OFFERED,
                now=clock.now(),
                settings=world.settings,
                ranked=[candidate],
                considered=1,
                chosen=technician_id,
            )
            made = make_offer(uow, order=row, candidate=candidate, decision=decision, world=world)
            offer_id = made.id
        return {**order, "offer_id": offer_id}

    def assign(self, customer: dict, technician_id: str, **kwargs: Any) -> dict:
        order = self.paid_order(customer, **kwargs)
        self.move(order["id"], "assign", technician_id=technician_id)
        return order


@contextmanager
def serve(  # noqa: ANN001
    settings: Settings, *, clock: Clock | None = None, engine=None, port: int | None = None
) -> Iterator[LiveServer]:
    """Start uvicorn in a thread; stop it on exit. ``engine`` gets tables + catalog if fresh;
    ``port``: where an app was already told to look (a server that comes up late)."""
    engine = engine or make_engine(settings.effective_database_url)
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    app = create_app(settings, clock=clock, engine=engine)
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(base_url=f"http://127.0.0.1:{port}", app=app, port=port)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


def live_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "background_tasks": False,
        "secret_key": "live-test-secret-key-0123456789abcdef",
        "login_attempts_per_phone": 50,
        "login_attempts_per_ip": 500,
        "phone_codes_per_ip_per_hour": 500,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on a free port over a fresh temporary SQLite database."""
    settings = live_settings(tmp_path / "server")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with serve(settings) as live:
        yield live
