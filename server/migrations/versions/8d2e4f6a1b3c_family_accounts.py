"""Family accounts: invitations, members, and whose wallet paid a family payment

Revision ID: 8d2e4f6a1b3c
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-04 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8d2e4f6a1b3c"
down_revision: str | None = "7c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sqlmodel.sql.sqltypes.UTCDateTime
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "family_link",
        sa.Column("member_id", _TEXT(length=40), nullable=False),
        sa.Column("main_id", _TEXT(length=40), nullable=False),
        sa.Column("kind", _TEXT(length=10), nullable=False),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.Column("joined_at", _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["main_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("member_id"),
    )
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_link_main_id"), ["main_id"])
    op.create_table(
        "family_invitation",
        sa.Column("id", _TEXT(length=40), nullable=False),
        sa.Column("main_id", _TEXT(length=40), nullable=False),
        sa.Column("member_id", _TEXT(length=40), nullable=False),
        sa.Column("kind", _TEXT(length=10), nullable=False),
        sa.Column("status", _TEXT(length=12), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.Column("expires_at", _WHEN(), nullable=False),
        sa.Column("answered_at", _WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["main_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("family_invitation", schema=None) as batch_op:
        for column in ("main_id", "member_id"):
            batch_op.create_index(batch_op.f(f"ix_family_invitation_{column}"), [column])
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wallet_owner_id", _TEXT(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_wallet_owner_id"), ["wallet_owner_id"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_wallet_owner_id"))
        batch_op.drop_column("wallet_owner_id")
    with op.batch_alter_table("family_invitation", schema=None) as batch_op:
        for column in ("member_id", "main_id"):
            batch_op.drop_index(batch_op.f(f"ix_family_invitation_{column}"))
    op.drop_table("family_invitation")
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_link_main_id"))
    op.drop_table("family_link")
