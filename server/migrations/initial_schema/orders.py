"""Initial schema, orders: the order itself, its event log, SOP progress and change requests (with
their items)."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "service_order",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "offered_technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column(
            "preferred_technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("quote_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("scheduled_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("scheduled_end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("address_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("extras_total", sa.Integer(), nullable=False),
        sa.Column("price_snapshot", sa.JSON(), nullable=False),
        sa.Column("work_order_confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("work_order_file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("anomaly", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("arrived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_order_anomaly"), ["anomaly"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_order_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_order_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_order_offered_technician_id"),
            ["offered_technician_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_service_order_scheduled_start"), ["scheduled_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_order_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_order_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_order_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "change_request",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("approved_total", sa.Integer(), nullable=False),
        sa.Column("support_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("support_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_request_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_request_status"), ["status"], unique=False)

    op.create_table(
        "order_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "seq", name="uq_order_event_seq"),
    )
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_event_order_id"), ["order_id"], unique=False)

    op.create_table(
        "sop_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("photo_file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "step_no", name="uq_sop_step"),
    )
    with op.batch_alter_table("sop_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sop_progress_order_id"), ["order_id"], unique=False)

    op.create_table(
        "change_item",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("change_request_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("photo_file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_request_id"],
            ["change_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_item_change_request_id"), ["change_request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_item_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_item_order_id"))
        batch_op.drop_index(batch_op.f("ix_change_item_change_request_id"))

    op.drop_table("change_item")
    with op.batch_alter_table("sop_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sop_progress_order_id"))

    op.drop_table("sop_progress")
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_event_order_id"))

    op.drop_table("order_event")
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_request_status"))
        batch_op.drop_index(batch_op.f("ix_change_request_order_id"))

    op.drop_table("change_request")
    with op.batch_alter_table("service_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_order_technician_id"))
        batch_op.drop_index(batch_op.f("ix_service_order_status"))
        batch_op.drop_index(batch_op.f("ix_service_order_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_order_scheduled_start"))
        batch_op.drop_index(batch_op.f("ix_service_order_offered_technician_id"))
        batch_op.drop_index(batch_op.f("ix_service_order_customer_id"))
        batch_op.drop_index(batch_op.f("ix_service_order_created_at"))
        batch_op.drop_index(batch_op.f("ix_service_order_anomaly"))

    op.drop_table("service_order")
