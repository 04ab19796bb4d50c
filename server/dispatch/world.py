"""What a dispatch decision knows: the round's rules and the facts about technicians and
jobs, loaded from the database as the plain values ``eligibility`` and ``scoring`` take.

``load_settings`` resolves the versioned rules document; ``load_world`` reads each
technician's profile, calendar, today's load and ratings; ``reachable`` narrows a round to
the technicians within reach of its addresses; ``job_facts`` describes one order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from server.catalog import service as catalog_service
from server.core import presence as presence_store
from server.core.clock import as_utc
from server.core.money import apply_bp
from server.core.uow import UnitOfWork
from server.dispatch import ports
from server.dispatch import reach as reach_core
from server.dispatch import slots as slots_core
from server.dispatch.columns import TechnicianColumns
from server.dispatch.eligibility import EligibilityPolicy
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
from server.dispatch.models import CustomerBlock
from server.dispatch.spatial import GridIndex
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Status
from server.orders.models import Order
from server.rules import store as rules_store
from server.rules.book import Rules
from server.rules.dispatch import DispatchRules, ScoringPolicy
from server.technicians import service as technicians_service
from server.training import service as training_service

# Orders a technician holds: they block the calendar.
HOLDING = (
    Status.ACCEPTED.value,
    Status.EN_ROUTE.value,
    Status.ARRIVED.value,
    Status.IN_SERVICE.value,
)


ON_THE_JOB = (Status.EN_ROUTE.value, Status.ARRIVED.value, Status.IN_SERVICE.value)


LOCATION_MAX_AGE = timedelta(hours=2)  # an older live position says little about now


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


def load_settings(uow: UnitOfWork, *, timezone: str) -> DispatchSettings:
    return settings_from_rules(rules_store.current_rules(uow), timezone=timezone)


def settings_from_rules(rules: Rules, *, timezone: str) -> DispatchSettings:
    """What dispatch reads of a rule book (the current one, or a what-if replay's)."""
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
    _columns: TechnicianColumns | None = field(default=None, repr=False)
    decisions: int = 0  # taken on this world so far (``arrays_if_worth``)

    @property
    def travel(self) -> RoadFactorTravelTime:
        return travel_model(self.timezone)

    @property
    def columns(self) -> TechnicianColumns:
        """The technicians' facts as arrays (``engine.decide``'s fast path), built on
        first use and kept in step with ``reserve``."""
        if self._columns is None:
            self._columns = TechnicianColumns.build(self.techs.values())
        return self._columns

    def arrays_if_worth(self) -> TechnicianColumns | None:
        """The columns from the world's second decision on: building them costs about what
        one per-candidate decision does, so a round that places one order skips them."""
        self.decisions += 1
        return self.columns if self.decisions > 1 or self._columns is not None else None

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
        updated = replace(tech, busy=(*tech.busy, busy), stats=stats)
        self.techs[technician_id] = updated
        if self._columns is not None:
            self._columns.upsert(updated)


def _fresh_location(t: Any, now: datetime) -> LatLng | None:
    """The live position while it still says where the technician is."""
    if t.location is None or t.location_at is None or now - t.location_at > LOCATION_MAX_AGE:
        return None
    return LatLng(float(t.location[0]), float(t.location[1]))


def reachable(
    uow: UnitOfWork, *, points: Sequence[LatLng], now: datetime, radius_m: float
) -> list[frozenset[str]]:
    """Per point, the technicians who could be eligible for a job there by place alone
    (``reach.within_reach``): positioned, as ``load_world`` indexes them, within the search
    radius, with a service area containing the point. Read from a few columns of the
    technicians whose area's box holds a point, so a round loads full facts only for
    these instead of for every technician in the city."""

    if not points:
        return []
    found = []
    boxes = reach_core.search_boxes(points)
    for w in technicians_service.whereabouts(uow, boxes=boxes):
        areas, home = _area(w)
        found.append(reach_core.Whereabouts(w.id, _fresh_location(w, now) or home, areas))
    return reach_core.within_reach(found, points, radius_m)


def area_holders(uow: UnitOfWork, *, point: LatLng) -> frozenset[str]:
    """The technicians whose service area contains ``point``, wherever they are now: those
    whose pool may list an order there (the pool asks no search radius). Read from the
    indexed area boxes, as ``reachable`` reads them."""
    held = set()
    for w in technicians_service.whereabouts(uow, boxes=reach_core.search_boxes([point])):
        areas, _home = _area(w)
        if any(a.contains(point) for a in areas):
            held.add(w.id)
    return frozenset(held)


def _local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def load_world(
    uow: UnitOfWork,
    *,
    now: datetime,
    timezone: str,
    settings: DispatchSettings | None = None,
    ids: Iterable[str] | None = None,
    exclude_order_id: str | None = None,
    presence: bool = True,
    asking: str | None = None,
) -> World:
    """Technician facts for dispatch: profile, calendar, today's load, ratings.

    ``exclude_order_id`` leaves that order out of the calendars (when checking whether
    a technician may take it, its own pending offer must not count as a clash).
    ``presence``: whether a technician must be present (his app showed a sign of life
    lately, ``core.presence``) to be reached: yes for what is decided now (a round's
    offers, a claim); no for planning ahead (a day's slots, route plans), where every
    technician counts as present. ``asking``: the technician whose own request this is
    (viewing the pool, claiming, accepting): present by asking.
    """
    session = uow.session
    settings = settings or load_settings(uow, timezone=timezone)
    rows = technicians_service.list_dispatchable(
        uow, ids=list(ids) if ids is not None else None, now=now, online_only=False
    )
    tech_ids = [t.id for t in rows]
    short_of_deposit = ports.deposit_capped.ask(uow, tech_ids) if tech_ids else frozenset()
    here: frozenset[str] | None = None  # None: everyone counts as present
    if presence:
        here = presence_store.present(uow, [t.id for t in rows if t.online], now)
        if asking is not None:
            here |= {asking}
    busy: dict[str, list[BusyInterval]] = {}
    jobs_today: dict[str, int] = {}
    earned_today: dict[str, int] = {}
    active: dict[str, int] = {}
    day_start, day_end = _local_day_bounds(now, timezone)
    if tech_ids:
        horizon_lo, horizon_hi = now - timedelta(days=1), now + timedelta(days=40)
        held = order_queries.held_in_window(
            session,
            tech_ids,
            HOLDING + (Status.AWAITING_CONFIRMATION.value, Status.COMPLETED.value),
            min(horizon_lo, day_start),
            horizon_hi,
        )
        offered = order_queries.offered_to_any(session, tech_ids)
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
        # a new time a technician asked the customer for (改约) is kept free for him
        for tid, oid, start, end, lat, lng in orders_service.proposed_windows(session, tech_ids):
            if end > now - timedelta(hours=12):
                busy.setdefault(tid, []).append(BusyInterval(start, end, LatLng(lat, lng), oid))
    taken, transfers = _recent_transfers(
        uow, tech_ids, since=now - timedelta(days=settings.dispatch.transfer_window_days)
    )
    # short of the month's training minimum (fewer offers); level C without a passed
    # course (none until one is passed)
    training_short, course_hold = training_service.dispatch_flags(
        uow, {t.id: str(t.level) for t in rows}, now=now, timezone=timezone
    )
    ratings: dict[str, list[Rating]] = {}
    if tech_ids:
        since = now - timedelta(days=365)
        given = ports.customer_ratings.ask(uow, tech_ids, since)
        for tech_id, stars_at in given.items():
            ratings[tech_id] = [Rating(min(5.0, max(1.0, stars)), at) for stars, at in stars_at]

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
        ) or t.id in short_of_deposit
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
            training_short=t.id in training_short,
        )
        weekly = None
        if t.weekly_windows is not None:
            weekly = tuple(WeeklyWindow(int(w[0]), w[1], w[2]) for w in t.weekly_windows)
        facts = TechnicianFacts(
            id=t.id,
            verified=t.verified,
            suspended=t.suspended or t.id in course_hold,
            online=t.online,
            present=here is None or t.id in here,
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
    uow: UnitOfWork, tech_ids: Sequence[str], *, since: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """Per technician since ``since``: orders taken (still held or done, plus the ones
    transferred away) and the transfers held against them (not the platform's fault)."""
    session = uow.session

    if not tech_ids:
        return {}, {}
    taken = order_queries.accepted_since(session, tech_ids, since)
    held_against: dict[str, int] = {}
    recent = technicians_service.recent_transfers(uow, technician_ids=tech_ids, since=since)
    for tid, (own, total) in recent.items():
        taken[tid] = taken.get(tid, 0) + total
        held_against[tid] = own
    return taken, held_against


def handed_back_by(uow: UnitOfWork, order_ids: Iterable[str]) -> dict[str, frozenset[str]]:

    return technicians_service.handed_back(uow, order_ids=order_ids)


def blocked_by(session: Session, customer_ids: Iterable[str]) -> dict[str, frozenset[str]]:
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
    uow: UnitOfWork,
    *,
    order: Order,
    blocked: frozenset[str] | None = None,
    handed_back: frozenset[str] | None = None,
) -> JobFacts:
    session = uow.session

    service = catalog_service.get_service(uow, service_id=order.service_id)
    if blocked is None:
        blocked = blocked_by(session, [order.customer_id]).get(order.customer_id, frozenset())
    if handed_back is None:
        handed_back = handed_back_by(uow, [order.id]).get(order.id, frozenset())
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
