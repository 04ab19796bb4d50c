"""initial schema

Revision ID: 552160ac3df0
Revises:
Create Date: 2026-11-22 03:21:30.973389

The tables are created by server/migrations/initial_schema/, one module per domain, called
in an order where every foreign key points to a table already created; the downgrade
calls them in the reverse order.
"""

from collections.abc import Sequence

from server.migrations.initial_schema import (
    auth,
    catalog,
    contact,
    dispatch,
    orders,
    payments,
    pricing,
    records,
    reviews,
    technicians,
)

revision: str = "552160ac3df0"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    auth.upgrade()
    records.upgrade()
    catalog.upgrade()
    technicians.upgrade()
    payments.upgrade()
    pricing.upgrade()
    orders.upgrade()
    dispatch.upgrade()
    contact.upgrade()
    reviews.upgrade()


def downgrade() -> None:
    reviews.downgrade()
    contact.downgrade()
    dispatch.downgrade()
    orders.downgrade()
    pricing.downgrade()
    payments.downgrade()
    technicians.downgrade()
    catalog.downgrade()
    records.downgrade()
    auth.downgrade()
