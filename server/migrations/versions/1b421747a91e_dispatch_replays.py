"""What-if replays of past dispatch periods (``dispatch_replay``)

Revision ID: 1b421747a91e
Revises: d3f1b7a9c2e4
Create Date: 2026-12-03 19:07:38
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1b421747a91e"
down_revision: str | None = "d3f1b7a9c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_replay",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("period_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("period_to", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dispatch_replay_created_at", "dispatch_replay", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_dispatch_replay_created_at", table_name="dispatch_replay")
    op.drop_table("dispatch_replay")
