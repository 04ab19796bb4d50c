"""notification deliveries: claimed_at, so a stale claim is retried

Revision ID: 2b0ad49c0d7b
Revises: 0a746421cf69
Create Date: 2026-12-04 13:33:55.903473
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "2b0ad49c0d7b"
down_revision: str | None = "0a746421cf69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
