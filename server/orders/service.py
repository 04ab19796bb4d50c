"""The order's life: create from a quote, apply machine moves, record the timeline.

Every move is one transaction: a conditional update on ``version`` (optimistic
locking), the ``OrderEvent`` rows with gap-free sequence numbers, and the
in-transaction listeners of other domains (money, dispatch). Listeners after commit
push the change to live clients.

This module is the domain's face for the routes and the other domains; the use cases
live beside it: ``reading`` (who sees what), ``creating`` (booking, follow-ups),
``moves`` (the machine's moves and the timeline), ``field_work`` (the checklist and the
work order), ``changes`` (on-site change requests) and ``delays`` (moving a visit).
"""

from server.orders.creating import book_free_redo, create, create_follow_up, create_from_quote
from server.orders.delay_reads import proposed_windows
from server.orders.delays import EXPIRY_JOB as DELAY_EXPIRY_JOB
from server.orders.delays import EXPIRY_SECONDS as DELAY_EXPIRY_SECONDS
from server.orders.delays import expiry_sweep as delay_expiry_sweep
from server.orders.delays import withdraw_on_move as withdraw_delays_on_move
from server.orders.field_work import complete_sop_step, confirm_work_order
from server.orders.moves import (
    count_transition,
    device_time,
    move,
    record,
    save_version,
)
from server.orders.reading import (
    actor_for,
    address_visible,
    address_visible_to,
    amount_owed,
    count_by_status,
    counted_orders,
    event_to_read,
    events_after,
    get,
    get_for,
    is_participant,
    known_statuses,
    list_for,
    to_read,
)

__all__ = [
    "DELAY_EXPIRY_JOB",
    "DELAY_EXPIRY_SECONDS",
    "actor_for",
    "address_visible",
    "address_visible_to",
    "amount_owed",
    "complete_sop_step",
    "confirm_work_order",
    "count_by_status",
    "count_transition",
    "counted_orders",
    "create",
    "book_free_redo",
    "create_follow_up",
    "create_from_quote",
    "delay_expiry_sweep",
    "device_time",
    "event_to_read",
    "events_after",
    "get",
    "get_for",
    "is_participant",
    "known_statuses",
    "list_for",
    "move",
    "proposed_windows",
    "record",
    "save_version",
    "to_read",
    "withdraw_delays_on_move",
]
