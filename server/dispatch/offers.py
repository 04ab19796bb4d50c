"""Offers: made to one technician at a time (``make_offer``), answered by them (accept,
decline), expired when their deadline passes, and closed whenever the order leaves
OFFERED. The technician's list of pending offers is read here too."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.auth.models import User
from server.core import presence
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, Gone, NotFound
from server.core.events import Moved
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.dispatch.common import banded_distance_m, eta_minutes, refusal, service_names
from server.dispatch.decisions import flag
from server.dispatch.eligibility import Rejection, RejectionCode, evaluate
from server.dispatch.models import (
    ORDER_ANOMALIES,
    DispatchDecisionRecord,
    DispatchOffer,
    OfferRead,
    OfferStatus,
    RoundRead,
)
from server.dispatch.scoring import CandidateScore
from server.dispatch.world import World, job_facts, load_settings, load_world
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import Order
from server.technicians import service as technicians_service

log = logging.getLogger("doorstep.dispatch")


CALENDAR_CODES = frozenset(
    {
        RejectionCode.NOT_VERIFIED,
        RejectionCode.SUSPENDED,
        RejectionCode.BLOCKED,
        RejectionCode.MISSING_SKILL,
        RejectionCode.MISSING_CERTIFICATE,
        RejectionCode.CERTIFICATE_EXPIRED,
        RejectionCode.SLOT_CONFLICT,
        RejectionCode.NO_TIME_FROM_PREVIOUS,
        RejectionCode.NO_TIME_TO_NEXT,
        RejectionCode.TIME_OFF,
        RejectionCode.DAILY_CAP_REACHED,
        RejectionCode.HANDED_BACK,
    }
)


def make_offer(
    uow: UnitOfWork,
    *,
    order: Order,
    candidate: CandidateScore,
    decision: DispatchDecisionRecord,
    world: World,
) -> DispatchOffer:
    """Create the offer and move the order to OFFERED, in the caller's transaction."""
    session = uow.session
    clock = uow.clock

    now = clock.now()
    expires = now + timedelta(seconds=world.settings.dispatch.offer_timeout_seconds)
    offer = DispatchOffer(
        id=new_id("dof"),
        order_id=order.id,
        technician_id=candidate.technician_id,
        decision_id=decision.id,
        status=OfferStatus.PENDING.value,
        score=round(candidate.score, 6),
        distance_m=round(candidate.distance_m, 1),
        eta_s=None if candidate.eta_s is None else round(candidate.eta_s, 1),
        traffic_subsidy=candidate.traffic_subsidy,
        created_at=now,
        expires_at=expires,
    )
    session.add(offer)
    session.flush()
    if order.anomaly in ORDER_ANOMALIES:
        flag(uow, order, None, {"offer_id": offer.id})
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.OFFER,
        actor=Actor(ActorKind.SYSTEM),
        technician_id=candidate.technician_id,
        extra={
            "offer_id": offer.id,
            "expires_at": expires.isoformat(),
            "distance_m": round(candidate.distance_m),
            "traffic_subsidy": candidate.traffic_subsidy,
        },
    )
    world.reserve(candidate.technician_id, order)
    return offer


def expire_offers(uow: UnitOfWork, *, report: RoundRead | None = None) -> int:
    """Every pending offer past its deadline: the order goes back to waiting."""
    session = uow.session
    clock = uow.clock

    now = clock.now()
    due = session.exec(
        select(DispatchOffer).where(
            DispatchOffer.status == OfferStatus.PENDING.value, DispatchOffer.expires_at <= now
        )
    ).all()
    expired = 0
    for offer in due:
        order = order_queries.find(session, offer.order_id)
        try:
            with uow.attempt():
                if (
                    order is not None
                    and order.status == Status.OFFERED.value
                    and order.offered_technician_id == offer.technician_id
                ):
                    orders_service.move(
                        uow,
                        order_id=order.id,
                        action=Action.OFFER_TIMEOUT,
                        actor=Actor(ActorKind.SYSTEM),
                        extra={"offer_id": offer.id},
                    )
                else:
                    offer.status = OfferStatus.WITHDRAWN.value
                    offer.responded_at = now
                    session.add(offer)
            expired += 1
        except AppError as exc:  # the technician answered at the same moment: theirs wins
            log.info("offer %s not expired: %s", offer.id, exc.code)
    if report is not None:
        report.expired += expired
    return expired


def _offer_read(
    offer: DispatchOffer, order: Order, names: tuple[str, str], pay: int, now: datetime
) -> OfferRead:
    expires = as_utc(offer.expires_at)
    return OfferRead(
        id=offer.id,
        offer_id=offer.id,
        order_id=order.id,
        status=offer.status,
        service_id=order.service_id,
        service_name_zh=names[0],
        service_name_en=names[1],
        district=order.district,
        scheduled_start=as_utc(order.scheduled_start),
        scheduled_end=as_utc(order.scheduled_end),
        distance_m=banded_distance_m(offer.distance_m),
        eta_minutes=eta_minutes(offer.eta_s),
        traffic_subsidy=offer.traffic_subsidy,
        total=order.total,
        technician_pay=pay,
        created_at=as_utc(offer.created_at),
        expires_at=expires,
        seconds_left=max(0, int((expires - now).total_seconds())),
    )


def _level_of(uow: UnitOfWork, technician_id: str) -> str | None:

    try:
        return technicians_service.get_profile(uow, user_id=technician_id).level
    except AppError:
        return None


