"""Initial schema, technicians: profiles, certificates, time off, levels and the location trail."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "technician_certificate",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("technician_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_certificate_file_id"), ["file_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technician_certificate_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technician_certificate_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "technician_level_record",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("quarter", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("computed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("technician_id", "quarter", name="uq_level_quarter"),
    )
    with op.batch_alter_table("technician_level_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_level_record_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "technician_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_location_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technician_location_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            "ix_technician_location_tech_time", ["technician_id", "occurred_at"], unique=False
        )

    op.create_table(
        "technician_profile",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("gender", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("experience_years", sa.Integer(), nullable=False),
        sa.Column("bio", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photo_file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column(
            "verification_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        ),
        sa.Column("verification_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("online_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("area_center_lat", sa.Float(), nullable=True),
        sa.Column("area_center_lng", sa.Float(), nullable=True),
        sa.Column("area_radius_km", sa.Float(), nullable=True),
        sa.Column("area_polygon", sa.JSON(), nullable=True),
        sa.Column("max_distance_km", sa.Float(), nullable=True),
        sa.Column("travel_mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("weekly_availability", sa.JSON(), nullable=True),
        sa.Column("last_lat", sa.Float(), nullable=True),
        sa.Column("last_lng", sa.Float(), nullable=True),
        sa.Column("last_located_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("rating_avg", sa.Float(), nullable=True),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_dimensions", sa.JSON(), nullable=False),
        sa.Column("good_rate_30d", sa.Float(), nullable=True),
        sa.Column("reviews_30d", sa.Integer(), nullable=False),
        sa.Column("offers_received", sa.Integer(), nullable=False),
        sa.Column("offers_accepted", sa.Integer(), nullable=False),
        sa.Column("transfer_count", sa.Integer(), nullable=False),
        sa.Column("completed_orders", sa.Integer(), nullable=False),
        sa.Column("complaint_rate", sa.Float(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("technician_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technician_profile_online"), ["online"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_technician_profile_photo_file_id"), ["photo_file_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technician_profile_verification_status"),
            ["verification_status"],
            unique=False,
        )

    op.create_table(
        "technician_time_off",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("technician_time_off", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_time_off_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("technician_time_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_time_off_technician_id"))

    op.drop_table("technician_time_off")
    with op.batch_alter_table("technician_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_profile_verification_status"))
        batch_op.drop_index(batch_op.f("ix_technician_profile_photo_file_id"))
        batch_op.drop_index(batch_op.f("ix_technician_profile_online"))

    op.drop_table("technician_profile")
    with op.batch_alter_table("technician_location", schema=None) as batch_op:
        batch_op.drop_index("ix_technician_location_tech_time")
        batch_op.drop_index(batch_op.f("ix_technician_location_received_at"))
        batch_op.drop_index(batch_op.f("ix_technician_location_order_id"))

    op.drop_table("technician_location")
    with op.batch_alter_table("technician_level_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_level_record_technician_id"))

    op.drop_table("technician_level_record")
    with op.batch_alter_table("technician_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_certificate_technician_id"))
        batch_op.drop_index(batch_op.f("ix_technician_certificate_status"))
        batch_op.drop_index(batch_op.f("ix_technician_certificate_file_id"))

    op.drop_table("technician_certificate")
