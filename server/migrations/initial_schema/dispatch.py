"""Initial schema, dispatch: customers' blocks on technicians, dispatch decisions and offers."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "dispatch_customer_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "technician_id", name="uq_customer_block"),
    )
    with op.batch_alter_table("dispatch_customer_block", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_customer_block_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dispatch_customer_block_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "dispatch_decision",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "chosen_technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("considered", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispatch_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_decision_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dispatch_decision_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "dispatch_offer",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("decision_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("eta_s", sa.Float(), nullable=True),
        sa.Column("traffic_subsidy", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("responded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispatch_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_offer_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dispatch_offer_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_offer_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dispatch_offer_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_offer_technician_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_offer_status"))
        batch_op.drop_index(batch_op.f("ix_dispatch_offer_order_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_offer_expires_at"))

    op.drop_table("dispatch_offer")
    with op.batch_alter_table("dispatch_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_decision_order_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_decision_created_at"))

    op.drop_table("dispatch_decision")
    with op.batch_alter_table("dispatch_customer_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_customer_block_technician_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_customer_block_customer_id"))

    op.drop_table("dispatch_customer_block")
