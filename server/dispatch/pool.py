"""Pool mode: technicians see the waiting orders they may take (district only, nearest
first) and claim one; exactly one claim wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.auth.models import Role, User
from server.core import presence
from server.core.clock import as_utc
from server.core.errors import Conflict
from server.core.uow import UnitOfWork
from server.dispatch.common import (
    banded_distance_m,
    eta_minutes,
    refusal,
    service_names,
    waiting_orders,
)
from server.dispatch.eligibility import Rejection, RejectionCode, evaluate
from server.dispatch.geo import LatLng
from server.dispatch.models import PoolItemRead
from server.dispatch.world import (
    area_holders,
    blocked_by,
    handed_back_by,
    job_facts,
    load_settings,
    load_world,
)
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import Order


def may_view_in_pool(uow: UnitOfWork, *, order, user: User) -> bool:  # noqa: ANN001
    """A technician sees a pooled order's card (district only) while it waits, unless
    they transferred that order away: it is no longer theirs to take."""
    if user.role != Role.technician.value or order.status != Status.PENDING_DISPATCH.value:
        return False
    return user.id not in handed_back_by(uow, [order.id]).get(order.id, frozenset())


def pool_viewers(uow: UnitOfWork, *, order: Order, any_mode: bool = False) -> list[str]:
    """In pool mode, the technicians whose pool lists ``order`` while it waits (as
    ``pool`` judges each of them): whom to tell when it enters the pool or leaves it.
    Only technicians online and present: nobody else has an app to tell. Empty in the
    other modes, where a waiting order is the dispatcher's to offer, unless ``any_mode``
    (an order the offers could not place, left to the pool)."""
    timezone = uow.settings.timezone
    settings = load_settings(uow, timezone=timezone)
    if settings.dispatch.mode != "pool" and not any_mode:
        return []
    holders = area_holders(uow, point=LatLng(order.lat, order.lng))
    if not holders:
        return []
    now = uow.clock.now()
    world = load_world(
        uow, now=now, timezone=timezone, settings=settings, ids=holders, exclude_order_id=order.id
    )
    job = job_facts(uow, order=order)
    viewers = []
    for tid, tech in sorted(world.techs.items()):
        ev = evaluate(
            tech, job, now=now, travel=world.travel, policy=settings.policy, exhaustive=False
        )
        if ev.eligible and ev.distance_m is not None:
            viewers.append(tid)
    return viewers


def pool(uow: UnitOfWork, *, user: User, timezone: str, limit: int = 50) -> list[PoolItemRead]:
    """Waiting orders this technician may claim, nearest first (district only). His app
    asking is a sign of life."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    presence.mark_seen(uow, user.id, now)
    orders = waiting_orders(session, now)
    if not orders:
        return []
    world = load_world(uow, now=now, timezone=timezone, ids=[user.id], asking=user.id)
    tech = world.techs.get(user.id)
    if tech is None:
        return []
    level = tech.stats.level.value
    blocked = blocked_by(session, [o.customer_id for o in orders])
    handed_back = handed_back_by(uow, [o.id for o in orders])
    names = service_names(uow, [o.service_id for o in orders])
    items = []
    for order in orders:
        if user.id in handed_back.get(order.id, frozenset()):
            continue  # they transferred it away: not theirs to take again
        job = job_facts(
            uow,
            order=order,
            blocked=blocked.get(order.customer_id, frozenset()),
            handed_back=handed_back.get(order.id, frozenset()),
        )
        ev = evaluate(
            tech, job, now=now, travel=world.travel, policy=world.settings.policy, exhaustive=False
        )
        if not ev.eligible or ev.distance_m is None:
            continue
        n = names[order.service_id]
        items.append(
            PoolItemRead(
                order_id=order.id,
                service_id=order.service_id,
                service_name_zh=n[0],
                service_name_en=n[1],
                district=order.district,
                scheduled_start=as_utc(order.scheduled_start),
                scheduled_end=as_utc(order.scheduled_end),
                distance_m=banded_distance_m(ev.distance_m),
                eta_minutes=eta_minutes(ev.eta_s),
                traffic_subsidy=ev.distance_m > world.settings.scoring.traffic_subsidy_over_m,
                total=order.total,
                technician_pay=world.settings.technician_pay(order.total, level),
                waiting_since=as_utc(order.updated_at),
            )
        )
    items.sort(key=lambda i: (i.distance_m, i.scheduled_start, i.order_id))
    return items[:limit]


def claim(
    uow: UnitOfWork,
    *,
    user: User,
    order_id: str,
    timezone: str,
    occurred_at: datetime | None = None,
) -> Any:
    """Grab a waiting order from the pool. Exactly one claim wins: the order's version
    check turns a second concurrent claim into 409 ``conflict``. The technician who
    transferred the order away may not take it back (409 ``order_transferred_by_you``)."""
    clock = uow.clock

    order = orders_service.get(uow, order_id=order_id)
    if order.status != Status.PENDING_DISPATCH.value:
        raise Conflict(
            "this order is no longer waiting for a technician",
            code="order_not_claimable",
            details={"status": order.status},
        )
    handed_back = handed_back_by(uow, [order.id]).get(order.id, frozenset())
    if user.id in handed_back:
        raise Conflict(
            "you transferred this order; it goes to another technician",
            code="order_transferred_by_you",
            details={"status": order.status},
        )
    world = load_world(
        uow,
        now=clock.now(),
        timezone=timezone,
        ids=[user.id],
        exclude_order_id=order.id,
        asking=user.id,
    )
    tech = world.techs.get(user.id)
    if tech is None:
        raise refusal(
            [Rejection(RejectionCode.NOT_VERIFIED, "technician is not verified")],
            "not_eligible",
            "you may not take this order",
        )
    ev = evaluate(
        tech,
        job_facts(uow, order=order, handed_back=handed_back),
        now=clock.now(),
        travel=world.travel,
        policy=world.settings.policy,
    )
    if ev.rejections:
        raise refusal(list(ev.rejections), "not_eligible", "you may not take this order")
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.CLAIM,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        occurred_at=occurred_at,
    )
    return orders_service.to_read(uow, order=order, user=user, now=clock.now())
