"""Initial schema, after the job: reviews, complaints, appeals, and the operations desk's alerts."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "appeal",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeal_target_id"), ["target_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_appeal_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "ops_alert",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("user_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("handled_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_alert_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ops_alert_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ops_alert_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ops_alert_user_id"), ["user_id"], unique=False)

    op.create_table(
        "complaint",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("text_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photo_file_ids", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("escrow_frozen", sa.Boolean(), nullable=False),
        sa.Column("technician_answer_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("penalty_void", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_complaint_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "review",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("author_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("response", sa.Integer(), nullable=True),
        sa.Column("skill", sa.Integer(), nullable=True),
        sa.Column("attitude", sa.Integer(), nullable=True),
        sa.Column("care", sa.Integer(), nullable=True),
        sa.Column("overall", sa.Float(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photo_file_ids", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "author_id", name="uq_review_author"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_subject_id"))
        batch_op.drop_index(batch_op.f("ix_review_order_id"))
        batch_op.drop_index(batch_op.f("ix_review_created_at"))
        batch_op.drop_index(batch_op.f("ix_review_author_id"))

    op.drop_table("review")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_technician_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_status"))
        batch_op.drop_index(batch_op.f("ix_complaint_order_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_customer_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_created_at"))

    op.drop_table("complaint")
    with op.batch_alter_table("ops_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_alert_user_id"))
        batch_op.drop_index(batch_op.f("ix_ops_alert_status"))
        batch_op.drop_index(batch_op.f("ix_ops_alert_order_id"))
        batch_op.drop_index(batch_op.f("ix_ops_alert_created_at"))

    op.drop_table("ops_alert")
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_technician_id"))
        batch_op.drop_index(batch_op.f("ix_appeal_target_id"))
        batch_op.drop_index(batch_op.f("ix_appeal_status"))

    op.drop_table("appeal")
