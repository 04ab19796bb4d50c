"""SOS positions and notes encrypted at rest

Revision ID: f4602fd523b5
Revises: 4ff7e57f3071
Create Date: 2026-12-03 11:50:00
"""

from collections.abc import Sequence

from server.migrations.encrypted_columns import (
    move_through_cipher,
    replace_positions_with_point,
    restore_positions_from_point,
)

revision: str = "f4602fd523b5"
down_revision: str | None = "4ff7e57f3071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    replace_positions_with_point("ops_alert", "id")
    move_through_cipher("ops_alert", "id", "note", "note_enc", "encrypt")


def downgrade() -> None:
    move_through_cipher("ops_alert", "id", "note_enc", "note", "decrypt")
    restore_positions_from_point("ops_alert", "id")
