"""Dispatch operations: load facts, run the pure core, persist decisions and offers.

Who may be offered an order is decided by ``eligibility`` and ``scoring`` on plain
facts loaded here; every change of an order goes through ``orders_service.move`` so
the machine's guards, optimistic locking and the timeline apply. The dispatcher runs
in rounds (``run_round``): expire overdue offers, then place each waiting order by the
configured mode (cascade offers, batch assignment, or the open pool). The background
task runs a round every second and at once when an order starts waiting.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher
from server.core.errors import AppError, Conflict, Gone, NotFound
from server.core.events import Moved
from server.core.ids import new_id
from server.core.money import apply_bp
from server.core.uow_middleware import writer_gate
from server.dispatch import engine
from server.dispatch import reach as reach_core
from server.dispatch import slots as slots_core
from server.dispatch.assignment import assign_optimal
from server.dispatch.eligibility import EligibilityPolicy, Rejection, RejectionCode, evaluate
from server.dispatch.facts import (
    BusyInterval,
    Certificate,
    JobFacts,
    Level,
    Rating,
    TechnicianFacts,
    TechnicianStats,
    TimeRange,
    WeeklyWindow,
)
from server.dispatch.geo import (
    CircleArea,
    LatLng,
    PolygonArea,
    RoadFactorTravelTime,
    ServiceArea,
    TravelMode,
)
from server.dispatch.models import (
    ORDER_ANOMALIES,
    BlockRead,
    CustomerBlock,
    DecisionOutcome,
    DecisionRead,
    DispatchDecisionRecord,
    DispatchOffer,
    OfferHistoryRead,
    OfferRead,
    OfferStatus,
    OrderDispatchRead,
    PoolItemRead,
    ReassignRead,
    RoundRead,
    ScheduleRead,
    ScheduleVisitRead,
    SlotRead,
    SlotsRead,
)
from server.dispatch.routing import DayJob, plan_day
from server.dispatch.scoring import CandidateScore
from server.dispatch.spatial import GridIndex
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import Order
from server.rules import store as rules_store
from server.rules.dispatch import DispatchRules, ScoringPolicy

log = logging.getLogger("doorstep.dispatch")

# Orders a technician holds: they block the calendar.
HOLDING = (
    Status.ACCEPTED.value,
    Status.EN_ROUTE.value,
    Status.ARRIVED.value,
    Status.IN_SERVICE.value,
)
ON_THE_JOB = (Status.EN_ROUTE.value, Status.ARRIVED.value, Status.IN_SERVICE.value)
LOCATION_MAX_AGE = timedelta(hours=2)  # an older live position says little about now
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


# --- used by other domains -----------------------------------------------------------


def may_view_in_pool(*, session: Session, order, user: User) -> bool:  # noqa: ANN001
    """A technician sees a pooled order's card (district only) while it waits, unless
    they transferred that order away: it is no longer theirs to take."""
    if user.role != Role.technician.value or order.status != Status.PENDING_DISPATCH.value:
        return False
    return user.id not in _handed_back(session, [order.id]).get(order.id, frozenset())


NEAREST_FIRST_SEARCH_M = 500.0  # the first ring searched for the nearest technician


def nearest_eligible_distance_m(
    *, session: Session, lat: float, lng: float, service_id: str, within_m: float
) -> float | None:
    """Distance in metres from (lat, lng) to the nearest verified technician who has the
    service's skills, by their last known position or else their service-area centre.

    Searched in growing boxes around the address (500 m, 1 km, 2 km, … up to ``within_m``)
    on indexed position columns, so a quote reads the few technicians near it whatever
    the city's size. Past ``within_m`` the exact figure does not matter to the caller:
    someone farther is reported at ``within_m`` + 1. None when nobody anywhere has the
    skills (no traffic subsidy)."""
    from server.catalog import service as catalog_service
    from server.dispatch.geo import haversine_m
    from server.technicians import service as technicians_service

    skills = catalog_service.get_service(session=session, service_id=service_id).skills or []
    radius = min(NEAREST_FIRST_SEARCH_M, within_m)
    while True:
        box = reach_core.box_around(LatLng(lat, lng), radius)
        near = technicians_service.skilled_positions(session=session, skills=skills, box=box)
        nearest = min((haversine_m(lat, lng, p_lat, p_lng) for p_lat, p_lng in near), default=None)
        if nearest is not None and nearest <= radius:  # anyone nearer would be in the box too
            return nearest
        if radius >= within_m:
            break
        radius = min(radius * 2, within_m)
    if technicians_service.skilled_positions(session=session, skills=skills, box=None):
        return within_m + 1
    return None


SLOT_MAX_DAYS_AHEAD = 60  # as far ahead as a quote may be booked


def day_slots(
    *,
    session: Session,
    service_id: str,
    day: date,
    lat: float,
    lng: float,
    units: int | None,
    clock: Clock,
    timezone: str,
    customer_id: str | None = None,
    prefilter: bool = True,
) -> SlotsRead:
    """The service's slots on a local day at (lat, lng), each with the number of
    technicians dispatch could offer it to (``slots.day_slots`` on this round's facts).

    Only the technicians within reach of the address are loaded (``reachable``);
    ``prefilter=False`` loads them all, the reference the counts must agree with.
    """
    from server.catalog import service as catalog_service

    service = catalog_service.get_service(session=session, service_id=service_id)
    now = clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    if day < today:
        raise AppError(
            "that day has passed",
            code="date_in_past",
            status_code=422,
            details={"date": day.isoformat(), "today": today.isoformat()},
        )
    if day > today + timedelta(days=SLOT_MAX_DAYS_AHEAD):
        raise AppError(
            f"book at most {SLOT_MAX_DAYS_AHEAD} days ahead",
            code="date_too_far",
            status_code=422,
            details={"date": day.isoformat(), "max_days": SLOT_MAX_DAYS_AHEAD},
        )
    pricing = service.pricing or {}
    minutes = int(service.duration_minutes)
    hours: int | None = None
    if pricing.get("unit", "hour") == "hour":
        lo = int(pricing.get("min_units", 1))
        hi = int(pricing.get("max_units", max(lo, 1) * 10))
        n = units if units is not None else lo
        if not lo <= n <= hi:
            raise AppError(
                f"choose between {lo} and {hi} hours",
                code="units_out_of_range",
                status_code=422,
                details={"min_units": lo, "max_units": hi},
            )
        minutes = 60 * n
        hours = n
    blocked: frozenset[str] = frozenset()
    if customer_id:
        blocked = _blocked_by(session, [customer_id]).get(customer_id, frozenset())
    settings = load_settings(session=session, timezone=timezone)
    radius_m = settings.dispatch.search_radius_km * 1000.0
    ids = None
    if prefilter:
        (ids,) = reachable(session=session, points=[LatLng(lat, lng)], now=now, radius_m=radius_m)
    world = load_world(session=session, now=now, timezone=timezone, settings=settings, ids=ids)
    request = slots_core.SlotRequest(
        location=LatLng(lat, lng),
        length=timedelta(minutes=minutes),
        required_skills=frozenset(service.skills or []),
        required_certificates=frozenset(service.certificates or []),
        customer_id=customer_id or "",
        blocked_technician_ids=blocked,
    )
    result = slots_core.day_slots(
        request,
        day,
        world.techs,
        now=now,
        travel=world.travel,
        tz=timezone,
        index=world.index,
        radius_m=radius_m,
        policy=settings.policy,
        lead=settings.booking_lead,
    )
    return SlotsRead(
        service_id=service.id,
        date=day,
        timezone=timezone,
        units=hours,
        slots=[
            SlotRead(start=s.start, end=s.end, available=s.available, status=s.status.value)
            for s in result
        ],
    )


# --- rules and facts ---------------------------------------------------------------------


@lru_cache(maxsize=8)
def travel_model(timezone: str) -> RoadFactorTravelTime:
    return RoadFactorTravelTime(tz=timezone)


@dataclass
class DispatchSettings:
    """The rules of one round, resolved from the versioned rules document."""

    dispatch: DispatchRules
    scoring: ScoringPolicy
    policy: EligibilityPolicy
    commission: dict[str, int]  # level -> basis points
    default_commission_bp: int
    complaint_limit: float
    complaint_min_orders: int
    restricted_cap: int
    # the earliest start a booking may have (``orders.min_lead_minutes``): slots sooner
    # than this are closed, as the quote would refuse them
    booking_lead: timedelta = slots_core.BOOKING_LEAD

    def technician_pay(self, total: int, level: str | None) -> int:
        bp = self.commission.get(level or "", self.default_commission_bp)
        return total - apply_bp(total, bp)

    def snapshot(self) -> dict[str, Any]:
        return {
            "mode": self.dispatch.mode,
            "weights": self.dispatch.weights.model_dump(),
            "search_radius_km": self.dispatch.search_radius_km,
            "offer_timeout_seconds": self.dispatch.offer_timeout_seconds,
        }


def load_settings(*, session: Session, timezone: str) -> DispatchSettings:

    rules = rules_store.current_rules(session=session)
    d = rules.dispatch
    risk = rules.ops.risk
    scoring = d.scoring.model_copy(
        update={
            "complaint_rate_threshold": risk.complaint_rate_limit_bp / 10_000,
            "complaint_min_orders": risk.complaint_rate_min_orders,
        }
    )
    policy = EligibilityPolicy(
        tz=timezone,
        turnaround_s=d.turnaround_minutes * 60.0,
        late_tolerance_s=d.late_tolerance_minutes * 60.0,
    )
    return DispatchSettings(
        dispatch=d,
        scoring=scoring,
        policy=policy,
        commission=dict(rules.payments.level_commission_bp),
        default_commission_bp=rules.payments.platform_commission_bp,
        complaint_limit=risk.complaint_rate_limit_bp / 10_000,
        complaint_min_orders=risk.complaint_rate_min_orders,
        restricted_cap=risk.restricted_daily_order_cap,
        booking_lead=timedelta(minutes=rules.orders.min_lead_minutes),
    )


def _area(t: Any) -> tuple[tuple[ServiceArea, ...], LatLng | None]:
    """The technician's service area, and the point used as their home base."""
    if t.area_polygon:
        pts = tuple(LatLng(float(p[0]), float(p[1])) for p in t.area_polygon)
        centroid = LatLng(sum(p.lat for p in pts) / len(pts), sum(p.lng for p in pts) / len(pts))
        return (PolygonArea(pts),), centroid
    if t.area_center and t.area_radius_km:
        center = LatLng(float(t.area_center[0]), float(t.area_center[1]))
        return (CircleArea(center, float(t.area_radius_km)),), center
    return (), None


def _mode(value: str) -> TravelMode:
    try:
        return TravelMode(value)
    except ValueError:
        return TravelMode.EBIKE


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        return Level.B


@dataclass
class World:
    """Everything one round knows about the technicians, as pure facts."""

    now: datetime
    timezone: str
    settings: DispatchSettings
    techs: dict[str, TechnicianFacts]
    names: dict[str, str]
    index: GridIndex = field(default_factory=lambda: GridIndex(1000.0))

    @property
    def travel(self) -> RoadFactorTravelTime:
        return travel_model(self.timezone)

    def reserve(self, technician_id: str, order: Order) -> None:
        """A new offer or acceptance holds the slot for the rest of the round."""
        tech = self.techs.get(technician_id)
        if tech is None:
            return
        busy = BusyInterval(
            as_utc(order.scheduled_start),
            as_utc(order.scheduled_end),
            LatLng(order.lat, order.lng),
            order.id,
        )
        stats = replace(tech.stats, jobs_today=tech.stats.jobs_today + 1)
        self.techs[technician_id] = replace(tech, busy=(*tech.busy, busy), stats=stats)


def _fresh_location(t: Any, now: datetime) -> LatLng | None:
    """The live position while it still says where the technician is."""
    if t.location is None or t.location_at is None or now - t.location_at > LOCATION_MAX_AGE:
        return None
    return LatLng(float(t.location[0]), float(t.location[1]))


def reachable(
    *, session: Session, points: Sequence[LatLng], now: datetime, radius_m: float
) -> list[frozenset[str]]:
    """Per point, the technicians who could be eligible for a job there by place alone
    (``reach.within_reach``): positioned, as ``load_world`` indexes them, within the search
    radius, with a service area containing the point. Read from a few columns of the
    technicians whose area's box holds a point, so a round loads full facts only for
    these instead of for every technician in the city."""
    from server.technicians import service as technicians_service

    if not points:
        return []
    found = []
    boxes = reach_core.search_boxes(points)
    for w in technicians_service.whereabouts(session=session, boxes=boxes):
        areas, home = _area(w)
        found.append(reach_core.Whereabouts(w.id, _fresh_location(w, now) or home, areas))
    return reach_core.within_reach(found, points, radius_m)


def _local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def load_world(
    *,
    session: Session,
    now: datetime,
    timezone: str,
    settings: DispatchSettings | None = None,
    ids: Iterable[str] | None = None,
    exclude_order_id: str | None = None,
) -> World:
    """Technician facts for dispatch: profile, calendar, today's load, ratings.

    ``exclude_order_id`` leaves that order out of the calendars (when checking whether
    a technician may take it, its own pending offer must not count as a clash).
    """
    from server.reviews.models import Review
    from server.technicians import service as technicians_service

    settings = settings or load_settings(session=session, timezone=timezone)
    rows = technicians_service.list_dispatchable(
        session=session, ids=list(ids) if ids is not None else None, now=now, online_only=False
    )
    tech_ids = [t.id for t in rows]
    busy: dict[str, list[BusyInterval]] = {}
    jobs_today: dict[str, int] = {}
    earned_today: dict[str, int] = {}
    active: dict[str, int] = {}
    day_start, day_end = _local_day_bounds(now, timezone)
    if tech_ids:
        horizon_lo, horizon_hi = now - timedelta(days=1), now + timedelta(days=40)
        held = session.exec(
            select(Order).where(
                col(Order.technician_id).in_(tech_ids),
                col(Order.status).in_(
                    HOLDING + (Status.AWAITING_CONFIRMATION.value, Status.COMPLETED.value)
                ),
                Order.scheduled_end > min(horizon_lo, day_start),
                Order.scheduled_start < horizon_hi,
            )
        ).all()
        offered = session.exec(
            select(Order).where(
                col(Order.offered_technician_id).in_(tech_ids),
                Order.status == Status.OFFERED.value,
            )
        ).all()
        level_of = {t.id: t.level for t in rows}
        for o in held:
            if o.id == exclude_order_id:
                continue
            start, end = as_utc(o.scheduled_start), as_utc(o.scheduled_end)
            tid = o.technician_id or ""
            if day_start <= start < day_end:
                jobs_today[tid] = jobs_today.get(tid, 0) + 1
                earned_today[tid] = earned_today.get(tid, 0) + settings.technician_pay(
                    o.total, level_of.get(tid)
                )
            if o.status not in HOLDING:
                continue
            if end > now - timedelta(hours=12):
                busy.setdefault(tid, []).append(
                    BusyInterval(start, end, LatLng(o.lat, o.lng), o.id)
                )
            if o.status in ON_THE_JOB or start - timedelta(hours=1) <= now <= end:
                active[tid] = active.get(tid, 0) + 1
        for o in offered:
            if o.id == exclude_order_id or o.offered_technician_id is None:
                continue
            busy.setdefault(o.offered_technician_id, []).append(
                BusyInterval(
                    as_utc(o.scheduled_start), as_utc(o.scheduled_end), LatLng(o.lat, o.lng), o.id
                )
            )
    taken, transfers = _recent_transfers(
        session, tech_ids, since=now - timedelta(days=settings.dispatch.transfer_window_days)
    )
    ratings: dict[str, list[Rating]] = {}
    if tech_ids:
        since = now - timedelta(days=365)
        for r in session.exec(
            select(Review).where(
                col(Review.subject_id).in_(tech_ids),
                Review.author_role == Role.customer.value,
                Review.status == "visible",
                Review.created_at >= since,
            )
        ).all():
            stars = min(5.0, max(1.0, float(r.overall)))
            ratings.setdefault(r.subject_id, []).append(Rating(stars, as_utc(r.created_at)))

    techs: dict[str, TechnicianFacts] = {}
    names: dict[str, str] = {}
    index = GridIndex(1000.0)
    for t in rows:
        areas, home = _area(t)
        location = _fresh_location(t, now)
        received = max(0, int(t.offers_received))
        restricted = (
            t.complaint_rate is not None
            and t.complaint_rate > settings.complaint_limit
            and t.completed_orders >= settings.complaint_min_orders
        )
        rating_avg = (
            t.rating_avg if t.rating_avg is not None and 1.0 <= t.rating_avg <= 5.0 else None
        )
        stats = TechnicianStats(
            level=_level(t.level),
            ratings=tuple(ratings.get(t.id, ())),
            rating_avg=rating_avg,
            rating_count=max(0, int(t.rating_count)) if rating_avg is not None else 0,
            good_rate_30d=t.good_rate_30d,
            reviews_30d=max(0, int(t.reviews_30d)),
            complaint_rate=t.complaint_rate,
            orders_for_complaint_rate=max(0, int(t.completed_orders)),
            offers_received=received,
            offers_accepted=min(received, max(0, int(t.offers_accepted))),
            jobs_today=jobs_today.get(t.id, 0),
            earnings_today_fen=earned_today.get(t.id, 0),
            active_jobs=active.get(t.id, 0),
            orders_taken_recent=taken.get(t.id, 0),
            transfers_recent=transfers.get(t.id, 0),
        )
        weekly = None
        if t.weekly_windows is not None:
            weekly = tuple(WeeklyWindow(int(w[0]), w[1], w[2]) for w in t.weekly_windows)
        facts = TechnicianFacts(
            id=t.id,
            verified=t.verified,
            suspended=t.suspended,
            online=t.online,
            skills=frozenset(t.skills),
            certificates=tuple(Certificate(c.type, c.expires_on) for c in t.certificates),
            service_areas=areas,
            home=home,
            location=location,
            max_distance_km=t.max_distance_km,
            travel_mode=_mode(t.travel_mode),
            weekly=weekly,
            time_off=tuple(TimeRange(s, e) for s, e in t.time_off if s < e),
            busy=tuple(sorted(busy.get(t.id, ()), key=lambda b: b.start)),
            stats=stats,
            daily_cap=settings.restricted_cap if restricted else None,
        )
        techs[t.id] = facts
        names[t.id] = t.name
        where = location or home
        if where is not None:
            index.insert(t.id, where.lat, where.lng)
    return World(
        now=now, timezone=timezone, settings=settings, techs=techs, names=names, index=index
    )


def _recent_transfers(
    session: Session, tech_ids: Sequence[str], *, since: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """Per technician since ``since``: orders taken (still held or done, plus the ones
    transferred away) and the transfers held against them (not the platform's fault)."""
    from server.technicians import service as technicians_service

    if not tech_ids:
        return {}, {}
    taken: dict[str, int] = {
        tid: int(n)
        for tid, n in session.exec(
            select(Order.technician_id, func.count())
            .where(col(Order.technician_id).in_(tech_ids), col(Order.accepted_at) >= since)
            .group_by(col(Order.technician_id))
        ).all()
        if tid
    }
    held_against: dict[str, int] = {}
    recent = technicians_service.recent_transfers(
        session=session, technician_ids=tech_ids, since=since
    )
    for tid, (own, total) in recent.items():
        taken[tid] = taken.get(tid, 0) + total
        held_against[tid] = own
    return taken, held_against


def _handed_back(session: Session, order_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    from server.technicians import service as technicians_service

    return technicians_service.handed_back(session=session, order_ids=order_ids)


def _blocked_by(session: Session, customer_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    ids = list(set(customer_ids))
    if not ids:
        return {}
    out: dict[str, set[str]] = {}
    for b in session.exec(
        select(CustomerBlock).where(col(CustomerBlock.customer_id).in_(ids))
    ).all():
        out.setdefault(b.customer_id, set()).add(b.technician_id)
    return {k: frozenset(v) for k, v in out.items()}


def job_facts(
    *,
    session: Session,
    order: Order,
    blocked: frozenset[str] | None = None,
    handed_back: frozenset[str] | None = None,
) -> JobFacts:
    from server.catalog import service as catalog_service

    service = catalog_service.get_service(session=session, service_id=order.service_id)
    if blocked is None:
        blocked = _blocked_by(session, [order.customer_id]).get(order.customer_id, frozenset())
    if handed_back is None:
        handed_back = _handed_back(session, [order.id]).get(order.id, frozenset())
    return JobFacts(
        id=order.id,
        customer_id=order.customer_id,
        location=LatLng(order.lat, order.lng),
        start=as_utc(order.scheduled_start),
        end=as_utc(order.scheduled_end),
        required_skills=frozenset(service.skills or []),
        required_certificates=frozenset(service.certificates or []),
        price_fen=max(0, int(order.total)),
        blocked_technician_ids=blocked,
        handed_back_by=handed_back,
    )


# --- decisions and offers ----------------------------------------------------------------


def _offered_before(session: Session, order_id: str) -> list[DispatchOffer]:
    return list(
        session.exec(
            select(DispatchOffer)
            .where(DispatchOffer.order_id == order_id)
            .order_by(col(DispatchOffer.created_at))
        ).all()
    )


def _not_again(
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


def _last_decision(session: Session, order_id: str) -> DispatchDecisionRecord | None:
    return session.exec(
        select(DispatchDecisionRecord)
        .where(DispatchDecisionRecord.order_id == order_id)
        .order_by(
            col(DispatchDecisionRecord.created_at).desc(), col(DispatchDecisionRecord.id).desc()
        )
        .limit(1)
    ).first()


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


def _record_decision(
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


def _flag(
    session: Session, order: Order, code: str | None, clock: Clock, note: dict[str, Any]
) -> None:
    """Set or clear the order's dispatch anomaly (ops sees it), once per change."""
    from server.orders import service as orders_service

    if order.anomaly == code:
        return
    orders_service.record(
        session=session,
        order=order,
        event_type="dispatch.unplaced" if code else "dispatch.placed",
        payload={"anomaly": code, **note},
        actor_id=None,
        actor_role="system",
        clock=clock,
        changes={"anomaly": code},
    )


def _make_offer(
    session: Session,
    *,
    order: Order,
    candidate: CandidateScore,
    decision: DispatchDecisionRecord,
    world: World,
    clock: Clock,
) -> DispatchOffer:
    """Create the offer and move the order to OFFERED, in the caller's transaction."""
    from server.orders import service as orders_service

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
        _flag(session, order, None, clock, {"offer_id": offer.id})
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.OFFER,
        actor=Actor(ActorKind.SYSTEM),
        clock=clock,
        technician_id=candidate.technician_id,
        extra={
            "offer_id": offer.id,
            "expires_at": expires.isoformat(),
            "distance_m": round(candidate.distance_m),
            "traffic_subsidy": candidate.traffic_subsidy,
        },
        commit=False,
    )
    world.reserve(candidate.technician_id, order)
    return offer


def _commit(session: Session) -> None:
    from server.orders import service as orders_service

    orders_service.finish_moves(session)
    orders_service.notify(session)


def place_order(
    *,
    session: Session,
    order: Order,
    world: World,
    clock: Clock,
    report: RoundRead,
    within_reach: frozenset[str] | None = None,
) -> DispatchDecisionRecord | None:
    """Cascade step for one waiting order: offer it to the best untried candidate.

    ``within_reach`` (from ``reachable``) limits the decision to the technicians who could
    serve this address, so what it records does not depend on which other orders brought
    technicians into the round's world.
    """
    s = world.settings
    now = clock.now()
    tried = _offered_before(session, order.id)
    if len(tried) >= s.dispatch.max_offers_per_order:
        report.offer_limit += 1
        last = _last_decision(session, order.id)
        if last is not None and last.outcome == DecisionOutcome.OFFER_LIMIT.value:
            return None
        record = _record_decision(
            session,
            order=order,
            mode="cascade",
            outcome=DecisionOutcome.OFFER_LIMIT,
            now=now,
            settings=s,
        )
        _flag(session, order, DecisionOutcome.OFFER_LIMIT.value, clock, {"offers": len(tried)})
        _commit(session)
        return record
    job = job_facts(session=session, order=order)
    techs = world.techs
    if within_reach is not None:
        techs = {tid: t for tid, t in techs.items() if tid in within_reach}
    decision = engine.decide(
        job,
        techs,
        now=now,
        travel=world.travel,
        index=world.index,
        radius_m=s.dispatch.search_radius_km * 1000.0,
        weights=s.dispatch.weights,
        scoring=s.scoring,
        policy=s.policy,
        exclude=_not_again(tried, now, s.dispatch),
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
        last = _last_decision(session, order.id)
        if (
            last is not None
            and last.outcome == DecisionOutcome.NO_CANDIDATE.value
            and now - as_utc(last.created_at)
            < timedelta(minutes=s.dispatch.unplaced_record_minutes)
        ):
            session.rollback()
            return None
        record = _record_decision(
            session,
            order=order,
            mode="cascade",
            outcome=DecisionOutcome.NO_CANDIDATE,
            now=now,
            settings=s,
            rejected=decision.rejected,
            considered=decision.prefiltered,
        )
        _flag(
            session,
            order,
            DecisionOutcome.NO_CANDIDATE.value,
            clock,
            {"considered": decision.prefiltered},
        )
        _commit(session)
        return record
    best = ranked[0]
    record = _record_decision(
        session,
        order=order,
        mode="cascade",
        outcome=DecisionOutcome.OFFERED,
        now=now,
        settings=s,
        ranked=ranked,
        rejected=decision.rejected,
        considered=decision.prefiltered,
        chosen=best.technician_id,
        names=world.names,
    )
    _make_offer(session, order=order, candidate=best, decision=record, world=world, clock=clock)
    _commit(session)
    report.offered += 1
    return record


def place_batch(
    *, session: Session, orders: Sequence[Order], world: World, clock: Clock, report: RoundRead
) -> None:
    """Batch step: match all waiting orders to technicians at once, offer the matches."""
    s = world.settings
    now = clock.now()
    blocked = _blocked_by(session, [o.customer_id for o in orders])
    handed_back = _handed_back(session, [o.id for o in orders])
    live: list[Order] = []
    jobs: list[JobFacts] = []
    tried: list[set[str]] = []
    for order in orders:
        before = _offered_before(session, order.id)
        if len(before) >= s.dispatch.max_offers_per_order:
            report.offer_limit += 1
            continue
        live.append(order)
        jobs.append(
            job_facts(
                session=session,
                order=order,
                blocked=blocked.get(order.customer_id, frozenset()),
                handed_back=handed_back.get(order.id, frozenset()),
            )
        )
        tried.append(set(_not_again(before, now, s.dispatch)))
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
        row = sorted(
            (matrix.details[(j, k)] for k in range(len(matrix.technician_ids)) if feasible[j, k]),
            key=lambda c: (-c.score, c.distance_m, c.technician_id),
        )
        if j not in chosen:
            if row:
                continue  # had candidates, all taken by better matches: next batch
            report.no_candidate += 1
            last = _last_decision(session, order.id)
            if (
                last is not None
                and last.outcome == DecisionOutcome.NO_CANDIDATE.value
                and now - as_utc(last.created_at)
                < timedelta(minutes=s.dispatch.unplaced_record_minutes)
            ):
                continue
            _record_decision(
                session,
                order=order,
                mode="batch",
                outcome=DecisionOutcome.NO_CANDIDATE,
                now=now,
                settings=s,
            )
            _flag(session, order, DecisionOutcome.NO_CANDIDATE.value, clock, {"mode": "batch"})
            _commit(session)
            continue
        pick = matrix.details[(j, chosen[j])]
        try:
            record = _record_decision(
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
            _make_offer(
                session, order=order, candidate=pick, decision=record, world=world, clock=clock
            )
            _commit(session)
            report.offered += 1
            report.order_ids.append(order.id)
        except AppError as exc:
            session.rollback()
            report.errors += 1
            log.info("batch offer for %s skipped: %s", order.id, exc.code)


def _waiting_orders(session: Session, now: datetime, limit: int = 500) -> list[Order]:
    return list(
        session.exec(
            select(Order)
            .where(Order.status == Status.PENDING_DISPATCH.value, Order.scheduled_end > now)
            .order_by(col(Order.scheduled_start), col(Order.created_at))
            .limit(limit)
        ).all()
    )


def expire_offers(*, session: Session, clock: Clock, report: RoundRead | None = None) -> int:
    """Every pending offer past its deadline: the order goes back to waiting."""
    from server.orders import service as orders_service

    now = clock.now()
    due = session.exec(
        select(DispatchOffer).where(
            DispatchOffer.status == OfferStatus.PENDING.value, DispatchOffer.expires_at <= now
        )
    ).all()
    expired = 0
    for offer in due:
        order = session.get(Order, offer.order_id)
        try:
            if (
                order is not None
                and order.status == Status.OFFERED.value
                and order.offered_technician_id == offer.technician_id
            ):
                orders_service.move(
                    session=session,
                    order_id=order.id,
                    action=Action.OFFER_TIMEOUT,
                    actor=Actor(ActorKind.SYSTEM),
                    clock=clock,
                    extra={"offer_id": offer.id},
                    commit=False,
                )
            else:
                offer.status = OfferStatus.WITHDRAWN.value
                offer.responded_at = now
                session.add(offer)
            _commit(session)
            expired += 1
        except AppError as exc:  # the technician answered at the same moment: theirs wins
            session.rollback()
            log.info("offer %s not expired: %s", offer.id, exc.code)
    if report is not None:
        report.expired += expired
    return expired


def run_round(
    *,
    session: Session,
    clock: Clock,
    timezone: str,
    batch_due: bool = True,
    prefilter: bool = True,
) -> RoundRead:
    """One dispatcher round. Each placement commits on its own: one failure (a lost
    race with a technician's claim, say) does not hold up the others.

    Facts are loaded only for the technicians within reach of a waiting order
    (``reachable``); ``prefilter=False`` loads every technician, the reference the
    prefiltered round must agree with (tests, benchmarks).
    """
    report = RoundRead()
    expire_offers(session=session, clock=clock, report=report)
    now = clock.now()
    orders = _waiting_orders(session, now)
    if not orders:
        return report
    settings = load_settings(session=session, timezone=timezone)
    mode = settings.dispatch.mode
    if mode == "pool":
        report.pooled = len(orders)
        return report
    if mode == "cascade":
        retry = timedelta(seconds=settings.dispatch.retry_unplaced_seconds)
        orders = [o for o in orders if not _recently_unplaced(o, now, retry)]
        if not orders:
            return report
    reach: dict[str, frozenset[str]] = {}
    ids: set[str] | None = None
    if prefilter:
        found = reachable(
            session=session,
            points=[LatLng(o.lat, o.lng) for o in orders],
            now=now,
            radius_m=settings.dispatch.search_radius_km * 1000.0,
        )
        reach = {o.id: r for o, r in zip(orders, found, strict=True)}
        ids = set().union(*found)
    world = load_world(session=session, now=now, timezone=timezone, settings=settings, ids=ids)
    if mode == "batch":
        if batch_due:
            place_batch(session=session, orders=orders, world=world, clock=clock, report=report)
        return report
    for order in orders:
        try:
            record = place_order(
                session=session,
                order=order,
                world=world,
                clock=clock,
                report=report,
                within_reach=reach.get(order.id),  # None: no prefilter
            )
            if record is not None and record.outcome == DecisionOutcome.OFFERED.value:
                report.order_ids.append(order.id)
            else:
                _unplaced[order.id] = now
        except AppError as exc:
            session.rollback()
            report.errors += 1
            log.info("dispatch of %s skipped: %s", order.id, exc.code)
    return report


# Orders the last attempt could not place, and when (this process's memory). Until the
# order changes or the retry interval passes, rounds skip them: trying every second
# would hold the database for nothing.
_unplaced: dict[str, datetime] = {}


def _recently_unplaced(order: Order, now: datetime, retry: timedelta) -> bool:
    seen = _unplaced.get(order.id)
    if seen is None:
        return False
    if seen < as_utc(order.updated_at) or now - seen >= retry or now < seen:
        _unplaced.pop(order.id, None)
        return False
    if len(_unplaced) > 10_000:
        for key in [k for k, t in _unplaced.items() if now - t >= retry]:
            _unplaced.pop(key, None)
    return True


# --- the technician's side ---------------------------------------------------------------


def _service_names(session: Session, service_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    from server.catalog import service as catalog_service

    out = {}
    for sid in set(service_ids):
        try:
            svc = catalog_service.get_service(session=session, service_id=sid)
            out[sid] = (svc.name_zh, svc.name_en)
        except AppError:
            out[sid] = (sid, sid)
    return out


def _eta_minutes(eta_s: float | None) -> int | None:
    return None if eta_s is None else max(1, round(eta_s / 60))


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
        eta_minutes=_eta_minutes(offer.eta_s),
        traffic_subsidy=offer.traffic_subsidy,
        total=order.total,
        technician_pay=pay,
        created_at=as_utc(offer.created_at),
        expires_at=expires,
        seconds_left=max(0, int((expires - now).total_seconds())),
    )


PRE_ACCEPT_DISTANCE_STEP_M = 100


def banded_distance_m(meters: float) -> int:
    """How far a job is, as a technician sees it before accepting: to the nearest 100 m
    (at least 100). Exact metres would let someone who moves their own position or
    service area a few times work out where the home is."""
    step = PRE_ACCEPT_DISTANCE_STEP_M
    return max(step, round(meters / step) * step)


def _level_of(session: Session, technician_id: str) -> str | None:
    from server.technicians import service as technicians_service

    try:
        return technicians_service.get_profile(session=session, user_id=technician_id).level
    except AppError:
        return None


def my_offers(*, session: Session, user: User, clock: Clock, timezone: str) -> list[OfferRead]:
    now = clock.now()
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
    settings = load_settings(session=session, timezone=timezone)
    level = _level_of(session, user.id)
    orders = {
        o.id: o
        for o in session.exec(select(Order).where(col(Order.id).in_([x.order_id for x in offers])))
    }
    names = _service_names(session, [o.service_id for o in orders.values()])
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
    session: Session,
    *,
    technician_id: str,
    order: Order,
    clock: Clock,
    timezone: str,
    codes: frozenset[RejectionCode],
) -> list[Rejection]:
    world = load_world(
        session=session,
        now=clock.now(),
        timezone=timezone,
        ids=[technician_id],
        exclude_order_id=order.id,
    )
    tech = world.techs.get(technician_id)
    if tech is None:
        return [Rejection(RejectionCode.NOT_VERIFIED, "technician is not verified")]
    ev = evaluate(
        tech,
        job_facts(session=session, order=order),
        now=clock.now(),
        travel=world.travel,
        policy=world.settings.policy,
    )
    return [r for r in ev.rejections if r.code in codes]


def _refusal(reasons: list[Rejection], code: str, message: str) -> Conflict:
    return Conflict(
        message,
        code=code,
        details={"reasons": [{"code": r.code.value, "message": r.message} for r in reasons]},
    )


def accept_offer(
    *,
    session: Session,
    user: User,
    offer_id: str,
    clock: Clock,
    timezone: str,
    cipher: FieldCipher,
    occurred_at: datetime | None = None,
) -> Any:
    """The technician takes the offered order. Refused once the offer closed or expired,
    or when the technician's calendar no longer allows it (then the order moves on)."""
    from server.orders import service as orders_service

    offer = _own_offer(session, user, offer_id)
    now = clock.now()
    if offer.status != OfferStatus.PENDING.value:
        raise Conflict(
            f"this offer is already {offer.status}",
            code="offer_closed",
            details={"status": offer.status},
        )
    order = orders_service.get(session=session, order_id=offer.order_id)
    if now >= as_utc(offer.expires_at):
        expire_offers(session=session, clock=clock)
        raise Gone(
            "the offer has expired",
            code="offer_expired",
            details={"expired_at": offer.expires_at.isoformat()},
        )
    reasons = _still_eligible(
        session,
        technician_id=user.id,
        order=order,
        clock=clock,
        timezone=timezone,
        codes=CALENDAR_CODES,
    )
    if reasons:
        orders_service.move(
            session=session,
            order_id=order.id,
            action=Action.DECLINE,
            actor=Actor(ActorKind.TECHNICIAN, user.id),
            clock=clock,
            reason="no_longer_eligible",
            extra={"offer_id": offer.id},
            commit=False,
        )
        _commit(session)
        raise _refusal(reasons, "no_longer_eligible", "you can no longer take this order")
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.ACCEPT,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        clock=clock,
        occurred_at=occurred_at,
        extra={"offer_id": offer.id},
        commit=False,
    )
    _commit(session)
    return orders_service.to_read(
        session=session, order=order, user=user, cipher=cipher, now=clock.now()
    )


def decline_offer(
    *,
    session: Session,
    user: User,
    offer_id: str,
    clock: Clock,
    timezone: str,
    reason: str = "",
    occurred_at: datetime | None = None,
) -> OfferRead:
    """The technician passes; the dispatcher offers the order to the next candidate."""
    from server.orders import service as orders_service

    offer = _own_offer(session, user, offer_id)
    if offer.status != OfferStatus.PENDING.value:
        raise Conflict(
            f"this offer is already {offer.status}",
            code="offer_closed",
            details={"status": offer.status},
        )
    order = orders_service.get(session=session, order_id=offer.order_id)
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.DECLINE,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        clock=clock,
        occurred_at=occurred_at,
        reason=reason or None,
        extra={"offer_id": offer.id},
        commit=False,
    )
    _commit(session)
    session.refresh(offer)
    settings = load_settings(session=session, timezone=timezone)
    names = _service_names(session, [order.service_id])[order.service_id]
    return _offer_read(
        offer,
        order,
        names,
        settings.technician_pay(order.total, _level_of(session, user.id)),
        clock.now(),
    )


def pool(
    *, session: Session, user: User, clock: Clock, timezone: str, limit: int = 50
) -> list[PoolItemRead]:
    """Waiting orders this technician may claim, nearest first (district only)."""
    now = clock.now()
    orders = _waiting_orders(session, now)
    if not orders:
        return []
    world = load_world(session=session, now=now, timezone=timezone, ids=[user.id])
    tech = world.techs.get(user.id)
    if tech is None:
        return []
    level = tech.stats.level.value
    blocked = _blocked_by(session, [o.customer_id for o in orders])
    handed_back = _handed_back(session, [o.id for o in orders])
    names = _service_names(session, [o.service_id for o in orders])
    items = []
    for order in orders:
        if user.id in handed_back.get(order.id, frozenset()):
            continue  # they transferred it away: not theirs to take again
        job = job_facts(
            session=session,
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
                eta_minutes=_eta_minutes(ev.eta_s),
                traffic_subsidy=ev.distance_m > world.settings.scoring.traffic_subsidy_over_m,
                total=order.total,
                technician_pay=world.settings.technician_pay(order.total, level),
                waiting_since=as_utc(order.updated_at),
            )
        )
    items.sort(key=lambda i: (i.distance_m, i.scheduled_start, i.order_id))
    return items[:limit]


def claim(
    *,
    session: Session,
    user: User,
    order_id: str,
    clock: Clock,
    timezone: str,
    cipher: FieldCipher,
    occurred_at: datetime | None = None,
) -> Any:
    """Grab a waiting order from the pool. Exactly one claim wins: the order's version
    check turns a second concurrent claim into 409 ``conflict``. The technician who
    transferred the order away may not take it back (409 ``order_transferred_by_you``)."""
    from server.orders import service as orders_service

    order = orders_service.get(session=session, order_id=order_id)
    if order.status != Status.PENDING_DISPATCH.value:
        raise Conflict(
            "this order is no longer waiting for a technician",
            code="order_not_claimable",
            details={"status": order.status},
        )
    handed_back = _handed_back(session, [order.id]).get(order.id, frozenset())
    if user.id in handed_back:
        raise Conflict(
            "you transferred this order; it goes to another technician",
            code="order_transferred_by_you",
            details={"status": order.status},
        )
    world = load_world(
        session=session,
        now=clock.now(),
        timezone=timezone,
        ids=[user.id],
        exclude_order_id=order.id,
    )
    tech = world.techs.get(user.id)
    if tech is None:
        raise _refusal(
            [Rejection(RejectionCode.NOT_VERIFIED, "technician is not verified")],
            "not_eligible",
            "you may not take this order",
        )
    ev = evaluate(
        tech,
        job_facts(session=session, order=order, handed_back=handed_back),
        now=clock.now(),
        travel=world.travel,
        policy=world.settings.policy,
    )
    if ev.rejections:
        raise _refusal(list(ev.rejections), "not_eligible", "you may not take this order")
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.CLAIM,
        actor=Actor(ActorKind.TECHNICIAN, user.id),
        clock=clock,
        occurred_at=occurred_at,
        commit=False,
    )
    _commit(session)
    return orders_service.to_read(
        session=session, order=order, user=user, cipher=cipher, now=clock.now()
    )


def schedule(
    *, session: Session, user: User, clock: Clock, timezone: str, day: date | None = None
) -> ScheduleRead:
    """The technician's day in visiting order, with ETAs from where they are and warnings
    when two jobs cannot both be reached in time."""
    tz = ZoneInfo(timezone)
    now = clock.now()
    day = day or now.astimezone(tz).date()
    # the local day's bounds, in UTC like every time the API gives out (one offset style)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(days=1)
    orders = list(
        session.exec(
            select(Order)
            .where(
                Order.technician_id == user.id,
                col(Order.status).in_(HOLDING),
                Order.scheduled_start >= start,
                Order.scheduled_start < end,
            )
            .order_by(col(Order.scheduled_start))
        ).all()
    )
    settings = load_settings(session=session, timezone=timezone)
    world = load_world(
        session=session, now=now, timezone=timezone, settings=settings, ids=[user.id]
    )
    tech = world.techs.get(user.id)
    origin = None
    if tech is not None:
        origin = tech.location or tech.home
    if origin is None and orders:
        origin = LatLng(orders[0].lat, orders[0].lng)
    if not orders or origin is None:
        return ScheduleRead(date=day, visits=[], feasible=True, travel_minutes=0, warnings=[])
    leave = (
        max(now, start + timedelta(hours=7))
        if day == now.astimezone(tz).date()
        else start + timedelta(hours=7)
    )
    first = min(as_utc(o.scheduled_start) for o in orders)
    leave = min(leave, first)
    tolerance = timedelta(minutes=settings.dispatch.late_tolerance_minutes)
    jobs = [
        DayJob(
            o.id,
            LatLng(o.lat, o.lng),
            as_utc(o.scheduled_start),
            as_utc(o.scheduled_start) + tolerance,
            (as_utc(o.scheduled_end) - as_utc(o.scheduled_start)).total_seconds(),
        )
        for o in orders
    ]
    mode = tech.travel_mode if tech is not None else TravelMode.EBIKE
    plan = plan_day(jobs, start=origin, start_at=leave, travel=world.travel, mode=mode)
    by_id = {o.id: o for o in orders}
    names = _service_names(session, [o.service_id for o in orders])
    visits = []
    for v in plan.visits:
        o = by_id[v.job_id]
        visits.append(
            ScheduleVisitRead(
                order_id=o.id,
                status=o.status,
                service_name_zh=names[o.service_id][0],
                district=o.district,
                scheduled_start=as_utc(o.scheduled_start),
                scheduled_end=as_utc(o.scheduled_end),
                travel_minutes=round(v.travel_s / 60),
                eta=v.arrive_at,
                start_at=v.start_at,
                late_minutes=round(
                    max(0.0, (v.start_at - as_utc(o.scheduled_start)).total_seconds()) / 60
                ),
            )
        )
    return ScheduleRead(
        date=day,
        visits=visits,
        feasible=plan.feasible,
        travel_minutes=round(plan.total_travel_s / 60),
        warnings=list(plan.warnings),
    )


# --- customers' blocks -------------------------------------------------------------------


def block(
    *, session: Session, user: User, technician_id: str, reason: str, clock: Clock
) -> BlockRead:
    tech = session.get(User, technician_id)
    if tech is None or tech.role != Role.technician.value:
        raise NotFound(
            "technician not found",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    existing = session.exec(
        select(CustomerBlock).where(
            CustomerBlock.customer_id == user.id, CustomerBlock.technician_id == technician_id
        )
    ).first()
    if existing is None:
        existing = CustomerBlock(
            customer_id=user.id, technician_id=technician_id, reason=reason, created_at=clock.now()
        )
        session.add(existing)
        session.commit()
    return BlockRead(
        technician_id=technician_id, reason=existing.reason, created_at=as_utc(existing.created_at)
    )


def unblock(*, session: Session, user: User, technician_id: str) -> None:
    existing = session.exec(
        select(CustomerBlock).where(
            CustomerBlock.customer_id == user.id, CustomerBlock.technician_id == technician_id
        )
    ).first()
    if existing is None:
        raise NotFound(
            "not blocked", code="block_not_found", details={"technician_id": technician_id}
        )
    session.delete(existing)
    session.commit()


def blocks(*, session: Session, user: User) -> list[BlockRead]:
    rows = session.exec(
        select(CustomerBlock)
        .where(CustomerBlock.customer_id == user.id)
        .order_by(col(CustomerBlock.created_at))
    ).all()
    return [
        BlockRead(technician_id=b.technician_id, reason=b.reason, created_at=as_utc(b.created_at))
        for b in rows
    ]


# --- operators ---------------------------------------------------------------------------


def explain(*, session: Session, order_id: str) -> OrderDispatchRead:
    from server.orders import service as orders_service

    order = orders_service.get(session=session, order_id=order_id)
    decisions = session.exec(
        select(DispatchDecisionRecord)
        .where(DispatchDecisionRecord.order_id == order_id)
        .order_by(col(DispatchDecisionRecord.created_at), col(DispatchDecisionRecord.id))
    ).all()
    offers = _offered_before(session, order_id)
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


def assign(
    *,
    session: Session,
    user: User,
    order_id: str,
    technician_id: str,
    clock: Clock,
    timezone: str,
    note: str = "",
) -> OrderDispatchRead:
    """An operator puts a technician on a waiting order; the hard filters still apply."""
    from server.orders import service as orders_service

    order = orders_service.get(session=session, order_id=order_id)
    if order.status != Status.PENDING_DISPATCH.value:
        raise Conflict(
            "only an order waiting for a technician can be assigned",
            code="order_not_assignable",
            details={"status": order.status},
        )
    settings = load_settings(session=session, timezone=timezone)
    world = load_world(
        session=session,
        now=clock.now(),
        timezone=timezone,
        settings=settings,
        ids=[technician_id],
        exclude_order_id=order.id,
    )
    tech = world.techs.get(technician_id)
    if tech is None:
        raise NotFound(
            "no verified technician with this id",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    ev = evaluate(
        tech,
        job_facts(session=session, order=order),
        now=clock.now(),
        travel=world.travel,
        policy=settings.policy,
    )
    if ev.rejections:
        raise _refusal(
            list(ev.rejections), "technician_ineligible", "this technician may not take the order"
        )
    _record_decision(
        session,
        order=order,
        mode="manual",
        outcome=DecisionOutcome.ASSIGNED,
        now=clock.now(),
        settings=settings,
        chosen=technician_id,
        considered=1,
    )
    orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.ASSIGN,
        actor=orders_service.actor_for(user),
        clock=clock,
        technician_id=technician_id,
        reason=note or None,
        commit=False,
    )
    _commit(session)
    return explain(session=session, order_id=order.id)


def reassign(
    *,
    session: Session,
    user: User | None,
    order_id: str,
    reason: str,
    platform_fault: bool,
    clock: Clock,
    ip: str | None = None,
) -> ReassignRead:
    """Staff (or the system, ``user`` None) send an accepted order back to dispatch.

    The technician who held it is never offered it again. At the platform's fault (a
    double booking, a wrong assignment) payments books their transfer compensation in
    this same transaction, and the transfer is not held against them in scoring. The
    action is audited. One transaction."""
    from server.orders import service as orders_service
    from server.payments import service as payments_service

    order = orders_service.get(session=session, order_id=order_id)
    _, events = orders_service.move(
        session=session,
        order_id=order.id,
        action=Action.TRANSFER,
        actor=orders_service.actor_for(user),
        clock=clock,
        reason=reason.strip() or None,
        extra={"platform_fault": platform_fault},
        commit=False,
    )
    payload = events[-1].payload if events else {}
    previous = str(payload.get("previous_technician_id") or "")
    compensation = 0
    if events:
        compensation = payments_service.transfer_compensation(
            session=session, order_id=order.id, seq=events[-1].seq
        )
    audit_service.record(
        session=session,
        actor=user,
        action="order.reassign",
        target_type="order",
        target_id=order.id,
        ip=ip,
        details={
            "reason": reason.strip(),
            "platform_fault": platform_fault,
            "previous_technician_id": previous,
            "compensation": compensation,
        },
        clock=clock,
    )
    _commit(session)
    return ReassignRead(
        order_id=order.id,
        status=order.status,
        previous_technician_id=previous,
        platform_fault=platform_fault,
        compensation=compensation,
        reason=reason.strip(),
    )


# --- reacting to order moves -------------------------------------------------------------

_OFFER_OUTCOME = {
    Action.ACCEPT.value: OfferStatus.ACCEPTED,
    Action.DECLINE.value: OfferStatus.DECLINED,
    Action.OFFER_TIMEOUT.value: OfferStatus.EXPIRED,
}


def close_offers_on_move(session: Session, moved: Moved) -> None:
    """Whatever moved an order out of OFFERED (an answer, a timeout, a cancellation),
    its pending offer is closed in the same transaction."""
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


_wake = threading.Event()


def wake_dispatcher(moved: Moved) -> None:
    """An order started waiting (paid, declined, timed out, transferred): dispatch now."""
    if moved.to_status == Status.PENDING_DISPATCH.value:
        _wake.set()


def _one_round(app, last_batch: list[datetime | None]) -> None:  # noqa: ANN001
    """One round, wholly in a worker thread: a session (and SQLite's write lock) never
    stays open on the event loop, where requests holding the lock wait to finish."""
    from server.core.db import session_scope

    settings = app.state.settings
    with session_scope(app.state.engine) as session:
        now = app.state.clock.now()
        rules = load_settings(session=session, timezone=settings.timezone).dispatch
        previous = last_batch[0]
        due = previous is None or (now - previous).total_seconds() >= rules.batch_interval_seconds
        if due:
            last_batch[0] = now
        run_round(session=session, clock=app.state.clock, timezone=settings.timezone, batch_due=due)


async def dispatch_task(app) -> None:  # noqa: ANN001
    """Background loop: a round every ``background_interval_seconds`` and whenever an
    order starts waiting; batch matching at the rules' batch interval."""
    settings = app.state.settings
    interval = max(0.2, float(settings.background_interval_seconds))
    last_batch: list[datetime | None] = [None]
    gate = writer_gate(app)
    while True:
        try:
            if gate is None:
                await asyncio.to_thread(_one_round, app, last_batch)
            else:  # SQLite: queue with the requests' writers instead of polling the lock
                async with gate:
                    await asyncio.to_thread(_one_round, app, last_batch)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("dispatch round failed")
        await asyncio.to_thread(_wake.wait, interval)
        _wake.clear()
