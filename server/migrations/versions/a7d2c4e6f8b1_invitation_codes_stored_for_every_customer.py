"""Invitation codes stored for every customer

Customers used to get their invitation code stored when they first opened their wallet;
sign-up stores it now and reading the wallet no longer writes, so the customers who never
opened it get theirs here (the code is the one the wallet has always shown).

Revision ID: a7d2c4e6f8b1
Revises: f4602fd523b5
Create Date: 2026-12-03 17:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d2c4e6f8b1"
down_revision: str | None = "f4602fd523b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    missing = conn.execute(
        sa.text(
            "SELECT u.id FROM app_user u LEFT JOIN referral_code r ON r.customer_id = u.id "
            "WHERE u.role = 'customer' AND r.customer_id IS NULL"
        )
    ).scalars()
    taken = set(conn.execute(sa.text("SELECT code FROM referral_code")).scalars())
    for customer_id in list(missing):
        code = hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper()
        if code in taken:  # two ids on one code: the later keeps none, as before
            continue
        taken.add(code)
        conn.execute(
            sa.text("INSERT INTO referral_code (customer_id, code) VALUES (:id, :code)"),
            {"id": customer_id, "code": code},
        )


def downgrade() -> None:
    """Nothing to undo: a stored code is the one the wallet showed."""
