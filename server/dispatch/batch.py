"""Batch mode: all waiting orders are matched to technicians at once (optimal
assignment over the round's scores), and each match becomes an offer."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from server.core.errors import AppError
from server.core.uow import UnitOfWork
from server.dispatch import engine
from server.dispatch.assignment import assign_optimal
from server.dispatch.decisions import (
    flag,
    not_again,
    offered_before,
    record_decision,
    unplaced_recently,
)
from server.dispatch.facts import JobFacts
from server.dispatch.models import DecisionOutcome, RoundRead
from server.dispatch.offers import make_offer
from server.dispatch.world import World, blocked_by, handed_back_by, job_facts
from server.orders.models import Order

log = logging.getLogger("doorstep.dispatch")


def place_batch(
    uow: UnitOfWork, *, orders: Sequence[Order], world: World, report: RoundRead
) -> None:
    """Batch step: match all waiting orders to technicians at once, offer the matches."""
    session = uow.session
    clock = uow.clock
    s = world.settings
    now = clock.now()
    blocked = blocked_by(session, [o.customer_id for o in orders])
    handed_back = handed_back_by(uow, [o.id for o in orders])
    live: list[Order] = []
    jobs: list[JobFacts] = []
    tried: list[set[str]] = []
    for order in orders:
        before = offered_before(session, order.id)
        if len(before) >= s.dispatch.max_offers_per_order:
            report.offer_limit += 1
            continue
        live.append(order)
        jobs.append(
            job_facts(
                uow,
                order=order,
                blocked=blocked.get(order.customer_id, frozenset()),
                handed_back=handed_back.get(order.id, frozenset()),
            )
        )
        tried.append(set(not_again(before, now, s.dispatch)))
    if not live:
        return
    matrix = engine.batch_matrix(
        jobs,
        world.techs,
        now=now,
        travel=world.travel,
        index=world.index,
        radius_m=s.dispatch.search_radius_km * 1000.0,
        weights=s.dispatch.weights,
        scoring=s.scoring,
        policy=s.policy,
        columns=world.columns,
    )
    col_of = {tid: k for k, tid in enumerate(matrix.technician_ids)}
    feasible = matrix.feasible.copy()
    for j, done in enumerate(tried):
        for tid in done:
            if tid in col_of:
                feasible[j, col_of[tid]] = False
    result = assign_optimal(matrix.scores, feasible)
    chosen = dict(result.pairs)
    for j, order in enumerate(live):
        row = matrix.row(j, feasible)
        if j not in chosen:
            if row:
                continue  # had candidates, all taken by better matches: next batch
            report.no_candidate += 1
            if unplaced_recently(session, order.id, now, s.dispatch):
                continue
            record_decision(
                session,
                order=order,
                mode="batch",
                outcome=DecisionOutcome.NO_CANDIDATE,
                now=now,
                settings=s,
            )
            flag(uow, order, DecisionOutcome.NO_CANDIDATE.value, {"mode": "batch"})
            uow.keep()
            continue
        pick = matrix.details[(j, chosen[j])]
        try:
            with uow.attempt():
                record = record_decision(
                    session,
                    order=order,
                    mode="batch",
                    outcome=DecisionOutcome.OFFERED,
                    now=now,
                    settings=s,
                    ranked=row,
                    chosen=pick.technician_id,
                    names=world.names,
                )
                make_offer(uow, order=order, candidate=pick, decision=record, world=world)
            report.offered += 1
            report.order_ids.append(order.id)
        except AppError as exc:
            report.errors += 1
            log.info("batch offer for %s skipped: %s", order.id, exc.code)
