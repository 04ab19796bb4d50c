"""chat text encrypted at rest

Revision ID: 8c1d5e9f2a47
Revises: 70fd43a7d388
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

from server.migrations.encrypted_columns import move_through_cipher

revision: str = "8c1d5e9f2a47"
down_revision: str | None = "70fd43a7d388"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    move_through_cipher("chat_message", "id", "text", "text_enc", "encrypt")


def downgrade() -> None:
    move_through_cipher("chat_message", "id", "text_enc", "text", "decrypt")
