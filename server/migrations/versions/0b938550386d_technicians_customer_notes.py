"""technicians' customer notes and follow-ups (客户管理)

Revision ID: 0b938550386d
Revises: ee5f8b290258
Create Date: 2026-12-04 15:57:48.603307
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0b938550386d"
down_revision: str | None = "ee5f8b290258"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sqlmodel.sql.sqltypes.UTCDateTime
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "customer_note",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("technician_id", _TEXT(), nullable=False),
        sa.Column("customer_id", _TEXT(), nullable=False),
        sa.Column("order_id", _TEXT(length=40), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("note_enc", _TEXT(), nullable=True),
        sa.Column("remind_on", sa.Date(), nullable=True),
        sa.Column("remind_what", _TEXT(), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.Column("updated_at", _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["technician_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("technician_id", "customer_id"),
    )
    with op.batch_alter_table("customer_note", schema=None) as batch_op:
        for column in ("customer_id", "remind_on", "technician_id"):
            batch_op.create_index(batch_op.f(f"ix_customer_note_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("customer_note", schema=None) as batch_op:
        for column in ("technician_id", "remind_on", "customer_id"):
            batch_op.drop_index(batch_op.f(f"ix_customer_note_{column}"))
    op.drop_table("customer_note")
