"""Order transitions, told to the domains that react to them.

An order's move is the orders domain's business; what follows from it belongs to others
(money held or refunded, offers closed, coupons given back, the live feed pushed). Those
domains sit above orders or beside it, so orders cannot call them: it announces each
applied move on ``order_events``, and ``server.bootstrap`` subscribes the reactions, in
one visible order, for every entry point (server, CLI, simulation, tests).

``in_transaction`` listeners run inside the transaction of the move: if one raises,
nothing of the move is written. ``after_commit`` listeners run once the move is durable
(push to the live feed, wake the dispatcher); their failures are logged, never undo the
move. Questions orders asks of the domains above it are ports (``orders/ports.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.core.uow import UnitOfWork

log = logging.getLogger("doorstep.orders")


class Status(StrEnum):
    """The states an order moves between: the order machine's, and every listener's
    vocabulary (``Moved.from_status`` / ``to_status`` hold these values)."""

    PENDING_PAYMENT = "PENDING_PAYMENT"
    PENDING_DISPATCH = "PENDING_DISPATCH"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    EN_ROUTE = "EN_ROUTE"
    ARRIVED = "ARRIVED"
    IN_SERVICE = "IN_SERVICE"
    AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    DISPUTED = "DISPUTED"


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


InTransaction = Callable[[UnitOfWork, Moved], None]
AfterCommit = Callable[[Moved], None]


class OrderEvents:
    """The subscriptions to order moves; filled once by ``server.bootstrap.wire``."""

    def __init__(self) -> None:
        self._in_transaction: list[InTransaction] = []
        self._after_commit: list[AfterCommit] = []

    # --- wiring ----------------------------------------------------------------------
    def subscribe(
        self,
        *,
        in_transaction: list[InTransaction],
        after_commit: list[AfterCommit],
    ) -> None:
        """Replace every subscription at once (wiring twice gives the same result)."""
        self._in_transaction = list(in_transaction)
        self._after_commit = list(after_commit)

    # --- announcing ------------------------------------------------------------------
    def run_in_transaction(self, uow: UnitOfWork, moved: Moved) -> None:
        for listener in self._in_transaction:
            listener(uow, moved)

    def run_after_commit(self, uow: UnitOfWork, moved: Moved) -> None:
        """Once the move's unit of work has committed (never, if it does not)."""
        uow.after_commit(lambda: self._run_after_commit_now(moved))

    def _run_after_commit_now(self, moved: Moved) -> None:
        for listener in self._after_commit:
            try:
                listener(moved)
            except Exception:  # a push or wake-up failing must not undo a committed move
                log.exception("after-commit listener failed", extra={"order_id": moved.order.id})


order_events = OrderEvents()
