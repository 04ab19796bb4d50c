"""The composition root: what reacts to what, wired once for every entry point.

Domains do not subscribe themselves on import (which made the reactions depend on which
modules a process happened to load, and in which order). ``wire()`` subscribes them here,
in the order they run: the risk watch and the coupons given back see the move first, the
offers are closed, the technician's counters move, a waiting request to move the visit is
withdrawn (the visit left ACCEPTED), then the money, then a finished redo settles its
complaint, a completed order may be drawn for a spot check and the technician's deposit
standing follows his finished and disputed orders, and an order entering or leaving the
open pool is told to the technicians whose pool lists it (pushed after the commit). After
commit: the live feed,
the dispatcher's wake-up, the metric.

Called by ``create_app`` (server and workers), the CLI, the simulation and the tests.
``jobs`` lists the background jobs (server/core/jobs.py) every job worker runs.
"""

from __future__ import annotations

from typing import Any

from server.core.events import order_events
from server.core.jobs import JobSpec
from server.dispatch import ports as dispatch_ports
from server.dispatch import service as dispatch_service
from server.files import filing
from server.files import ports as files_ports
from server.flows import notices
from server.notifications import deliver as notices_delivery
from server.notifications import ports as notifications_ports
from server.ops import cancel_watch, sos
from server.ops.replay import service as replays
from server.orders import ports as orders_ports
from server.orders import service as orders_service
from server.payments import service as payments_service
from server.pricing import ports as pricing_ports
from server.pricing import service as pricing_service
from server.privacy import service as privacy_service
from server.quality import service as quality_service
from server.realtime import service as realtime_service
from server.reviews import ports as reviews_ports
from server.reviews import ratings as reviews_ratings
from server.reviews import service as reviews_service
from server.technicians import expiry as certificate_expiry
from server.technicians import ports as technicians_ports
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
            orders_service.withdraw_delays_on_move,
            payments_service.money_on_move,
            reviews_service.on_redo_done,
            quality_service.on_order_move,
            notices.on_departed,
            dispatch_service.wake_dispatcher,
            realtime_service.push_pool_change,
        ],
        after_commit=[
            realtime_service.on_order_committed,
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
    technicians_ports.came_online.plug(dispatch_service.wake_near)
    dispatch_ports.left_to_pool.plug(realtime_service.push_left_to_pool)
    notifications_ports.live.plug(realtime_service.publish)
    dispatch_ports.deposit_capped.plug(quality_service.capped_technicians)
    reviews_ports.complaint_rate_changed.plug(quality_service.on_complaint_rate)
    dispatch_ports.customer_ratings.plug(
        lambda uow, ids, since: reviews_ratings.customer_ratings_since(uow.session, ids, since)
    )


def jobs(app: Any) -> list[JobSpec]:  # noqa: ANN401
    """Every background job, what it runs and how often (seconds): the same in the web
    server's in-process worker and in ``doorstep worker``."""
    state = app.state
    every_second = max(1, round(state.settings.background_interval_seconds))
    return [
        JobSpec(
            dispatch_service.ROUND_JOB,
            lambda partition: dispatch_service.round_job(state, partition=partition),
        ),
        JobSpec("dispatch.deadlines", lambda: dispatch_service.deadline_sweep(state), every_second),
        JobSpec("dispatch.sweep", lambda: dispatch_service.safety_sweep(state), 10),
        JobSpec(
            replays.REPLAY_JOB,
            lambda replay_id: replays.replay_job(state, replay_id=replay_id),
            retries=3,
        ),
        JobSpec(
            orders_service.DELAY_EXPIRY_JOB,
            lambda: orders_service.delay_expiry_sweep(state),
            orders_service.DELAY_EXPIRY_SECONDS,
        ),
        JobSpec("payments.auto_confirm", lambda: payments_service.auto_confirm_once(app), 10),
        JobSpec("payments.payouts", lambda: payments_service.scheduled_payouts_once(app), 30),
        JobSpec(filing.FILING_JOB, lambda: filing.file_due_async(app), filing.IDLE_SECONDS, True),
        JobSpec("ops.sos_escalation", lambda: sos.sweep_once(app), sos.SWEEP_SECONDS),
        JobSpec(
            "privacy.sweep", lambda: privacy_service.sweep_once(app), privacy_service.SWEEP_SECONDS
        ),
        JobSpec(
            "technicians.certificates",
            lambda: certificate_expiry.sweep_once(app),
            certificate_expiry.SWEEP_SECONDS,
        ),
        JobSpec(
            "reviews.quarterly_levels",
            lambda: reviews_service.quarterly_levels_once(app),
            reviews_service.LEVELS_SWEEP_SECONDS,
        ),
        JobSpec(notices.CHECK_JOB, lambda: notices.check_once(app), notices.CHECK_SECONDS),
        JobSpec(
            quality_service.REASSESS_JOB,
            lambda: quality_service.reassess_once(app),
            quality_service.REASSESS_SECONDS,
        ),
        JobSpec(
            notices_delivery.DELIVER_JOB,
            lambda: notices_delivery.deliver_once(app),
            notices_delivery.SWEEP_SECONDS,
        ),
        JobSpec(
            "realtime.location_retention",
            lambda: realtime_service.location_sweep_once(app),
            int(state.realtime.config.location_sweep_seconds),
        ),
    ]
