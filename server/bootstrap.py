"""The composition root: what reacts to what, wired once for every entry point.

Domains do not subscribe themselves on import (which made the reactions depend on which
modules a process happened to load, and in which order). ``wire()`` subscribes them here,
in the order they run: the risk watch and the coupons given back see the move first, the
offers are closed, the technician's counters move, then the money, then a finished redo
settles its complaint. After commit: the live feed, the dispatcher's wake-up, the metric.

Called by ``create_app`` (server and workers), the CLI, the simulation and the tests.
"""

from __future__ import annotations

from server.core.events import order_events
from server.dispatch import ports as dispatch_ports
from server.dispatch import service as dispatch_service
from server.files import ports as files_ports
from server.ops import cancel_watch
from server.orders import ports as orders_ports
from server.orders import service as orders_service
from server.payments import service as payments_service
from server.pricing import ports as pricing_ports
from server.pricing import service as pricing_service
from server.realtime import service as realtime_service
from server.reviews import ratings as reviews_ratings
from server.reviews import service as reviews_service
from server.technicians import service as technicians_service


def wire() -> None:
    """Subscribe every reaction to order moves and plug every port of the lower domains
    (idempotent: wiring twice is the same)."""
    order_events.subscribe(
        in_transaction=[
            cancel_watch.watch_cancels,
            pricing_service.promotions_on_move,
            dispatch_service.close_offers_on_move,
            technicians_service.count_order_moves,
            payments_service.money_on_move,
            reviews_service.on_redo_done,
        ],
        after_commit=[
            realtime_service.on_order_committed,
            dispatch_service.wake_dispatcher,
            orders_service.count_transition,
        ],
    )
    orders_ports.extras_paid.plug(
        lambda uow, order_id: payments_service.extras_paid(uow.session, order_id)
    )
    orders_ports.may_view_in_pool.plug(
        lambda uow, order, user: dispatch_service.may_view_in_pool(uow, order=order, user=user)
    )
    pricing_ports.counted_orders.plug(orders_service.counted_orders)
    pricing_ports.paid_amount.plug(
        lambda uow, order_id: payments_service.paid_amount(uow, order_id=order_id)
    )
    pricing_ports.nearest_technician.plug(
        lambda uow, lat, lng, service_id, within_m: dispatch_service.nearest_eligible_distance_m(
            uow, lat=lat, lng=lng, service_id=service_id, within_m=within_m
        )
    )
    files_ports.order_participant.plug(
        lambda uow, order_id, user: orders_service.is_participant(uow, order_id=order_id, user=user)
    )
    files_ports.order_visible.plug(
        lambda uow, order_id, user, now: orders_service.address_visible(
            uow, order_id=order_id, user=user, now=now
        )
    )
    files_ports.public_photo.plug(
        lambda uow, file_id: technicians_service.file_is_public(uow, file_id=file_id)
    )
    dispatch_ports.customer_ratings.plug(
        lambda uow, ids, since: reviews_ratings.customer_ratings_since(uow.session, ids, since)
    )
