"""A simulated day's figures: what the database says happened to the day's orders and
offers, with what the run saw on the road (arrivals, lateness, kilometres)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from server.core.clock import as_utc
from server.dispatch.models import (
    DecisionOutcome,
    DispatchDecisionRecord,
    DispatchOffer,
    OfferStatus,
)
from server.dispatch.service import DispatchSettings
from server.ops.stats import gini
from server.orders.models import Order
from simulation.stats import quantiles, spread
from simulation.world import Booking, Itinerary, SimConfig


@dataclass
class SimReport:
    config: dict[str, Any]
    technicians_online: int
    orders: int = 0
    asap_orders: int = 0
    accepted: int = 0  # served: a technician took it (offer or claim)
    unserved: int = 0
    waiting_at_end: int = 0  # waiting or offered when dispatch stopped
    flagged: int = 0  # unserved, flagged to operators (no candidate, offer limit) on the way
    cancelled: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)  # orders by final status
    jobs_done: int = 0  # served jobs the technicians drove to and did
    claims: int = 0  # served from the open pool
    offers: int = 0
    offers_accepted: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    offer_timeout_share: float = 0.0
    offers_per_accepted_order: float = 0.0
    rounds: int = 0
    batch_rounds: int = 0
    served_rate: float = 0.0
    time_to_accept_s: dict[str, float] = field(default_factory=dict)  # paid -> accepted
    offer_km: dict[str, float] = field(default_factory=dict)  # dispatch's distance, accepted offers
    asap_eta_min: dict[str, float] = field(default_factory=dict)  # ASAP: booked -> arrived
    travel_min: dict[str, float] = field(default_factory=dict)  # every served job
    late_min: dict[str, float] = field(default_factory=dict)  # late arrivals only
    km_per_job: float = 0.0  # driven, road distance
    on_time_share: float = 0.0  # arrived by the booked start
    asap_on_time_share: float = 0.0
    jobs_per_technician: dict[str, float] = field(default_factory=dict)
    earnings_yuan: dict[str, float | None] = field(default_factory=dict)  # technician pay
    bookings_by_hour: dict[str, int] = field(default_factory=dict)  # local hour
    round_ms: dict[str, float] = field(default_factory=dict)  # wall clock: rounds that placed
    wall_seconds: float = 0.0
    errors: int = 0


class RunFacts(Protocol):
    """What a finished run kept besides the database (``simulation.city``'s run)."""

    engine: Any
    config: SimConfig
    tz: ZoneInfo
    rules: DispatchSettings
    online: list[Any]  # the technicians online at the start
    level: dict[str, Any]  # technician id -> level
    trips: dict[str, Itinerary]  # technician id -> the day driven
    bookings: list[Booking]
    booking_of: dict[str, Booking]  # order id -> booking
    paid_at: dict[str, datetime]  # order id -> when it was paid
    round_ms: list[float]
    rounds: int
    batch_rounds: int
    claims: int
    errors: int


def build_report(run: RunFacts, wall_seconds: float) -> SimReport:
    """The figures of a finished run."""
    config = run.config
    ids = list(run.paid_at)
    with Session(run.engine, expire_on_commit=False) as session:
        orders = list(session.exec(select(Order).where(col(Order.id).in_(ids))).all())
        offers = list(
            session.exec(select(DispatchOffer).where(col(DispatchOffer.order_id).in_(ids))).all()
        )
        flagged = set(
            session.exec(
                select(DispatchDecisionRecord.order_id).where(
                    col(DispatchDecisionRecord.order_id).in_(ids),
                    col(DispatchDecisionRecord.outcome).in_(
                        [DecisionOutcome.NO_CANDIDATE.value, DecisionOutcome.OFFER_LIMIT.value]
                    ),
                )
            ).all()
        )
    r = SimReport(
        config={
            **asdict(config),
            "start": config.start.isoformat(),
            "start_local": config.start.astimezone(run.tz).isoformat(),
            "demand_by_hour": list(config.demand_by_hour),
        },
        technicians_online=len(run.online),
    )
    r.orders = len(orders)
    r.asap_orders = sum(1 for o in orders if run.booking_of[o.id].asap)
    by_status: dict[str, int] = {}
    for o in offers:
        by_status[o.status] = by_status.get(o.status, 0) + 1
    r.offers = len(offers)
    r.offers_accepted = by_status.get(OfferStatus.ACCEPTED.value, 0)
    r.offers_declined = by_status.get(OfferStatus.DECLINED.value, 0)
    r.offers_expired = by_status.get(OfferStatus.EXPIRED.value, 0)
    r.offer_timeout_share = round(r.offers_expired / r.offers, 3) if r.offers else 0.0
    accepted = [o for o in orders if o.accepted_at is not None and o.technician_id]
    r.accepted = len(accepted)
    r.unserved = r.orders - r.accepted
    r.waiting_at_end = sum(1 for o in orders if o.status in ("PENDING_DISPATCH", "OFFERED"))
    r.cancelled = sum(1 for o in orders if o.status == "CANCELLED")
    for o in orders:
        r.status_counts[o.status] = r.status_counts.get(o.status, 0) + 1
    r.flagged = sum(1 for o in orders if o.accepted_at is None and o.id in flagged)
    r.claims = run.claims
    r.rounds, r.batch_rounds, r.errors = run.rounds, run.batch_rounds, run.errors
    r.served_rate = round(r.accepted / r.orders, 3) if r.orders else 0.0
    r.time_to_accept_s = quantiles(
        [(as_utc(o.accepted_at) - run.paid_at[o.id]).total_seconds() for o in accepted]
    )
    per_order: dict[str, int] = {}
    for o in offers:
        per_order[o.order_id] = per_order.get(o.order_id, 0) + 1
    if accepted:
        r.offers_per_accepted_order = round(
            statistics.mean(per_order.get(o.id, 0) for o in accepted), 2
        )
    won = [o for o in offers if o.status == OfferStatus.ACCEPTED.value]
    r.offer_km = quantiles([o.distance_m / 1000 for o in won], digits=2)

    visits = [v for trip in run.trips.values() for v in trip.visits]
    r.jobs_done = len(visits)
    asap = [v for v in visits if v.job.asap]
    r.asap_eta_min = quantiles([(v.arrive - v.job.booked_at).total_seconds() / 60 for v in asap])
    r.travel_min = quantiles([v.travel_s / 60 for v in visits])
    r.late_min = quantiles([v.late_s / 60 for v in visits if v.late_s > 0])
    r.km_per_job = round(statistics.mean(v.km for v in visits), 2) if visits else 0.0
    r.on_time_share = (
        round(sum(1 for v in visits if v.late_s == 0) / len(visits), 3) if visits else 0.0
    )
    r.asap_on_time_share = (
        round(sum(1 for v in asap if v.late_s == 0) / len(asap), 3) if asap else 0.0
    )
    jobs = {t.id: 0 for t in run.online}
    pay = {t.id: 0 for t in run.online}
    for o in accepted:
        if o.technician_id in jobs:
            jobs[o.technician_id] += 1
            pay[o.technician_id] += run.rules.technician_pay(
                o.total, run.level.get(o.technician_id)
            )
    counts = list(jobs.values())
    r.jobs_per_technician = {
        "mean": round(statistics.mean(counts), 2),
        "max": max(counts),
        "idle_technicians": sum(1 for c in counts if c == 0),
        "gini": gini([float(c) for c in counts]),
    }
    r.earnings_yuan = spread([v / 100 for v in pay.values()])
    hours: dict[str, int] = {}
    for b in run.bookings:
        h = f"{b.at.astimezone(run.tz).hour:02d}"
        hours[h] = hours.get(h, 0) + 1
    r.bookings_by_hour = dict(sorted(hours.items()))
    r.round_ms = quantiles(run.round_ms)
    r.wall_seconds = round(wall_seconds, 1)
    return r


def summary_lines(report: SimReport) -> list[str]:
    tta = report.time_to_accept_s
    eta = report.asap_eta_min
    trip = report.travel_min
    pay = report.earnings_yuan
    return [
        f"orders {report.orders} ({report.asap_orders} ASAP): served {report.accepted} "
        f"({report.served_rate:.0%}, {report.claims} from the pool), unserved {report.unserved} "
        f"({report.flagged} flagged), errors {report.errors}",
        f"offers {report.offers}: accepted {report.offers_accepted}, declined "
        f"{report.offers_declined}, timed out {report.offers_expired}; "
        f"{report.offers_per_accepted_order} per served order",
        f"time to acceptance (s): p50 {tta.get('p50')}, p90 {tta.get('p90')}",
        f"ASAP booking to arrival (min): mean {eta.get('mean')}, p95 {eta.get('p95')}; "
        f"travel (min): mean {trip.get('mean')}, p95 {trip.get('p95')}; "
        f"{report.km_per_job} km per job",
        f"on time {report.on_time_share:.0%} (ASAP {report.asap_on_time_share:.0%})",
        f"technician pay (yuan): mean {pay.get('mean')}, std {pay.get('std')}, "
        f"Gini {pay.get('gini')}, p90/p10 of those who worked {pay.get('p90_p10_working')}, "
        f"idle {pay.get('idle')} of {report.technicians_online}",
    ]
