"""ledger and audit log are append-only in the database

Revision ID: c7e2a1f0d9b3
Revises: b41f6d629291
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence

from alembic import op

from server.core.appendonly import APPEND_ONLY_TABLES, create_statements, drop_statements

revision: str = "c7e2a1f0d9b3"
down_revision: str | None = "b41f6d629291"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in create_statements(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in drop_statements(table, dialect):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS doorstep_append_only()")
