"""Moving a column's values in or out of encryption, for migrations.

A migration that starts encrypting a column adds ``<name>_enc``, fills it from the clear
column through the server's own cipher (the keys it will run with) and drops the clear
one; its downgrade does the reverse. Empty values stay empty: NULL encrypted, "" in clear.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.core.settings import get_settings
from server.privacy.crypto import FieldCipher


def server_cipher() -> FieldCipher:
    settings = get_settings()
    return FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)


def move_through_cipher(table: str, key: str, source: str, target: str, convert: str) -> None:
    """Add ``target``, fill it from ``source`` through the cipher (``encrypt`` or
    ``decrypt``) row by row, then drop ``source``."""
    clear = convert == "decrypt"  # the clear column: never null, "" for none
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(target, sqlmodel.sql.sqltypes.AutoString(), nullable=not clear,
                      server_default="" if clear else None)
        )
    rows_table = sa.table(
        table, sa.column(key), sa.column(source, sa.String), sa.column(target, sa.String)
    )
    conn = op.get_bind()
    src, dst, pk = rows_table.c[source], rows_table.c[target], rows_table.c[key]
    rows = conn.execute(sa.select(pk, src).where(src.is_not(None), src != "")).all()
    if rows:
        change = getattr(server_cipher(), convert)
        for row_key, value in rows:
            conn.execute(rows_table.update().where(pk == row_key).values({dst: change(value)}))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(source)
