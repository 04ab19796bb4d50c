"""Cancel bursts: many orders then cancels from one account in a short time open a
``cancel_burst`` risk flag, counted in the cancel's own transaction."""

from __future__ import annotations

from datetime import timedelta

from server.core.clock import as_utc
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.orders import queries as order_queries
from server.risk.service import flag
from server.rules import store as rules_store


def watch_cancels(uow: UnitOfWork, moved: Moved) -> None:
    """In the cancel's own transaction: count the customer's recent cancels."""
    session = uow.session
    if moved.action != "cancel" or moved.actor_role != "customer":
        return
    rules = rules_store.current_rules(uow).ops.risk
    order = moved.order
    now = as_utc(order.cancelled_at or order.updated_at)
    since = now - timedelta(minutes=rules.cancel_burst_window_minutes)
    count = order_queries.cancelled_since(session, order.customer_id, since)
    if count >= rules.cancel_burst_count:
        flag(
            uow,
            subject_id=order.customer_id,
            kind="cancel_burst",
            details={
                "cancels": count,
                "window_minutes": rules.cancel_burst_window_minutes,
                "last_order_id": order.id,
            },
        )
