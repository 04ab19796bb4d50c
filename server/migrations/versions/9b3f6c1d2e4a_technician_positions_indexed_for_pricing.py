"""technician positions indexed, for the traffic subsidy's search near an address

Revision ID: 9b3f6c1d2e4a
Revises: 5d1e8a4c2b7f
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9b3f6c1d2e4a"
down_revision: str | None = "5d1e8a4c2b7f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_technician_profile_last_position",
        "technician_profile",
        ["last_lat", "last_lng"],
        unique=False,
    )
    op.create_index(
        "ix_technician_profile_area_center",
        "technician_profile",
        ["area_center_lat", "area_center_lng"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_technician_profile_area_center", table_name="technician_profile")
    op.drop_index("ix_technician_profile_last_position", table_name="technician_profile")
