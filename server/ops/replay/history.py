"""A past period as the replay needs it: the orders that waited for a technician in it, what
became of each, the technicians as dispatch saw them at its start, where they reported
being, and how each answered offers.

The technicians' profiles, areas, weekly hours and levels are today's; their positions and
whether they were active come from the positions they reported then (none for half an
hour: not active), and a technician who never reported in the period counts with today's
online flag.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from statistics import median

from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.uow import UnitOfWork
from server.dispatch import history as dispatch_history
from server.dispatch.facts import TechnicianFacts
from server.dispatch.geo import LatLng, distance_m
from server.dispatch.world import DispatchSettings, job_facts, load_world
from server.ops.replay.rerun import (
    DEFAULT_RESPONDER,
    SEEN_WITHIN,
    Outcome,
    PastOrder,
    Responder,
    Whereabouts,
)
from server.orders import queries as order_queries
from server.realtime.models import TechnicianLocation

ACCEPTED = ("order.accepted", "order.claimed", "order.assigned")
ANSWER_HISTORY = timedelta(days=30)  # offers this far back tell how a technician answers
MIN_ANSWERS = 3  # fewer answers than this: the default responder


@dataclass(frozen=True)
class Period:
    orders: list[PastOrder]
    happened: list[Outcome]
    techs: dict[str, TechnicianFacts]
    levels: dict[str, str]
    whereabouts: Whereabouts
    responders: dict[str, Responder]


def load_period(
    uow: UnitOfWork, *, start: datetime, end: datetime, settings: DispatchSettings
) -> Period:
    session = uow.session
    paid = order_queries.paid_between(session, start, end)
    ids = [order.id for order, _ in paid]
    first: dict[tuple[str, str], datetime] = {
        (order_id, kind): as_utc(at)
        for order_id, kind, at, _n in order_queries.first_events(
            session, ids, [*ACCEPTED, "order.arrived"]
        )
    }
    # the past's whereabouts come from the location reports, not from today's presence
    world = load_world(
        uow, now=start, timezone=settings.policy.tz, settings=settings, presence=False
    )
    replayed = set(ids)
    techs = {
        tid: replace(t, busy=tuple(b for b in t.busy if b.order_id not in replayed))
        for tid, t in world.techs.items()
    }
    levels = {tid: t.stats.level.value for tid, t in techs.items()}
    distances = dispatch_history.accepted_distances(uow, ids)
    late = timedelta(minutes=settings.dispatch.late_tolerance_minutes)
    orders, happened = [], []
    for order, paid_at in paid:
        job = job_facts(uow, order=order)
        orders.append(PastOrder(order.id, order.district, job, as_utc(paid_at), order.total))
        accepted = [first[(order.id, k)] for k in ACCEPTED if (order.id, k) in first]
        tid = order.technician_id if accepted else None
        if tid is None:
            happened.append(Outcome(order.id, order.district, None, None, None, None, 0))
            continue
        metres = distances.get(order.id)
        home = techs[tid].home if tid in techs else None
        if metres is None and home is not None:
            metres = distance_m(home, job.location)
        arrived = first.get((order.id, "order.arrived"))
        happened.append(
            Outcome(
                order.id,
                order.district,
                tid,
                (min(accepted) - as_utc(paid_at)).total_seconds(),
                None if metres is None else metres / 1000.0,
                None if arrived is None else arrived <= job.start + late,
                settings.technician_pay(order.total, levels.get(tid)),
            )
        )
    return Period(
        orders=orders,
        happened=happened,
        techs=techs,
        levels=levels,
        whereabouts=_whereabouts(uow, list(techs), start - SEEN_WITHIN, end),
        responders=_with_lateness(_responders(uow, start - ANSWER_HISTORY, end), happened),
    )


def _whereabouts(
    uow: UnitOfWork, tech_ids: list[str], since: datetime, until: datetime
) -> Whereabouts:
    rows = uow.session.exec(
        select(TechnicianLocation)
        .where(col(TechnicianLocation.technician_id).in_(tech_ids))
        .where(col(TechnicianLocation.occurred_at) >= since)
        .where(col(TechnicianLocation.occurred_at) < until)
        .order_by(col(TechnicianLocation.occurred_at))
    ).all()
    points: dict[str, list[tuple[datetime, LatLng]]] = defaultdict(list)
    for row in rows:
        points[row.technician_id].append((as_utc(row.occurred_at), LatLng(*row.point(uow.cipher))))
    return Whereabouts(dict(points))


def _responders(uow: UnitOfWork, since: datetime, until: datetime) -> dict[str, Responder]:
    """Each technician's share of offers accepted and median time to answer."""
    answers: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for tid, status, seconds in dispatch_history.offer_answers(uow, since=since, until=until):
        answers[tid].append((status, seconds))
    out = {}
    for tid, given in answers.items():
        if len(given) < MIN_ANSWERS:
            continue
        accepted = sum(status == "accepted" for status, _ in given)
        times = [s for _, s in given if s is not None]
        out[tid] = Responder(
            accept_rate=accepted / len(given),
            response_s=median(times) if times else DEFAULT_RESPONDER.response_s,
        )
    return out


def _with_lateness(
    responders: dict[str, Responder], happened: list[Outcome]
) -> dict[str, Responder]:
    """Each technician's share of late arrivals among their visits of the period."""
    arrivals: dict[str, list[bool]] = defaultdict(list)
    for outcome in happened:
        if outcome.technician_id is not None and outcome.on_time is not None:
            arrivals[outcome.technician_id].append(not outcome.on_time)
    out = dict(responders)
    for tid, lates in arrivals.items():
        out[tid] = replace(out.get(tid, DEFAULT_RESPONDER), late_share=sum(lates) / len(lates))
    return out
