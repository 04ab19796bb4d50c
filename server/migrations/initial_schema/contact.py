"""Initial schema, contact between customer and technician: chat messages, contact attempts and the
masked (virtual) phone numbers."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "chat_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("sender_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("masked_kinds", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_message_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_chat_message_thread", ["thread", "order_id", "customer_id", "id"], unique=False
        )

    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_attempt_user_id"), ["user_id"], unique=False)

    op.create_table(
        "virtual_number_binding",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("bound_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("unbound_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("virtual_number_binding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_virtual_number_binding_number"), ["number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_virtual_number_binding_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_virtual_number_binding_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("virtual_number_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_virtual_number_binding_status"))
        batch_op.drop_index(batch_op.f("ix_virtual_number_binding_order_id"))
        batch_op.drop_index(batch_op.f("ix_virtual_number_binding_number"))

    op.drop_table("virtual_number_binding")
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_attempt_user_id"))

    op.drop_table("contact_attempt")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_message_thread")
        batch_op.drop_index(batch_op.f("ix_chat_message_customer_id"))

    op.drop_table("chat_message")
