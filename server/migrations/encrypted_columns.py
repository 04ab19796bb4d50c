"""Moving a column's values in or out of encryption, for migrations.

A migration that starts encrypting a column adds ``<name>_enc``, fills it from the clear
column through the server's own cipher (the keys it will run with) and drops the clear
one; its downgrade does the reverse. Empty values stay empty: NULL encrypted, "" in clear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from server.core.crypto import FieldCipher
from server.core.settings import get_settings


def server_cipher() -> FieldCipher:
    settings = get_settings()
    return FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)


def move_through_cipher(table: str, key: str, source: str, target: str, convert: str) -> None:
    """Add ``target``, fill it from ``source`` through the cipher (``encrypt`` or
    ``decrypt``) row by row, then drop ``source``."""
    clear = convert == "decrypt"  # the clear column: never null, "" for none
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                target,
                AutoString(),
                nullable=not clear,
                server_default="" if clear else None,
            )
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


def _positions(table: str, key: str) -> sa.TableClause:
    return sa.table(
        table,
        sa.column(key),
        sa.column("lat", sa.Float),
        sa.column("lng", sa.Float),
        sa.column("point_enc", sa.String),
    )


def seal_positions(table: str, key: str, *, coarsen_to: int | None) -> None:
    """Fill ``point_enc`` with each row's exact ``lat, lng`` (encrypted, as
    ``server.core.points`` does), then round ``lat``/``lng`` to ``coarsen_to`` decimals
    (None: leave them, for the caller to drop)."""
    rows_table = _positions(table, key)
    conn = op.get_bind()
    pk = rows_table.c[key]
    rows = conn.execute(sa.select(pk, rows_table.c.lat, rows_table.c.lng)).all()
    if not rows:
        return
    cipher = server_cipher()
    for row_key, lat, lng in rows:
        values: dict[str, object] = {"point_enc": cipher.encrypt(f"{lat!r},{lng!r}")}
        if coarsen_to is not None:
            values.update(lat=round(lat, coarsen_to), lng=round(lng, coarsen_to))
        conn.execute(rows_table.update().where(pk == row_key).values(values))


def open_positions(table: str, key: str) -> None:
    """Put each row's exact position back into ``lat``/``lng`` from ``point_enc``."""
    rows_table = _positions(table, key)
    conn = op.get_bind()
    pk = rows_table.c[key]
    rows = conn.execute(sa.select(pk, rows_table.c.point_enc)).all()
    if not rows:
        return
    cipher = server_cipher()
    for row_key, sealed in rows:
        lat, lng = (float(v) for v in cipher.decrypt(sealed).split(","))
        conn.execute(rows_table.update().where(pk == row_key).values(lat=lat, lng=lng))


def replace_positions_with_point(table: str, key: str) -> None:
    """``lat``/``lng`` in clear become one encrypted ``point_enc`` (nothing kept in clear)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("point_enc", AutoString(), nullable=True))
    seal_positions(table, key, coarsen_to=None)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("point_enc", existing_type=AutoString(), nullable=False)
        batch_op.drop_column("lat")
        batch_op.drop_column("lng")


def restore_positions_from_point(table: str, key: str) -> None:
    """The reverse of ``replace_positions_with_point``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
    open_positions(table, key)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("lng", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("point_enc")
