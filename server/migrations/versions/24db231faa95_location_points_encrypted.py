"""location points encrypted at rest (a technician's movements)

Revision ID: 24db231faa95
Revises: 8c1d5e9f2a47
Create Date: 2026-12-03 10:54:40.649326
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.migrations.encrypted_columns import open_positions, seal_positions

revision: str = "24db231faa95"
down_revision: str | None = "8c1d5e9f2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("point_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    seal_positions("technician_location", "id", coarsen_to=None)
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.alter_column(
            "point_enc", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )
        batch_op.drop_column("lng")
        batch_op.drop_column("lat")


def downgrade() -> None:
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
    open_positions("technician_location", "id")
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("lng", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("point_enc")
