"""The open pool by push: an order entering the pool or leaving it is told to the
technicians whose pool lists it, so their pool screen changes as it happens instead of
at their next poll.

In pool mode every waiting order is in the pool. In the cascade and batch modes an
order is in it once the offers could not place it (flagged ``no_candidate`` or
``offer_limit``) until an offer goes out or it stops waiting. Both are reactions wired
in ``server.bootstrap`` and run in the transaction: to order moves, and to dispatch
leaving an order to the pool (``dispatch.ports.left_to_pool``). Who sees the order is
worked out with the transaction's facts (``dispatch.pool_viewers``), and the message
goes out after the commit, like every feed message (``runtime.publish``).
"""

from __future__ import annotations

from server.core.events import Moved, Status
from server.core.uow import UnitOfWork
from server.dispatch import service as dispatch_service
from server.orders.models import Order
from server.realtime.messages import POOL_ADDED, POOL_REMOVED, pool_message
from server.realtime.runtime import publish

WAITING = Status.PENDING_DISPATCH.value
OFFERED = Status.OFFERED.value


def pool_change(moved: Moved) -> str | None:
    """``added`` when the move put the order in the pool, ``removed`` when it took it
    out (claimed, assigned, cancelled), None otherwise."""
    if moved.to_status == WAITING and moved.from_status != WAITING:
        return POOL_ADDED
    if moved.from_status == WAITING and moved.to_status != WAITING:
        return POOL_REMOVED
    return None


def push_pool_change(uow: UnitOfWork, moved: Moved) -> None:
    """Tell the technicians whose pool lists the order (not the one who just took it:
    his own order's events tell him)."""
    change = pool_change(moved)
    if change is None:
        return
    order = moved.order
    left_there = (
        change == POOL_REMOVED
        and moved.to_status != OFFERED  # the offer said so already (``push_left_to_pool``)
        and dispatch_service.left_in_pool(uow, order.id)
    )
    _push(uow, order, change, any_mode=left_there)


def push_left_to_pool(uow: UnitOfWork, order: Order, left: bool) -> None:
    """Dispatch left a waiting order to the pool (``left``) or took it back for an offer."""
    _push(uow, order, POOL_ADDED if left else POOL_REMOVED, any_mode=True)


def _push(uow: UnitOfWork, order: Order, change: str, *, any_mode: bool) -> None:
    viewers = dispatch_service.pool_viewers(uow, order=order, any_mode=any_mode)
    viewers = [tid for tid in viewers if tid != order.technician_id]
    if viewers:
        publish(uow, pool_message(order.id, change, viewers))
