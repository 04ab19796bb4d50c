"""SOS positions and notes encrypted at rest

Revision ID: f4602fd523b5
Revises: 4ff7e57f3071
Create Date: 2026-12-03 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.migrations.encrypted_columns import move_through_cipher, open_positions, seal_positions

revision: str = "f4602fd523b5"
down_revision: str | None = "4ff7e57f3071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("point_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    seal_positions("ops_alert", "id", coarsen_to=None)
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.alter_column(
            "point_enc", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )
        batch_op.drop_column("lat")
        batch_op.drop_column("lng")
    move_through_cipher("ops_alert", "id", "note", "note_enc", "encrypt")


def downgrade() -> None:
    move_through_cipher("ops_alert", "id", "note_enc", "note", "decrypt")
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
    open_positions("ops_alert", "id")
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("lng", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("point_enc")
