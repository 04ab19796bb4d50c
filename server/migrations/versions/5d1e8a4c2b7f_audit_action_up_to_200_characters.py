"""audit actions up to 200 characters: the generic entry names the route template, and
some are longer than 60 (``http.post /orders/{order_id}/change-requests/{cid}/...``)

Revision ID: 5d1e8a4c2b7f
Revises: ef0a70976cac
Create Date: 2026-12-02 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e8a4c2b7f"
down_revision: str | None = "ef0a70976cac"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite does not enforce VARCHAR lengths (and rebuilding the append-only table would
    # drop its triggers): only PostgreSQL needs the wider column.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_log",
            "action",
            type_=sa.String(length=200),
            existing_type=sa.String(length=60),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_log",
            "action",
            type_=sa.String(length=60),
            existing_type=sa.String(length=200),
            existing_nullable=False,
        )
