"""home positions encrypted: orders and quotes keep the exact point encrypted, lat/lng to ~100 m

Revision ID: 4ff7e57f3071
Revises: 0ea73ea28054
Create Date: 2026-12-03 11:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.migrations.encrypted_columns import open_positions, seal_positions

revision: str = "4ff7e57f3071"
down_revision: str | None = "0ea73ea28054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("quote", "service_order")
COARSE_DECIMALS = 3  # server.core.points.COARSE_DECIMALS when this was written


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("point_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
            )
        seal_positions(table, "id", coarsen_to=COARSE_DECIMALS)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "point_enc", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
            )


def downgrade() -> None:
    for table in TABLES:
        open_positions(table, "id")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("point_enc")
