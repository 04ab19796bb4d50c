"""location points encrypted at rest (a technician's movements)

Revision ID: 24db231faa95
Revises: 8c1d5e9f2a47
Create Date: 2026-12-03 10:54:40.649326
"""

from collections.abc import Sequence

from server.migrations.encrypted_columns import (
    replace_positions_with_point,
    restore_positions_from_point,
)

revision: str = "24db231faa95"
down_revision: str | None = "8c1d5e9f2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    replace_positions_with_point("technician_location", "id")


def downgrade() -> None:
    restore_positions_from_point("technician_location", "id")
