"""quality checks and technician deposits (spot checks of finished orders; the deposit
rule's standing per technician: the money itself is the ledger's)

Revision ID: 4e05f58bacfa
Revises: 0b938550386d
Create Date: 2026-12-04 15:39:30.716852
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "4e05f58bacfa"
down_revision: str | None = "0b938550386d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "technician_deposit",
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("raised", sa.Boolean(), nullable=False),
        sa.Column("raised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("technician_id"),
    )
    with op.batch_alter_table("technician_deposit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technician_deposit_raised"), ["raised"], unique=False)

    op.create_table(
        "quality_check",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("inspector_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("sampling_rate_bp", sa.Integer(), nullable=False),
        sa.Column("sampled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("findings_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("redo_order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("deduction", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id"),
    )
    with op.batch_alter_table("quality_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_check_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quality_check_sampled_at"), ["sampled_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quality_check_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quality_check_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_check_technician_id"))
        batch_op.drop_index(batch_op.f("ix_quality_check_status"))
        batch_op.drop_index(batch_op.f("ix_quality_check_sampled_at"))
        batch_op.drop_index(batch_op.f("ix_quality_check_inspector_id"))

    op.drop_table("quality_check")
    with op.batch_alter_table("technician_deposit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_deposit_raised"))

    op.drop_table("technician_deposit")
