"""Cascade mode: each waiting order is offered to its best untried candidate, one
technician at a time; a decline or timeout sends it to the next."""

from __future__ import annotations

from server.core.uow import UnitOfWork
from server.dispatch import engine
from server.dispatch.decisions import (
    flag,
    last_decision,
    not_again,
    offered_before,
    record_decision,
    unplaced_recently,
)
from server.dispatch.models import DecisionOutcome, DispatchDecisionRecord, RoundRead
from server.dispatch.offers import make_offer
from server.dispatch.world import World, job_facts
from server.orders.models import Order


def place_order(
    uow: UnitOfWork,
    *,
    order: Order,
    world: World,
    report: RoundRead,
    within_reach: frozenset[str] | None = None,
) -> DispatchDecisionRecord | None:
    """Cascade step for one waiting order: offer it to the best untried candidate.

    ``within_reach`` (from ``reachable``) limits the decision to the technicians who could
    serve this address, so what it records does not depend on which other orders brought
    technicians into the round's world.
    """
    session = uow.session
    clock = uow.clock
    s = world.settings
    now = clock.now()
    tried = offered_before(session, order.id)
    if len(tried) >= s.dispatch.max_offers_per_order:
        report.offer_limit += 1
        last = last_decision(session, order.id)
        if last is not None and last.outcome == DecisionOutcome.OFFER_LIMIT.value:
            return None
        record = record_decision(
            session,
            order=order,
            mode="cascade",
            outcome=DecisionOutcome.OFFER_LIMIT,
            now=now,
            settings=s,
        )
        flag(uow, order, DecisionOutcome.OFFER_LIMIT.value, {"offers": len(tried)})
        uow.keep()
        return record
    job = job_facts(uow, order=order)
    decision = engine.decide(
        job,
        world.techs,
        now=now,
        travel=world.travel,
        index=world.index,
        radius_m=s.dispatch.search_radius_km * 1000.0,
        weights=s.dispatch.weights,
        scoring=s.scoring,
        policy=s.policy,
        exclude=not_again(tried, now, s.dispatch),
        columns=world.arrays_if_worth(),
        within=within_reach,
    )
    ranked = list(decision.ranked)
    preferred = order.preferred_technician_id
    if s.dispatch.honour_preferred_technician and preferred:
        first = next((c for c in ranked if c.technician_id == preferred), None)
        if first is not None:
            ranked.remove(first)
            ranked.insert(0, first)
    if not ranked:
        report.no_candidate += 1
        if unplaced_recently(session, order.id, now, s.dispatch):
            uow.undo()
            return None
        record = record_decision(
            session,
            order=order,
            mode="cascade",
            outcome=DecisionOutcome.NO_CANDIDATE,
            now=now,
            settings=s,
            rejected=dict(decision.rejected),
            considered=decision.prefiltered,
        )
        flag(uow, order, DecisionOutcome.NO_CANDIDATE.value, {"considered": decision.prefiltered})
        uow.keep()
        return record
    best = ranked[0]
    record = record_decision(
        session,
        order=order,
        mode="cascade",
        outcome=DecisionOutcome.OFFERED,
        now=now,
        settings=s,
        ranked=ranked,
        rejected=dict(decision.rejected),
        considered=decision.prefiltered,
        chosen=best.technician_id,
        names=world.names,
    )
    make_offer(uow, order=order, candidate=best, decision=record, world=world)
    uow.keep()
    report.offered += 1
    return record
