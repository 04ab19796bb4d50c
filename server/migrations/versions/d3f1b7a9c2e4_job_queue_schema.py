"""The background job queue's schema (Procrastinate), on PostgreSQL

On SQLite the queue lives in the server's memory and needs no tables.

Revision ID: d3f1b7a9c2e4
Revises: a7d2c4e6f8b1
Create Date: 2026-12-03 19:45:00
"""

from collections.abc import Sequence

from alembic import op

from server.core.jobs import install_schema

revision: str = "d3f1b7a9c2e4"
down_revision: str | None = "a7d2c4e6f8b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_schema(op.get_bind())


def downgrade() -> None:
    """Everything of the queue's (its names all start with ``procrastinate_``); nothing
    of the domain's depends on it."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,"
        " procrastinate_jobs, procrastinate_workers CASCADE"
    )
    functions = conn.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        " AND starts_with(p.proname, 'procrastinate_')"
    ).scalars()
    for function in list(functions):
        op.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    types = conn.exec_driver_sql(
        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " WHERE n.nspname = current_schema() AND starts_with(t.typname, 'procrastinate_')"
        " AND t.typtype IN ('e', 'c')"
    ).scalars()
    for name in list(types):
        op.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
