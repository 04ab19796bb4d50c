"""Money: payments through providers, escrow, the split, cancellations, refunds,
payouts and invoices, all booked in the double-entry ledger.

This module is the payments domain's public face for other domains and the routes: it
only re-exports. The code lives in one module per use case, which import each other
directly and never this one:

- ``journal``: booking the ledger (``post``) and reading balances and entries;
- ``escrow``: what an order holds, its release (the split), freeze, refund, compensation;
- ``checkout``: opening payments, who may read them, the sandbox's approve page;
- ``webhooks``: providers' events and what a succeeded payment books;
- ``wallet``: a customer's stored value: top-ups, balance and history;
- ``cancellation``: the cancellation fee, quoted and taken;
- ``order_moves``: ``money_on_move`` and transfer compensation;
- ``auto_confirm``: confirming what the customer left unconfirmed;
- ``payouts``: payout batches, withdrawals and earnings;
- ``invoices``: invoices for completed orders;
- ``common``: helpers they share.

Order moves reach the domain through ``money_on_move`` (wired in ``server.bootstrap``),
inside the move's transaction: a succeeded payment and the order's PAYMENT_SUCCEEDED move commit
together, a confirmation and its split commit together, a cancellation and its fee and
refund commit together. Helpers never commit; the use-case functions of each module
do, once. The functions the complaints flow calls (``freeze_escrow``,
``unfreeze_escrow``, ``refund``, ``compensate_technician``) never commit: their caller
owns the transaction.
"""

from __future__ import annotations

from server.payments.auto_confirm import auto_confirm_once, run_auto_confirm
from server.payments.cancellation import cancellation_quote
from server.payments.checkout import (
    PAYMENT_READERS,
    create_card_payment,
    create_deposit_payment,
    create_payment,
    get_payment_for,
    list_for_order,
    own_payment,
    sandbox_settle,
    to_read,
)
from server.payments.escrow import (
    compensate_technician,
    escrow_state,
    extras_paid,
    freeze_escrow,
    held,
    paid_amount,
    refund,
    unfreeze_escrow,
)
from server.payments.invoices import create_invoice, get_invoice
from server.payments.journal import (
    account_lines,
    accounts_with_prefix,
    balance,
    balances,
    entries_for_order,
    locked_balance,
    post,
    trial_balance,
)
from server.payments.order_moves import money_on_move, transfer_compensation
from server.payments.payouts import (
    batch_lines,
    earnings,
    list_batches,
    payout_cutoff,
    request_withdrawal,
    run_payouts,
    run_scheduled_payouts,
    scheduled_cutoff,
    scheduled_payouts_once,
)
from server.payments.wallet import stored_value
from server.payments.wallet import top_up as wallet_top_up
from server.payments.webhooks import handle_webhook

__all__ = [
    "PAYMENT_READERS",
    "account_lines",
    "accounts_with_prefix",
    "auto_confirm_once",
    "balance",
    "balances",
    "batch_lines",
    "cancellation_quote",
    "compensate_technician",
    "create_card_payment",
    "create_deposit_payment",
    "create_invoice",
    "create_payment",
    "earnings",
    "entries_for_order",
    "escrow_state",
    "extras_paid",
    "freeze_escrow",
    "get_invoice",
    "get_payment_for",
    "handle_webhook",
    "held",
    "list_batches",
    "list_for_order",
    "locked_balance",
    "money_on_move",
    "own_payment",
    "paid_amount",
    "payout_cutoff",
    "scheduled_payouts_once",
    "post",
    "refund",
    "request_withdrawal",
    "run_auto_confirm",
    "run_payouts",
    "run_scheduled_payouts",
    "sandbox_settle",
    "scheduled_cutoff",
    "to_read",
    "transfer_compensation",
    "trial_balance",
    "stored_value",
    "unfreeze_escrow",
    "wallet_top_up",
]
