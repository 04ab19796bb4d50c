"""The schema comes from Alembic migrations; they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import server.models  # noqa: F401
from server.core.db import make_engine
from server.core.migrate import downgrade, upgrade
from tests.conftest import PG_URL, _worker_db_url


def _diff(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return compare_metadata(context, SQLModel.metadata)


def _check(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        assert _diff(engine) == [], "models changed without a migration: python -m server.core.make_migration"
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url)
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    _check(f"sqlite:///{tmp_path / 'm.db'}")


def test_postgresql_upgrade_downgrade_upgrade(worker_id):
    import pytest

    if not PG_URL:
        pytest.skip("PostgreSQL not configured (CI sets DOORSTEP_TEST_DATABASE_URL)")
    import psycopg

    base = _worker_db_url(PG_URL, f"mig_{worker_id}")
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    _check(base)
