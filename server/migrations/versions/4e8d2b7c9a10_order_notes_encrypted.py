"""order notes encrypted at rest (door codes, phone numbers)

Revision ID: 4e8d2b7c9a10
Revises: 6a2c9e7b1f30
Create Date: 2026-12-03 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.core.settings import get_settings
from server.privacy.crypto import FieldCipher

revision: str = "4e8d2b7c9a10"
down_revision: str | None = "6a2c9e7b1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_orders = sa.table(
    "service_order",
    sa.column("id", sa.String),
    sa.column("notes", sa.String),
    sa.column("notes_enc", sa.String),
)


def _cipher() -> FieldCipher:
    """The server's own cipher: the notes must open with the keys it will run with."""
    settings = get_settings()
    return FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)


def upgrade() -> None:
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notes_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
    conn = op.get_bind()
    rows = conn.execute(sa.select(_orders.c.id, _orders.c.notes).where(_orders.c.notes != "")).all()
    if rows:
        cipher = _cipher()
        for order_id, notes in rows:
            conn.execute(
                _orders.update()
                .where(_orders.c.id == order_id)
                .values(notes_enc=cipher.encrypt(notes))
            )
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.drop_column("notes")


def downgrade() -> None:
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_orders.c.id, _orders.c.notes_enc).where(_orders.c.notes_enc != "")
    ).all()
    if rows:
        cipher = _cipher()
        for order_id, token in rows:
            conn.execute(
                _orders.update().where(_orders.c.id == order_id).values(notes=cipher.decrypt(token))
            )
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.drop_column("notes_enc")
