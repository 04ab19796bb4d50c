"""Initial schema, money: escrow, payments, refunds, invoices, the double-entry journal, the
sandbox provider's charges and webhooks, payouts and withdrawals."""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


def upgrade() -> None:
    op.create_table(
        "escrow",
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("extras_paid", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("frozen_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("frozen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("clawed_back", sa.Integer(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("technician_share", sa.Integer(), nullable=False),
        sa.Column("platform_share", sa.Integer(), nullable=False),
        sa.Column("cancellation_fee", sa.Integer(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("awaiting_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )
    with op.batch_alter_table("escrow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escrow_awaiting_since"), ["awaiting_since"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escrow_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escrow_frozen"), ["frozen"], unique=False)
        batch_op.create_index(batch_op.f("ix_escrow_state"), ["state"], unique=False)

    op.create_table(
        "invoice",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("tax_id", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax_amount", sa.Integer(), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("order_id"),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "journal_entry",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("memo", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reverses_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_entry_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_entry_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entry_order_id"), ["order_id"], unique=False)

    op.create_table(
        "ledger_account",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("normal", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )

    op.create_table(
        "payout_batch",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("cutoff", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("lines_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "refund",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("payment_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refund_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "sandbox_charge",
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("payment_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
    )
    with op.batch_alter_table("sandbox_charge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sandbox_charge_payment_id"), ["payment_id"], unique=False
        )

    op.create_table(
        "webhook_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("payment_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "event_id", name="uq_webhook_event"),
    )

    op.create_table(
        "withdrawal",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("bank_account_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "bank_account_masked", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False
        ),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_withdrawal_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "journal_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_line_account"), ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_journal_line_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_line_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_line_order_id"), ["order_id"], unique=False)

    op.create_table(
        "payment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("card_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("checkout", sa.JSON(), nullable=False),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("succeeded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_provider_ref"), ["provider_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_status"), ["status"], unique=False)

    op.create_table(
        "payout_line",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["payout_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "technician_id", name="uq_payout_line"),
    )
    with op.batch_alter_table("payout_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_line_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payout_line_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payout_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_line_technician_id"))
        batch_op.drop_index(batch_op.f("ix_payout_line_batch_id"))

    op.drop_table("payout_line")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_status"))
        batch_op.drop_index(batch_op.f("ix_payment_provider_ref"))
        batch_op.drop_index(batch_op.f("ix_payment_order_id"))
        batch_op.drop_index(batch_op.f("ix_payment_customer_id"))

    op.drop_table("payment")
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_line_order_id"))
        batch_op.drop_index(batch_op.f("ix_journal_line_entry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_line_created_at"))
        batch_op.drop_index(batch_op.f("ix_journal_line_account"))

    op.drop_table("journal_line")
    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_technician_id"))

    op.drop_table("withdrawal")
    op.drop_table("webhook_event")
    with op.batch_alter_table("sandbox_charge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_charge_payment_id"))

    op.drop_table("sandbox_charge")
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_payment_id"))
        batch_op.drop_index(batch_op.f("ix_refund_order_id"))

    op.drop_table("refund")
    op.drop_table("payout_batch")
    op.drop_table("ledger_account")
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entry_order_id"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_kind"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_created_at"))

    op.drop_table("journal_entry")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_customer_id"))

    op.drop_table("invoice")
    with op.batch_alter_table("escrow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_state"))
        batch_op.drop_index(batch_op.f("ix_escrow_frozen"))
        batch_op.drop_index(batch_op.f("ix_escrow_customer_id"))
        batch_op.drop_index(batch_op.f("ix_escrow_awaiting_since"))

    op.drop_table("escrow")
