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


def _move(source: str, target: str, convert: str) -> None:
    """Add ``target``, fill it from ``source`` through the cipher (``encrypt`` or
    ``decrypt``) where there is something (no notes: NULL encrypted, "" in clear), then
    drop ``source``."""
    clear = convert == "decrypt"  # the old clear column: never null, "" for none
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(target, sqlmodel.sql.sqltypes.AutoString(), nullable=not clear,
                      server_default="" if clear else None)
        )
    conn = op.get_bind()
    src, dst = _orders.c[source], _orders.c[target]
    rows = conn.execute(sa.select(_orders.c.id, src).where(src.is_not(None), src != "")).all()
    if rows:
        change = getattr(_cipher(), convert)
        for order_id, value in rows:
            conn.execute(
                _orders.update().where(_orders.c.id == order_id).values({dst: change(value)})
            )
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.drop_column(source)


def upgrade() -> None:
    _move("notes", "notes_enc", "encrypt")


def downgrade() -> None:
    _move("notes_enc", "notes", "decrypt")
