"""Run Alembic programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def schema_problem(conn: Connection, head: str) -> str | None:
    """Why this database cannot serve yet, or None. A schema stamped by Alembic must be at
    ``head``; an unstamped one (built from the models, as the tests do) must at least have
    the orders table."""
    try:
        stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        conn.rollback()
        try:
            conn.execute(text("SELECT 1 FROM service_order LIMIT 1"))
        except SQLAlchemyError:
            conn.rollback()
            return "schema_missing"
        return None
    return None if stamped == head else "schema_outdated"
