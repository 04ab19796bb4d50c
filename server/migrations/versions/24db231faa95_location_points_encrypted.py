"""location points encrypted at rest (a technician's movements)

Revision ID: 24db231faa95
Revises: 8c1d5e9f2a47
Create Date: 2026-12-03 10:54:40.649326
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.migrations.encrypted_columns import server_cipher

revision: str = "24db231faa95"
down_revision: str | None = "8c1d5e9f2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_points = sa.table(
    "technician_location",
    sa.column("id", sa.Integer),
    sa.column("lat", sa.Float),
    sa.column("lng", sa.Float),
    sa.column("point_enc", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("point_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    conn = op.get_bind()
    rows = conn.execute(sa.select(_points.c.id, _points.c.lat, _points.c.lng)).all()
    cipher = server_cipher() if rows else None
    for point_id, lat, lng in rows:
        sealed = cipher.encrypt(f"{lat!r},{lng!r}")
        conn.execute(_points.update().where(_points.c.id == point_id).values(point_enc=sealed))
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.alter_column(
            "point_enc", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )
        batch_op.drop_column("lng")
        batch_op.drop_column("lat")


def downgrade() -> None:
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_points.c.id, _points.c.point_enc)).all()
    cipher = server_cipher() if rows else None
    for point_id, sealed in rows:
        lat, lng = (float(v) for v in cipher.decrypt(sealed).split(","))
        conn.execute(_points.update().where(_points.c.id == point_id).values(lat=lat, lng=lng))
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("lng", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("point_enc")
