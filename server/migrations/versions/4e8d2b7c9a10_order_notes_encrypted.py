"""order notes encrypted at rest (door codes, phone numbers)

Revision ID: 4e8d2b7c9a10
Revises: 6a2c9e7b1f30
Create Date: 2026-12-03 08:30:00
"""

from collections.abc import Sequence

from server.migrations.encrypted_columns import move_through_cipher

revision: str = "4e8d2b7c9a10"
down_revision: str | None = "6a2c9e7b1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    move_through_cipher("service_order", "id", "notes", "notes_enc", "encrypt")


def downgrade() -> None:
    move_through_cipher("service_order", "id", "notes_enc", "notes", "decrypt")
