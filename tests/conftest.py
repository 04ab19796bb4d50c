"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when
``DOORSTEP_TEST_DATABASE_URL`` is set), an app with a frozen clock, and helpers to
make users and walk orders."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlmodel import SQLModel

import server.models  # noqa: F401
from server import bootstrap
from server.app import create_app
from server.catalog import service as catalog_service
from server.core import security
from server.core.clock import FrozenClock
from server.core.db import make_engine
from server.core.settings import Settings
from tests.unit_of_work import unit_of_work

bootstrap.wire()  # tests that call services without an app still see every reaction

# A property holds or not whatever the machine's load: no example may fail for being slow
# (hypothesis' default 200 ms deadline fails examples on a busy CI runner).
hypothesis_settings.register_profile("doorstep", deadline=None)
hypothesis_settings.load_profile("doorstep")
# sign-ups and sign-ins by the thousand: argon2 at its cheapest cost in tests (the hash
# format and its checks are the same)
security.use_cheapest_password_hashing()

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL", "")
# Settings read from the environment (the CLI's, get_settings()) keep an installation's
# secrets in its data folder: the tests' go to a folder of their own, not ./data.
os.environ.setdefault("DOORSTEP_DATA_DIR", tempfile.mkdtemp(prefix="doorstep-tests-"))
REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS_URL", "")
_catalog_cache: dict[str, object] = {}


def consent_for(role: str) -> dict:
    """A customer or a technician signs up having ticked his role's current agreement and
    privacy policy (staff accounts have none: they are refused anyway)."""
    from server.auth.consent import version_for

    if role not in ("customer", "technician"):
        return {}
    return {"accepted_policy_version": version_for(role)}


def _worker_db_url(base: str, worker: str) -> str:
    """One PostgreSQL database per xdist worker, created on first use."""
    import psycopg

    base = base.replace("postgresql+psycopg://", "postgresql://")
    prefix, _, dbname = base.rpartition("/")
    name = f"{dbname}_doorstep_{worker}"
    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{prefix}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


CATALOG_TABLES = {"category", "service", "skilltype", "certificatetype"}


@pytest.fixture(scope="session")
def pg_engine(worker_id: str):  # noqa: ANN201
    if not PG_URL:
        return None
    engine = make_engine(_worker_db_url(PG_URL, worker_id))
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    return engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:  # noqa: ANN001
    """Schema + catalog built once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def _db_params() -> list[str]:
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture
def db_kind() -> str:
    """Tests that don't ask for both backends run on SQLite."""
    return "sqlite"


@pytest.fixture
def engine(db_kind: str, tmp_path: Path, pg_engine, sqlite_template: Path):  # noqa: ANN001, ANN201
    if db_kind == "postgresql":
        tables = ", ".join(
            f'"{t.name}"' for t in SQLModel.metadata.sorted_tables if t.name not in CATALOG_TABLES
        )
        with pg_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield pg_engine
        return
    shutil.copyfile(sqlite_template, tmp_path / "test.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        background_tasks=False,
        login_attempts_per_phone=5,
        secret_key="test-secret-key-0123456789abcdef0123",
        sandbox_webhook_secret="test-webhook-secret-0123456789",
        phone_codes_per_ip_per_hour=100_000,
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, engine):  # noqa: ANN001, ANN201
    return create_app(settings, clock=clock, engine=engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


class Api:
    """A thin helper over the test client that speaks the HTTP contract."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._phone = 13800000000

    @property
    def app(self):  # noqa: ANN201
        return self.client.app

    def file_documents(self) -> int:
        """What the filing job does after the reply (background tasks are off in tests):
        render and attach the PDFs now due."""
        from server.files import filing

        return filing.file_due(self.app)

    def next_phone(self) -> str:
        self._phone += 1
        return str(self._phone)

    def phone_code(self, phone: str) -> str:
        """What the sandbox SMS provider "texted" to ``phone``."""
        r = self.client.post("/api/v1/auth/phone-codes", json={"phone": phone})
        assert r.status_code == 202, r.text
        return r.json()["sandbox_code"]

    def register(self, role: str = "customer", name: str = "测试用户") -> dict:
        phone = self.next_phone()
        r = self.client.post(
            "/api/v1/auth/register",
            json={
                "phone": phone,
                "password": "correct horse",
                "name": name,
                "role": role,
                "code": self.phone_code(phone),
                **consent_for(role),
            },
        )
        assert r.status_code == 201, r.text
        data = r.json()
        data["phone"] = phone
        data["headers"] = {"Authorization": f"Bearer {data['access_token']}"}
        return data

    def login(self, user: dict, password: str = "correct horse") -> dict:
        """Fresh tokens (e.g. after the test clock moved past the access token's life)."""
        r = self.client.post(
            "/api/v1/auth/login", json={"phone": user["phone"], "password": password}
        )
        assert r.status_code == 200, r.text
        data = {**user, **r.json()}
        data["headers"] = {"Authorization": f"Bearer {data['access_token']}"}
        return data

    def staff(self, role: str = "operator") -> dict:
        from server.auth import service as auth_service
        from server.auth.models import Role

        phone = self.next_phone()
        with unit_of_work(self.app) as uow:
            auth_service.create_user(
                uow, phone=phone, password="staff password", name=f"{role} staff", role=Role(role)
            )
        return self.login({"phone": phone}, password="staff password")

    def post(self, path: str, user: dict | None = None, **kwargs):  # noqa: ANN201
        headers = {**(user["headers"] if user else {}), **kwargs.pop("headers", {})}
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, user: dict | None = None, **kwargs):  # noqa: ANN201
        headers = {**(user["headers"] if user else {}), **kwargs.pop("headers", {})}
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)

    def put(self, path: str, user: dict | None = None, **kwargs):  # noqa: ANN201
        headers = {**(user["headers"] if user else {}), **kwargs.pop("headers", {})}
        return self.client.put(f"/api/v1{path}", headers=headers, **kwargs)

    def quote(
        self, customer: dict, service_id: str = "svc_daily_cleaning", hours_ahead: int = 26, **extra
    ) -> dict:
        start = self.app.state.clock.now() + timedelta(hours=hours_ahead)
        body = {
            "service_id": service_id,
            "address": {
                "lat": 39.9334,
                "lng": 116.4540,
                "text": "朝阳区三里屯路19号院3号楼2单元501",
                "district": "三里屯",
            },
            "scheduled_start": start.isoformat(),
            **extra,
        }
        r = self.post("/quotes", customer, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def order(self, customer: dict, **quote_extra) -> dict:
        q = self.quote(customer, **quote_extra)
        r = self.post("/orders", customer, json={"quote_id": q["quote_id"]})
        assert r.status_code == 201, r.text
        return r.json()
