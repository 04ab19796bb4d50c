"""积分商城: items taken per item, and each exchange of points

Revision ID: 7c1d2e3f4a5b
Revises: 4e05f58bacfa
Create Date: 2026-12-04 16:08:30.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7c1d2e3f4a5b"
down_revision: str | None = "4e05f58bacfa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sqlmodel.sql.sqltypes.UTCDateTime
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "mall_stock",
        sa.Column("item_code", _TEXT(length=40), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_code"),
    )
    op.create_table(
        "mall_redemption",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("customer_id", _TEXT(), nullable=False),
        sa.Column("item_code", _TEXT(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", _TEXT(length=20), nullable=False),
        sa.Column("coupon_id", _TEXT(length=40), nullable=True),
        sa.Column("address_enc", _TEXT(), nullable=True),
        sa.Column("tracking_no", _TEXT(length=40), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.Column("shipped_at", _WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mall_redemption", schema=None) as batch_op:
        for column in ("customer_id", "item_code", "status"):
            batch_op.create_index(batch_op.f(f"ix_mall_redemption_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("mall_redemption", schema=None) as batch_op:
        for column in ("status", "item_code", "customer_id"):
            batch_op.drop_index(batch_op.f(f"ix_mall_redemption_{column}"))
    op.drop_table("mall_redemption")
    op.drop_table("mall_stock")
