"""On-site change requests still waiting for an answer: how many, and for how much
(the order's use cases are orders/changes.py; the cap and finishing read these)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from server.core.uow import UnitOfWork
from server.pricing.models import (
    ChangeItem,
    ChangeRequest,
)

# --- on-site change requests ------------------------------------------------------------------


def pending_change_requests(uow: UnitOfWork, *, order_id: str) -> int:
    """Change requests awaiting an answer (from support or the customer); finishing waits."""
    session = uow.session
    return session.execute(
        select(func.count())
        .select_from(ChangeRequest)
        .where(
            ChangeRequest.order_id == order_id,
            col(ChangeRequest.status).in_(("awaiting_support", "awaiting_customer")),
        )
    ).scalar_one()


def pending_change_amount(uow: UnitOfWork, *, order_id: str) -> int:
    """Fen of the items still waiting for support's or the customer's answer."""
    session = uow.session
    total = session.execute(
        select(func.coalesce(func.sum(ChangeItem.amount), 0))
        .join(ChangeRequest, col(ChangeRequest.id) == col(ChangeItem.change_request_id))
        .where(
            ChangeItem.order_id == order_id,
            ChangeItem.status == "pending",
            col(ChangeRequest.status).in_(("awaiting_support", "awaiting_customer")),
        )
    ).scalar_one()
    return int(total or 0)
