"""Helpers for the scale tests: fresh PostgreSQL databases, real uvicorn servers (a
subprocess that can be killed with SIGKILL, or a thread for SQLite), and a small
synchronous HTTP client that speaks the API contract from many threads at once.

Nothing here is a fixture with a generic name, so test modules that bring their own
(``test_realtime_multiworker.py``) are unaffected.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import SQLModel

from server.auth.consent import version_for

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test-secret-0123456789abcdef0123"
WEBHOOK_SECRET = "scale-test-webhook-secret"
ADDRESS = {
    "lat": 39.9334,
    "lng": 116.4540,
    "text": "朝阳区三里屯路19号院3号楼2单元501",
    "district": "三里屯",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

needs_pg_and_redis = pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="needs DOORSTEP_TEST_DATABASE_URL and DOORSTEP_TEST_REDIS_URL (CI sets both)",
)


def morning_visit(around: datetime) -> datetime:
    """10:00 Beijing time on ``around``'s Beijing day (never earlier than 2 h from now)."""
    from zoneinfo import ZoneInfo

    beijing = ZoneInfo("Asia/Shanghai")
    start = datetime.combine(around.astimezone(beijing).date(), clock_time(10), tzinfo=beijing)
    if start < datetime.now(UTC) + timedelta(hours=2):
        start += timedelta(days=1)
    return start.astimezone(UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_pg_database(prefix: str) -> tuple[str, str]:
    """A fresh, empty database next to the configured one: (name, SQLAlchemy URL)."""
    import psycopg

    base = _libpq(PG_URL)
    head, _, _ = base.rpartition("/")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{head}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_schema(url: str) -> None:
    """Tables from the models (as tests/conftest.py does) and the catalog."""
    import server.models  # noqa: F401
    from server.catalog import service as catalog_service
    from server.core.db import make_engine
    from server.core.uow import UnitOfWork

    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with UnitOfWork.begin(runtime_for(engine)) as uow:
        catalog_service.load_catalog(uow)
    engine.dispose()


def server_env(db_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": db_url,
        "DOORSTEP_SECRET_KEY": SECRET,
        "DOORSTEP_SANDBOX_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DOORSTEP_ENV": "test",
        "DOORSTEP_DATA_DIR": str(data_dir),
        "DOORSTEP_LOGIN_ATTEMPTS_PER_IP": "100000",
        "DOORSTEP_LOGIN_ATTEMPTS_PER_PHONE": "1000",
        "DOORSTEP_PHONE_CODES_PER_IP_PER_HOUR": "100000",
        "DOORSTEP_BACKGROUND_TASKS": "true",
        "DOORSTEP_BACKGROUND_INTERVAL_SECONDS": "0.5",
        # one process serves and runs the jobs (a single-host deployment); the job tests
        # start `doorstep worker` processes beside servers that run none
        "DOORSTEP_JOBS_IN_WEB": "true",
        "DOORSTEP_JOB_STALLED_AFTER_SECONDS": "5",
    }
    if REDIS_URL:
        env["DOORSTEP_BROKER_URL"] = REDIS_URL
        env["DOORSTEP_REALTIME_CHANNEL"] = f"doorstep:scale:{uuid.uuid4().hex[:8]}"
    env.update(extra)
    return env


def wait_ready(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited during startup (code {proc.returncode})")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not become ready")
        time.sleep(0.1)


class _Process:
    """A child process of ours that SIGKILL hits directly (no supervisor in between)."""

    proc: subprocess.Popen | None = None

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class ServerProcess(_Process):
    """One uvicorn process."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        wait_ready(self.url, self.proc)


class WorkerProcess(_Process):
    """``doorstep worker`` running the background jobs."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "worker", "--concurrency", "2"],
            cwd=ROOT,
            env=self.env,
        )


@contextmanager
def thread_server(db_url: str, data_dir: Path, **overrides: Any) -> Iterator[str]:
    """uvicorn in a thread of this process (SQLite runs): yields the base URL."""
    import uvicorn

    from server.app import create_app
    from server.core.settings import Settings

    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "database_url": db_url,
        "secret_key": SECRET,
        "sandbox_webhook_secret": WEBHOOK_SECRET,
        "background_tasks": False,
        "login_attempts_per_ip": 100000,
        "login_attempts_per_phone": 1000,
        "phone_codes_per_ip_per_hour": 100000,
    }
    values.update(overrides)
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            limit_concurrency=1000,
            backlog=2048,
        )
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the threaded server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        app.state.engine.dispose()


def engine_for(url: str):  # noqa: ANN201
    from server.core.db import make_engine

    return make_engine(url)


def runtime_for(engine):  # noqa: ANN001, ANN201
    """What the servers run with (their secret, the real time), for work done straight
    on their database: ``UnitOfWork.begin(runtime_for(engine))``."""
    from server.core.settings import Settings
    from server.core.uow import Parts

    settings = Settings(
        env="test",
        secret_key=SECRET,
        sandbox_webhook_secret=WEBHOOK_SECRET,
        background_tasks=False,
    )
    return Parts.on(engine, settings)


_phones = itertools.count(13000000000 + (uuid.uuid4().int % 900_000) * 1000)
_phone_lock = threading.Lock()


def next_phone() -> str:
    with _phone_lock:
        return str(next(_phones))


def make_staff(db_url: str, role: str) -> tuple[str, str]:
    """Staff accounts exist only through the CLI or the database: (phone, password)."""
    from server.auth import service as auth_service
    from server.auth.models import Role
    from server.core.uow import UnitOfWork

    phone, password = next_phone(), "staff password"
    engine = engine_for(db_url)
    with UnitOfWork.begin(runtime_for(engine)) as uow:
        auth_service.create_user(
            uow, phone=phone, password=password, name=f"{role} staff", role=Role(role)
        )
    engine.dispose()
    return phone, password


