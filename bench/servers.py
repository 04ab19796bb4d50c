"""What the load benches share: the set-ups (SQLite with one worker, PostgreSQL with
two workers and Redis), a server started as a uvicorn subprocess, and percentiles."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.core.clock import Clock  # noqa: E402
from server.core.settings import Settings  # noqa: E402
from server.core.uow import Parts, UnitOfWork  # noqa: E402
from server.ops.stats import percentile  # noqa: E402

SECRET = "load-bench-secret-0123456789abcdef0123"


def unit_of_work(engine: Any, *, clock: Clock | None = None):  # noqa: ANN201, ANN401
    """A unit of work on ``engine`` for the benches' direct service calls (committed when
    the block ends)."""
    settings = Settings(env="test", secret_key=SECRET, background_tasks=False)
    return UnitOfWork.begin(Parts.on(engine, settings, clock=clock))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summary(values: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": _r(percentile(ms, 50)),
        "p95_ms": _r(percentile(ms, 95)),
        "p99_ms": _r(percentile(ms, 99)),
        "max_ms": _r(max(ms) if ms else None),
    }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the servers ---------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    db_url: str
    env: dict[str, str]
    workers: int
    cleanup: list = field(default_factory=list)


def prepare_database(url: str) -> None:
    """Schema by the migrations (as production), then the catalog."""

    from server.catalog import service as catalog_service
    from server.core.db import make_engine
    from server.core.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    engine.dispose()


def base_env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DOORSTEP_DATABASE_URL": db_url,
        "DOORSTEP_SECRET_KEY": SECRET,
        "DOORSTEP_ENV": "bench",  # prod settings, but the sandbox provider pays
        "DOORSTEP_DATA_DIR": str(data_dir),
        "DOORSTEP_LOGIN_ATTEMPTS_PER_IP": "1000000",
        "DOORSTEP_PHONE_VERIFICATION": "false",  # the load is booking, not signing up
        "DOORSTEP_BROKER_URL": "",
        "DOORSTEP_LOG_JSON": "true",
    }


def sqlite_setup(tmp: Path) -> Setup:
    data_dir = tmp / "sqlite"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'doorstep.db'}"
    prepare_database(url)
    return Setup("sqlite-1w", url, base_env(url, data_dir), 1)


def postgres_setup(tmp: Path, pg_url: str, redis_url: str) -> Setup:
    import psycopg
    import redis

    redis.Redis.from_url(redis_url, socket_timeout=2).ping()
    base = pg_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"doorstep_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rpartition("/")[0] + f"/{name}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    data_dir = tmp / "pg"
    data_dir.mkdir()
    prepare_database(url)
    env = base_env(url, data_dir)
    env.update(
        {"DOORSTEP_BROKER_URL": redis_url, "DOORSTEP_REALTIME_CHANNEL": f"doorstep:load:{name}"}
    )
    return Setup("postgresql-2w", url, env, 2, [drop])


class Server:
    """``app`` under uvicorn with the set-up's workers and environment, until exit."""

    def __init__(self, setup: Setup, app: str = "server.asgi:app", name: str = "server") -> None:
        self.setup = setup
        self.app = app
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        # SIGUSR1 dumps every thread's stack to the server's log (to see where a stall is)
        boot = (
            "import faulthandler, signal, sys; "
            "faulthandler.register(signal.SIGUSR1, all_threads=True); "
            "import uvicorn; sys.argv[0] = 'uvicorn'; uvicorn.main()"
        )
        self.log_path = Path(self.setup.env["DOORSTEP_DATA_DIR"]) / f"{self.name}.log"
        self.log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                boot,
                self.app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.setup.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.setup.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.log_path.read_text(errors='replace')[-2000:]}"
                )
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready")
            time.sleep(0.2)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        assert self.proc is not None
        if exc_type is not None:  # show what the server said about it
            log(f"server log tail:\n{self.log_path.read_text(errors='replace')[-4000:]}")
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()


async def run_setups(
    args: Any,
    bench: Callable[[Setup, Any], Awaitable[dict[str, Any]]],  # noqa: ANN401
) -> list[dict[str, Any]]:
    """``bench`` on SQLite, then on PostgreSQL + Redis (``args.pg_url``, ``args.redis_url``;
    reported as skipped when unreachable or ``args.sqlite_only``), each on a fresh database."""
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-load-"))
    results = []
    try:
        setups: list[Setup | tuple[str, str]] = [sqlite_setup(tmp)]
        if not args.sqlite_only:
            try:
                setups.append(postgres_setup(tmp, args.pg_url, args.redis_url))
            except Exception as exc:  # no PostgreSQL/Redis here: say so in the report
                setups.append(("postgresql-2w", f"{type(exc).__name__}: {exc}"[:200]))
        for setup in setups:
            if isinstance(setup, tuple):
                results.append({"setup": setup[0], "skipped": setup[1]})
                continue
            try:
                results.append(await bench(setup, args))
            finally:
                for fn in setup.cleanup:
                    fn()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


# --- accounts ------------------------------------------------------------------------------


@dataclass
class User:
    id: str
    token: str
    phone: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def staff_user(db_url: str, role: str) -> User:
    """Staff accounts exist only through the CLI or the database; tokens from login."""

    from server.auth import service as auth_service
    from server.auth.models import Role
    from server.core.db import make_engine

    phone = f"136{random.randrange(10**8):08d}"
    engine = make_engine(db_url)
    with unit_of_work(engine) as uow:
        user = auth_service.create_user(
            uow, phone=phone, password="staff password", name=f"{role} 压测", role=Role(role)
        )
        user_id = user.id
    engine.dispose()
    from server.core.security import make_token

    token = make_token(
        secret=SECRET,
        subject=user_id,
        role=role,
        kind="access",
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    return User(user_id, token, phone)
