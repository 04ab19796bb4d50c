"""invoice PDF filed after the request: file_id may wait, the tax rate kept

Revision ID: 3d004a9d94d5
Revises: 9b3f6c1d2e4a
Create Date: 2026-12-03 01:12:03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d004a9d94d5"
down_revision: str | None = "9b3f6c1d2e4a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_rate_bp", sa.Integer(), nullable=True))
        batch_op.alter_column("file_id", existing_type=sa.VARCHAR(length=40), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.alter_column("file_id", existing_type=sa.VARCHAR(length=40), nullable=False)
        batch_op.drop_column("tax_rate_bp")