def bulk_users(db_url: str, role: str, n: int) -> list[User]:
    """``n`` accounts written straight to the database with one shared password hash
    (argon2 is slow on purpose) and access tokens signed with the servers' secret: the
    fast way to get fifty technicians; everything after sign-up goes through the API."""
    from server.auth import service as auth_service
    from server.auth.models import Role
    from server.core.security import hash_password, make_token
    from server.core.uow import UnitOfWork

    shared = hash_password("correct horse")
    engine = engine_for(db_url)
    runtime = runtime_for(engine)
    clock = runtime.clock
    users = []
    with UnitOfWork.begin(runtime) as uow:
        for i in range(n):
            user = auth_service.create_user(
                uow,
                phone=next_phone(),
                password="correct horse",
                name=f"{role} {i}",
                role=Role(role),
                password_hash=shared,
            )
            users.append(
                User(
                    id=user.id,
                    role=role,
                    token=make_token(
                        secret=SECRET,
                        subject=user.id,
                        role=role,
                        kind="access",
                        now=clock.now(),
                        ttl=timedelta(minutes=30),
                    ),
                )
            )
    engine.dispose()
    return users


@dataclass
class User:
    id: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """Synchronous, thread-safe calls against one server (one httpx.Client per thread)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.root = self.base_url + "/api/v1"
        self.timeout = timeout
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=self.timeout, limits=httpx.Limits(max_connections=4))
            self._local.client = client
        return client

    def call(
        self, method: str, path: str, user: User | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(user.headers if user else {}), **kwargs.pop("headers", {})}
        return self._client().request(method, self.root + path, headers=headers, **kwargs)

    def post(self, path: str, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, user, **kwargs)

    def get(self, path: str, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, user, **kwargs)

    def register(self, role: str) -> User:
        phone = next_phone()
        code = self.post("/auth/phone-codes", json={"phone": phone}).json()["sandbox_code"]
        r = self.post(
            "/auth/register",
            json={
                "phone": phone,
                "code": code,
                "password": "correct horse",
                "name": f"{role} 测试",
                "role": role,
                "accepted_policy_version": version_for(role),
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return User(id=body["user"]["id"], role=role, token=body["access_token"])

    def login(self, phone: str, password: str) -> User:
        r = self.post("/auth/login", json={"phone": phone, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        return User(id=body["user"]["id"], role=body["user"]["role"], token=body["access_token"])

    def staff(self, db_url: str, role: str) -> User:
        return self.login(*make_staff(db_url, role))

    def onboard_technician(self, operator: User, tech: User | None = None) -> User:
        """Qualify a cleaner the way the app does (registering one unless given), then an
        operator verifies."""
        tech = tech or self.register("technician")
        week = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
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
            ("/technician/availability", {"weekly": week}),
        ):
            r = self.call("PUT", path, tech, json=body)
            assert r.status_code == 200, r.text
        up = self.post(
            "/files",
            tech,
            files={"file": ("health.png", PNG, "image/png")},
            data={"kind": "certificate"},
        )
        assert up.status_code == 201, up.text
        r = self.post(
            "/technician/certificates",
            tech,
            json={"type": "health", "file_id": up.json()["id"], "number": f"HC-{tech.id[-6:]}"},
        )
        assert r.status_code == 201, r.text
        r = self.post(
            f"/ops/technicians/{tech.id}/verify",
            operator,
            json={"decision": "approve", "note": "ok"},
        )
        assert r.status_code == 200, r.text
        r = self.call("PUT", "/technician/status", tech, json={"online": True})
        assert r.status_code == 200, r.text
        return tech

    def book(self, customer: User, hours_ahead: float = 26) -> httpx.Response:
        """Quote then order: the reply of POST /orders (201 = acknowledged). The visit
        starts at 10:00 Beijing time on the day ``hours_ahead`` from now falls on, so it
        lies inside every technician's working day whatever the hour the tests run."""
        start = morning_visit(datetime.now(UTC) + timedelta(hours=hours_ahead))
        q = self.post(
            "/quotes",
            customer,
            json={
                "service_id": "svc_daily_cleaning",
                "address": ADDRESS,
                "scheduled_start": start.isoformat(),
            },
        )
        if q.status_code != 201:
            return q
        return self.post(
            "/orders",
            customer,
            json={"quote_id": q.json()["quote_id"]},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    def pay(self, customer: User, order_id: str) -> httpx.Response:
        """Open a sandbox payment and approve it (the provider's signed webhook follows)."""
        r = self.post(
            f"/orders/{order_id}/payments",
            customer,
            json={"provider": "sandbox", "method": "wechat"},
        )
        if r.status_code != 201:
            return r
        return self.post(f"/sandbox/payments/{r.json()['payment_id']}/approve", customer)


def check_event_sequences(db_url: str) -> dict[str, int]:
    """Every order's events are 1..last_seq with no gap or duplicate; returns last_seq by order."""
    from sqlalchemy import text

    engine = engine_for(db_url)
    options = {"isolation_level": "REPEATABLE READ"} if db_url.startswith("postgresql") else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():  # one snapshot
        last = dict(conn.execute(text("SELECT id, last_seq FROM service_order")).all())
        seqs: dict[str, list[int]] = {}
        for order_id, seq in conn.execute(
            text("SELECT order_id, seq FROM order_event ORDER BY order_id, seq")
        ):
            seqs.setdefault(order_id, []).append(seq)
    engine.dispose()
    for order_id, last_seq in last.items():
        assert seqs.get(order_id, []) == list(range(1, last_seq + 1)), (
            order_id,
            last_seq,
            seqs.get(order_id),
        )
    assert set(seqs) <= set(last), "events of an order that does not exist"
    return last
