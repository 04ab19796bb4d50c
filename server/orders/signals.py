"""Listeners other domains attach to order transitions.

``in_transaction`` listeners run inside the transaction of the move (money held,
refunds booked, offers closed): if one raises, nothing of the move is written.
``after_commit`` listeners run once the move is durable (push to the live feed, wake
the dispatcher); their failures are logged, never undo the move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from server.core import uow

log = logging.getLogger("doorstep.orders")


@dataclass
class Moved:
    """What a listener learns of an applied move."""

    order: Any  # server.orders.models.Order, after the move
    action: str | None  # machine Action value, None for non-transition events
    from_status: str
    to_status: str
    events: list[Any] = field(default_factory=list)  # OrderEvent rows written
    actor_id: str | None = None
    actor_role: str = "system"
    context: dict[str, Any] = field(default_factory=dict)


InTransaction = Callable[[Session, Moved], None]
AfterCommit = Callable[[Moved], None]

_in_transaction: list[InTransaction] = []
_after_commit: list[AfterCommit] = []


def on_transition(listener: InTransaction) -> InTransaction:
    if listener not in _in_transaction:
        _in_transaction.append(listener)
    return listener


def after_commit(listener: AfterCommit) -> AfterCommit:
    if listener not in _after_commit:
        _after_commit.append(listener)
    return listener


def run_in_transaction(session: Session, moved: Moved) -> None:
    for listener in list(_in_transaction):
        listener(session, moved)


def run_after_commit(moved: Moved) -> None:
    """Once the transaction is durable: at once when the caller committed it itself (a
    background job), else when the request's unit of work commits."""
    uow.after_commit(lambda: _run_after_commit_now(moved))


def _run_after_commit_now(moved: Moved) -> None:
    for listener in list(_after_commit):
        try:
            listener(moved)
        except Exception:  # a push or wake-up failing must not undo a committed move
            log.exception("after-commit listener failed", extra={"order_id": moved.order.id})


# --- what other domains tell orders when asked ------------------------------------------------
ExtrasPaid = Callable[[Session, str], int]
_extras_paid: list[ExtrasPaid] = []


def reads_extras_paid(reader: ExtrasPaid) -> ExtrasPaid:
    """Payments tells how much of an order's approved extras was paid (orders keeps no
    money of its own: the escrow is the one record)."""
    _extras_paid[:] = [reader]
    return reader


def extras_paid(session: Session, order_id: str) -> int:
    if not _extras_paid:
        raise RuntimeError("no reader of paid extras registered (server.payments not loaded)")
    return _extras_paid[0](session, order_id)
