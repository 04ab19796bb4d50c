"""Consent to the user agreement and the privacy policy at sign-up (``policy_consent``)

Revision ID: 5c1e9a7b3d20
Revises: 1b421747a91e
Create Date: 2026-12-03 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5c1e9a7b3d20"
down_revision: str | None = "1b421747a91e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("policy_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("agreed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_consent_user_id", "policy_consent", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_policy_consent_user_id", table_name="policy_consent")
    op.drop_table("policy_consent")
