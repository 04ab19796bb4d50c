"""Dispatch decisions and their explanation: every placement attempt is recorded with
its candidates, rejections and the rules in force, the order's dispatch anomaly is set or
cleared for ops, and ``explain`` gives operators an order's decisions and offers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.core.clock import as_utc
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.dispatch import ports as dispatch_ports
from server.dispatch.eligibility import Rejection
from server.dispatch.models import (
    ORDER_ANOMALIES,
    DecisionOutcome,
    DecisionRead,
    DispatchDecisionRecord,
    DispatchOffer,
    OfferHistoryRead,
    OfferStatus,
    OrderDispatchRead,
)
from server.dispatch.scoring import CandidateScore
from server.dispatch.world import DispatchSettings
from server.orders import service as orders_service
from server.orders.models import Order
from server.rules.dispatch import DispatchRules


def offered_before(session: Session, order_id: str) -> list[DispatchOffer]:
    return list(
        session.exec(
            select(DispatchOffer)
            .where(DispatchOffer.order_id == order_id)
            .order_by(col(DispatchOffer.created_at))
        ).all()
    )


def not_again(
    offers: Sequence[DispatchOffer], now: datetime, rules: DispatchRules
) -> frozenset[str]:
    """Technicians not to offer this order to now: whoever declined it, holds a pending
    offer, or let an offer lapse recently (a missed offer is tried again later)."""
    cooldown = timedelta(minutes=rules.reoffer_after_minutes)
    out = set()
    for o in offers:
        if o.status == OfferStatus.EXPIRED.value and o.responded_at is not None:
            if now - as_utc(o.responded_at) >= cooldown:
                continue
        out.add(o.technician_id)
    return frozenset(out)


def last_decision(session: Session, order_id: str) -> DispatchDecisionRecord | None:
    return session.exec(
        select(DispatchDecisionRecord)
        .where(DispatchDecisionRecord.order_id == order_id)
        .order_by(
            col(DispatchDecisionRecord.created_at).desc(), col(DispatchDecisionRecord.id).desc()
        )
        .limit(1)
    ).first()


def left_in_pool(uow: UnitOfWork, order_id: str) -> bool:
    """Whether the offers left the order to the pool: its last decision found nobody to
    offer it to (in the pool and batch modes, nothing else puts a waiting order there)."""
    last = last_decision(uow.session, order_id)
    return last is not None and last.outcome in ORDER_ANOMALIES


def unplaced_recently(session: Session, order_id: str, now: datetime, rules: DispatchRules) -> bool:
    """Whether the order's last decision already says nobody could take it, recently
    enough (``unplaced_record_minutes``) that another such record would only repeat it."""
    last = last_decision(session, order_id)
    return (
        last is not None
        and last.outcome == DecisionOutcome.NO_CANDIDATE.value
        and now - as_utc(last.created_at) < timedelta(minutes=rules.unplaced_record_minutes)
    )


def _explain_rejections(rejected: dict[str, tuple[Rejection, ...]], limit: int) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for reasons in rejected.values():
        for r in reasons:
            counts[r.code.value] = counts.get(r.code.value, 0) + 1
    sample = {
        tid: [{"code": r.code.value, "message": r.message} for r in reasons]
        for tid, reasons in list(rejected.items())[:limit]
    }
    return {"counts": counts, "technicians": sample, "total": len(rejected)}


def record_decision(
    session: Session,
    *,
    order: Order,
    mode: str,
    outcome: DecisionOutcome,
    now: datetime,
    settings: DispatchSettings,
    ranked: Sequence[CandidateScore] = (),
    rejected: dict[str, tuple[Rejection, ...]] | None = None,
    considered: int = 0,
    chosen: str | None = None,
    names: dict[str, str] | None = None,
) -> DispatchDecisionRecord:
    top = []
    for c in list(ranked)[: settings.dispatch.explain_top_candidates]:
        row = c.as_dict()
        if names:
            row["name"] = names.get(c.technician_id, "")
        top.append(row)
    record = DispatchDecisionRecord(
        id=new_id("dsd"),
        order_id=order.id,
        mode=mode,
        outcome=outcome.value,
        chosen_technician_id=chosen,
        considered=considered,
        eligible=len(ranked),
        candidates=top,
        rejected=_explain_rejections(rejected or {}, settings.dispatch.explain_rejections),
        settings=settings.snapshot(),
        created_at=now,
    )
    session.add(record)
    return record


def flag(uow: UnitOfWork, order: Order, code: str | None, note: dict[str, Any]) -> None:
    """Set or clear the order's dispatch anomaly (ops sees it), once per change. An order
    flagged as one nobody could be offered waits in the pool for a technician to take it,
    and the ones who may are told; cleared, it is offered again and leaves their pool."""
    if order.anomaly == code:
        return
    left = code in ORDER_ANOMALIES
    if left != (order.anomaly in ORDER_ANOMALIES):
        dispatch_ports.left_to_pool.ask(uow, order, left)
    orders_service.record(
        uow,
        order=order,
        event_type="dispatch.unplaced" if code else "dispatch.placed",
        payload={"anomaly": code, **note},
        actor_id=None,
        actor_role="system",
        changes={"anomaly": code},
    )


def explain(uow: UnitOfWork, *, order_id: str) -> OrderDispatchRead:
    session = uow.session

    order = orders_service.get(uow, order_id=order_id)
    decisions = session.exec(
        select(DispatchDecisionRecord)
        .where(DispatchDecisionRecord.order_id == order_id)
        .order_by(col(DispatchDecisionRecord.created_at), col(DispatchDecisionRecord.id))
    ).all()
    offers = offered_before(session, order_id)
    return OrderDispatchRead(
        order_id=order.id,
        status=order.status,
        technician_id=order.technician_id,
        decisions=[
            DecisionRead(
                id=d.id,
                mode=d.mode,
                outcome=d.outcome,
                chosen_technician_id=d.chosen_technician_id,
                considered=d.considered,
                eligible=d.eligible,
                candidates=d.candidates,
                rejected=d.rejected,
                settings=d.settings,
                created_at=as_utc(d.created_at),
            )
            for d in decisions
        ],
        offers=[
            OfferHistoryRead(
                id=o.id,
                technician_id=o.technician_id,
                status=o.status,
                score=o.score,
                distance_m=o.distance_m,
                created_at=as_utc(o.created_at),
                expires_at=as_utc(o.expires_at),
                responded_at=as_utc(o.responded_at) if o.responded_at else None,
                reason=o.reason,
            )
            for o in offers
        ],
    )
