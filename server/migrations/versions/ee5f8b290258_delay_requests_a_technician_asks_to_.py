"""delay requests: a technician asks to move a visit (改约), the customer answers

Revision ID: ee5f8b290258
Revises: 2b0ad49c0d7b
Create Date: 2026-12-04 15:37:34.397593
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "ee5f8b290258"
down_revision: str | None = "2b0ad49c0d7b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "delay_request",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("from_start", _WHEN(), nullable=False),
        sa.Column("from_end", _WHEN(), nullable=False),
        sa.Column("to_start", _WHEN(), nullable=False),
        sa.Column("to_end", _WHEN(), nullable=False),
        sa.Column("expires_at", _WHEN(), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.Column("answered_at", _WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["service_order.id"]),
        sa.ForeignKeyConstraint(["technician_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delay_request", schema=None) as batch_op:
        for column in ("expires_at", "order_id", "status", "technician_id"):
            batch_op.create_index(batch_op.f(f"ix_delay_request_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("delay_request", schema=None) as batch_op:
        for column in ("technician_id", "status", "order_id", "expires_at"):
            batch_op.drop_index(batch_op.f(f"ix_delay_request_{column}"))
    op.drop_table("delay_request")
