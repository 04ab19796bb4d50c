"""The schema comes from Alembic migrations; they must match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import server.models  # noqa: F401
from server.core.db import make_engine
from server.core.jobs import is_queue_object
from server.core.migrate import downgrade, upgrade
from tests.conftest import PG_URL, _worker_db_url


def _diff(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": False,
                "include_name": lambda name, _type, _parents: not is_queue_object(name),
            },
        )
        return compare_metadata(context, SQLModel.metadata)


def _check(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        assert _diff(engine) == [], (
            "models changed without a migration: python -m server.core.make_migration"
        )
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}  # the queue's too
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


def _insert(engine, raw, table: str, **given) -> None:  # noqa: ANN001
    """A row with every required column filled (and the rows its keys point to)."""
    values: dict = {}
    for c in inspect(engine).get_columns(table):
        if c["nullable"] or c.get("default") is not None:
            continue
        kind = str(c["type"])
        values[c["name"]] = (
            "2026-06-01 02:00:00"
            if "DATETIME" in kind
            else 0
            if kind.startswith(("INT", "FLOAT", "BOOL"))
            else "x"
        )
    values.update(given)
    for fk in inspect(engine).get_foreign_keys(table):
        column, target = fk["constrained_columns"][0], fk["referred_table"]
        if values.get(column) and target != table:
            exists = raw.execute(
                f"SELECT 1 FROM {target} WHERE id = ?", (values[column],)
            ).fetchone()
            if not exists:
                _insert(engine, raw, target, id=values[column])
    raw.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )


@pytest.mark.parametrize(
    ("before", "table", "row", "clear", "encrypted"),
    [
        (
            "6a2c9e7b1f30",
            "service_order",
            {"id": "ord_old", "price_snapshot": "{}"},
            "notes",
            "notes_enc",
        ),
        ("70fd43a7d388", "chat_message", {"id": 7, "masked_kinds": "[]"}, "text", "text_enc"),
    ],
)
def test_values_stored_before_encryption_are_encrypted_by_the_migration(
    tmp_path, before: str, table: str, row: dict, clear: str, encrypted: str
):
    """Order notes and chat text written in clear by an older version come out
    encrypted (and the downgrade restores them)."""
    import sqlite3

    from sqlalchemy import create_engine, text

    from server.migrations.encrypted_columns import server_cipher

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, before)
    engine = make_engine(url)
    try:
        plain = create_engine(url)  # only to read the schema, with no write transaction
        raw = sqlite3.connect(tmp_path / "m.db")
        _insert(plain, raw, table, **row, **{clear: "门禁 4321#"})
        plain.dispose()
        raw.commit()
        raw.close()
        engine.dispose()  # the migration needs the file to itself
        upgrade(url)
        with engine.connect() as conn:
            token = conn.execute(text(f"SELECT {encrypted} FROM {table}")).scalar()
        assert "4321" not in token and server_cipher().decrypt(token) == "门禁 4321#"
        engine.dispose()
        downgrade(url, before)
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT {clear} FROM {table}")).scalar() == "门禁 4321#"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("before", "table", "row", "kept_coarse"),
    [
        ("8c1d5e9f2a47", "technician_location", {"id": 3, "technician_id": "usr_t"}, False),
        ("0ea73ea28054", "service_order", {"id": "ord_old", "price_snapshot": "{}"}, True),
        ("0ea73ea28054", "quote", {"id": "quo_old", "options": "{}", "lines": "[]"}, True),
        ("4ff7e57f3071", "ops_alert", {"id": "sos_old", "user_id": "usr_c"}, False),
    ],
)
def test_positions_stored_in_clear_are_encrypted_by_the_migration(
    tmp_path, before: str, table: str, row: dict, kept_coarse: bool
):
    """Exact positions (trails, homes, SOS) come out encrypted; homes keep a copy to the
    block in clear for dispatch; the downgrade puts the exact point back."""
    import sqlite3

    from sqlalchemy import create_engine, text

    from server.migrations.encrypted_columns import server_cipher

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, before)
    plain = create_engine(url)
    raw = sqlite3.connect(tmp_path / "m.db")
    _insert(plain, raw, table, **row, lat=39.9334567, lng=116.4540123)
    plain.dispose()
    raw.commit()
    raw.close()
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            token = conn.execute(text(f"SELECT point_enc FROM {table}")).scalar()
            if kept_coarse:
                assert conn.execute(text(f"SELECT lat, lng FROM {table}")).one() == (
                    39.933,
                    116.454,
                )
        assert "39.93" not in token and server_cipher().decrypt(token) == "39.9334567,116.4540123"
        engine.dispose()
        downgrade(url, before)
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT lat, lng FROM {table}")).one() == (
                39.9334567,
                116.4540123,
            )
    finally:
        engine.dispose()


def test_the_migrated_schema_keeps_the_append_only_triggers(tmp_path):
    """A migration that rebuilds one of these tables (SQLite's batch mode) would drop
    them silently: after every migration each still refuses UPDATE and DELETE."""
    from sqlalchemy import text

    from server.core.appendonly import APPEND_ONLY_TABLES

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = {
                r[0]
                for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            }
        for table in APPEND_ONLY_TABLES:
            assert {f"{table}_no_update", f"{table}_no_delete"} <= names, (table, names)
    finally:
        engine.dispose()


def test_customers_who_never_opened_their_wallet_get_their_invitation_code(tmp_path):
    """The code the wallet showed is stored for every customer (reading it no longer
    stores it); a technician gets none."""
    import hashlib
    import sqlite3

    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "f4602fd523b5")
    plain = create_engine(url)
    raw = sqlite3.connect(tmp_path / "m.db")
    _insert(plain, raw, "app_user", id="usr_old_customer", role="customer", phone_index="a")
    _insert(plain, raw, "app_user", id="usr_old_tech", role="technician", phone_index="b")
    plain.dispose()
    raw.commit()
    raw.close()
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT customer_id, code FROM referral_code")).all()
        expected = hashlib.sha256(b"usr_old_customer").hexdigest()[:8].upper()
        assert [tuple(r) for r in rows] == [("usr_old_customer", expected)]
    finally:
        engine.dispose()