def my_offers(uow: UnitOfWork, *, user: User, timezone: str) -> list[OfferRead]:
    """The technician's offers still open. His app asking for them (its poll, the
    fallback of the live feed) is a sign of life: offers keep reaching him."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    presence.mark_seen(uow, user.id, now)
    offers = session.exec(
        select(DispatchOffer)
        .where(
            DispatchOffer.technician_id == user.id,
            DispatchOffer.status == OfferStatus.PENDING.value,
            DispatchOffer.expires_at > now,
        )
        .order_by(col(DispatchOffer.expires_at))
    ).all()
    if not offers:
        return []
    settings = load_settings(uow, timezone=timezone)
    level = _level_of(uow, user.id)
    orders = order_queries.by_ids(session, [x.order_id for x in offers])
    names = service_names(uow, [o.service_id for o in orders.values()])
    return [
        _offer_read(
            x,
            orders[x.order_id],
            names[orders[x.order_id].service_id],
            settings.technician_pay(orders[x.order_id].total, level),
            now,
        )
        for x in offers
        if x.order_id in orders
    ]


def _own_offer(session: Session, user: User, offer_id: str) -> DispatchOffer:
    offer = session.get(DispatchOffer, offer_id)
    if offer is None or offer.technician_id != user.id:
        raise NotFound("offer not found", code="offer_not_found", details={"offer_id": offer_id})
    return offer


def _still_eligible(
    uow: UnitOfWork,
    *,
    technician_id: str,
    order: Order,
    timezone: str,
    codes: frozenset[RejectionCode],
) -> list[Rejection]:
    clock = uow.clock
    world = load_world(
        uow,
        now=clock.now(),
        timezone=timezone,
        ids=[technician_id],
        exclude_order_id=order.id,
        asking=technician_id,
    )
    tech = world.techs.get(technician_id)
    if tech is None:
        return [Rejection(RejectionCode.NOT_VERIFIED, "technician is not verified")]
    ev = evaluate(
        tech,
        job_facts(uow, order=order),
        now=clock.now(),
        travel=world.travel,
        policy=world.settings.policy,
    )
    return [r for r in ev.rejections if r.code in codes]


def accept_offer(
    uow: UnitOfWork,
    *,
    user: User,
    offer_id: str,
    timezone: str,
    occurred_at: datetime | None = None,
) -> Any:
    """The technician takes the offered order. Refused once the offer closed or expired,
    or when the technician's calendar no longer allows it (then the order moves on)."""
    session = uow.session
    clock = uow.clock

    offer = _own_offer(session, user, offer_id)
    now = clock.now()
    if offer.status != OfferStatus.PENDING.value:
        raise Conflict(
            f"this offer is already {offer.status}",
            code="offer_closed",
            details={"status": offer.status},
        )
    order = orders_service.get(uow, order_id=offer.order_id)
    if now >= as_utc(offer.expires_at):
        expire_offers(uow)
        uow.keep()  # the lapse stands although the acceptance is refused
        raise Gone(
            "the offer has expired",
            code="offer_expired",
            details={"expired_at": offer.expires_at.isoformat()},
        )
    reasons = _still_eligible(
        uow, technician_id=user.id, order=order, timezone=timezone, codes=CALENDAR_CODES
    )
    if reasons:
        orders_service.move(
            uow,
            order_id=order.id,
            action=Action.DECLINE,
            actor=Actor(ActorKind.TECHNICIAN, user.id),
            reason="no_longer_eligible",
            extra={"offer_id": offer.id},
        )
        uow.keep()
        raise refusal(reasons, "no_longer_eligible", "you can no longer take this order")
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.ACCEPT,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        occurred_at=occurred_at,
        extra={"offer_id": offer.id},
    )
    return orders_service.to_read(uow, order=order, user=user, now=clock.now())


def decline_offer(
    uow: UnitOfWork,
    *,
    user: User,
    offer_id: str,
    timezone: str,
    reason: str = "",
    occurred_at: datetime | None = None,
) -> OfferRead:
    """The technician passes; the dispatcher offers the order to the next candidate."""
    session = uow.session
    clock = uow.clock

    offer = _own_offer(session, user, offer_id)
    if offer.status != OfferStatus.PENDING.value:
        raise Conflict(
            f"this offer is already {offer.status}",
            code="offer_closed",
            details={"status": offer.status},
        )
    order = orders_service.get(uow, order_id=offer.order_id)
    orders_service.move(
        uow,
        order_id=order.id,
        action=Action.DECLINE,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        occurred_at=occurred_at,
        reason=reason or None,
        extra={"offer_id": offer.id},
    )
    uow.flush()
    session.refresh(offer)
    settings = load_settings(uow, timezone=timezone)
    names = service_names(uow, [order.service_id])[order.service_id]
    return _offer_read(
        offer,
        order,
        names,
        settings.technician_pay(order.total, _level_of(uow, user.id)),
        clock.now(),
    )


_OFFER_OUTCOME = {
    Action.ACCEPT.value: OfferStatus.ACCEPTED,
    Action.DECLINE.value: OfferStatus.DECLINED,
    Action.OFFER_TIMEOUT.value: OfferStatus.EXPIRED,
}


def close_offers_on_move(uow: UnitOfWork, moved: Moved) -> None:
    """Whatever moved an order out of OFFERED (an answer, a timeout, a cancellation),
    its pending offer is closed in the same transaction."""
    session = uow.session
    if moved.from_status != Status.OFFERED.value or moved.action == Action.OFFER.value:
        return
    status = _OFFER_OUTCOME.get(moved.action or "", OfferStatus.WITHDRAWN)
    when = moved.events[0].received_at if moved.events else None
    reason = str(moved.context.get("reason") or "")
    for offer in session.exec(
        select(DispatchOffer).where(
            DispatchOffer.order_id == moved.order.id,
            DispatchOffer.status == OfferStatus.PENDING.value,
        )
    ).all():
        offer.status = status.value
        offer.responded_at = when
        offer.reason = reason[:300]
        session.add(offer)
