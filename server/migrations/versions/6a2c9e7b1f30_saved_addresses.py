"""saved addresses of customers, encrypted

Revision ID: 6a2c9e7b1f30
Revises: 3d004a9d94d5
Create Date: 2026-12-03 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "6a2c9e7b1f30"
down_revision: str | None = "3d004a9d94d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_address",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("place_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_saved_address_customer_id"), "saved_address", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_address_customer_id"), table_name="saved_address")
    op.drop_table("saved_address")
