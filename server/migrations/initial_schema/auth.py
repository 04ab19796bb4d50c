"""Initial schema, accounts and sign-in: the users (customers, technicians, staff), the guard
against password guessing and the risk flags raised on accounts."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("phone_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("phone_index", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone_index"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_role"), ["role"], unique=False)

    op.create_table(
        "login_guard",
        sa.Column("phone_index", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("phone_index"),
    )

    op.create_table(
        "risk_flag",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("risk_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_flag_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_flag_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_flag_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_flag_subject_id"))
        batch_op.drop_index(batch_op.f("ix_risk_flag_status"))
        batch_op.drop_index(batch_op.f("ix_risk_flag_kind"))

    op.drop_table("risk_flag")
    op.drop_table("login_guard")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_role"))

    op.drop_table("app_user")
