"""The order's life: create from a quote, apply machine moves, record the timeline.

Every move is one transaction: a conditional update on ``version`` (optimistic
locking), the ``OrderEvent`` rows with gap-free sequence numbers, and the
in-transaction listeners of other domains (money, dispatch). Listeners after commit
push the change to live clients.

This module is the domain's face for the routes and the other domains; the use cases
live beside it: ``reading`` (who sees what), ``creating`` (booking, follow-ups),
``moves`` (the machine's moves and the timeline), ``field_work`` (the checklist and the
work order) and ``changes`` (on-site change requests).
"""

from server.orders.creating import create, create_follow_up, create_from_quote
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
    "create_follow_up",
    "create_from_quote",
    "device_time",
    "event_to_read",
    "events_after",
    "get",
    "get_for",
    "is_participant",
    "known_statuses",
    "list_for",
    "move",
    "record",
    "save_version",
    "to_read",
]
