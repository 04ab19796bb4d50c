"""The open pool by push: an order entering the pool or leaving it is told to the
technicians whose pool lists it, so their pool screen changes as it happens instead of
at their next poll.

A reaction to order moves (wired in ``server.bootstrap``, in the move's transaction):
who sees the order is worked out with the transaction's facts (``dispatch.pool_viewers``,
empty unless dispatch runs in pool mode), and the message goes out after the commit,
like every feed message (``runtime.publish``).
"""

from __future__ import annotations

from server.core.events import Moved, Status
from server.core.uow import UnitOfWork
from server.dispatch import service as dispatch_service
from server.realtime.messages import POOL_ADDED, POOL_REMOVED, pool_message
from server.realtime.runtime import publish

WAITING = Status.PENDING_DISPATCH.value


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
    viewers = [
        tid for tid in dispatch_service.pool_viewers(uow, order=order) if tid != order.technician_id
    ]
    if viewers:
        publish(uow, pool_message(order.id, change, viewers))
