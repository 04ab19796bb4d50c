"""What suspending a technician does to the work he holds.

A suspended technician takes no new work (eligibility refuses him) and keeps none he has
not started: jobs he accepted go back to dispatch at once, so that someone else reaches
the customer on time; an offer waiting for his answer is withdrawn. A job already under
way (he is on the road, at the door or working) cannot simply change hands: it is
flagged ``technician_suspended`` for the operator, who calls the customer and decides.
"""

from __future__ import annotations

from pydantic import BaseModel

from server.auth.models import User
from server.core.uow import UnitOfWork
from server.dispatch.service import reassign
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, Status

ANOMALY = "technician_suspended"  # one of orders.models.STORED_ANOMALIES
UNDER_WAY = (Status.EN_ROUTE.value, Status.ARRIVED.value, Status.IN_SERVICE.value)


class SuspendedWork(BaseModel):
    """Where each of the technician's jobs went."""

    returned_to_dispatch: list[str] = []
    offers_withdrawn: list[str] = []
    flagged_for_operator: list[str] = []


def release_work(
    uow: UnitOfWork,
    *,
    operator: User,
    technician_id: str,
    reason: str,
) -> SuspendedWork:
    """Hand back the suspended technician's jobs (in the caller's transaction, checkpointed)."""
    session = uow.session
    work = SuspendedWork()
    why = f"technician suspended: {reason}".strip()
    held = order_queries.held_by(session, technician_id, (Status.ACCEPTED.value, *UNDER_WAY))
    for order in held:
        if order.status == Status.ACCEPTED.value:
            reassign(uow, user=operator, order_id=order.id, reason=why, platform_fault=False)
            work.returned_to_dispatch.append(order.id)
        else:
            orders_service.record(
                uow,
                order=order,
                event_type="order.technician_suspended",
                payload={"technician_id": technician_id, "reason": reason},
                actor_id=operator.id,
                actor_role=operator.role,
                changes={"anomaly": ANOMALY},
            )
            uow.keep()
            work.flagged_for_operator.append(order.id)
    offered = order_queries.offered_to(session, technician_id)
    for order in offered:
        # the offer itself is closed with this reason by dispatch's own listener
        orders_service.move(
            uow,
            order_id=order.id,
            action=Action.OFFER_TIMEOUT,
            actor=Actor(ActorKind.SYSTEM),
            reason=ANOMALY,
        )
        uow.keep()
        work.offers_withdrawn.append(order.id)
    return work
