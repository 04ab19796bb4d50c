"""What a booking asks of dispatch before there is an order: the open slots of a local
day at an address (``day_slots``), and how far the nearest able technician is (the
quote's traffic subsidy, ``nearest_eligible_distance_m``)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from server.catalog import service as catalog_service
from server.core.errors import AppError
from server.core.uow import UnitOfWork
from server.dispatch import engine
from server.dispatch import reach as reach_core
from server.dispatch import slots as slots_core
from server.dispatch.eligibility import EligibilityPolicy
from server.dispatch.geo import LatLng, haversine_m
from server.dispatch.models import SlotRead, SlotsRead
from server.dispatch.world import World, blocked_by, load_settings, load_world, reachable
from server.pricing import engine as pricing_engine
from server.technicians import service as technicians_service

NEAREST_FIRST_SEARCH_M = 500.0  # the first ring searched for the nearest technician


def nearest_eligible_distance_m(
    uow: UnitOfWork, *, lat: float, lng: float, service_id: str, within_m: float
) -> float | None:
    """Distance in metres from (lat, lng) to the nearest verified technician who has the
    service's skills, by their last known position or else their service-area centre.

    Searched in growing boxes around the address (500 m, 1 km, 2 km, … up to ``within_m``)
    on indexed position columns, so a quote reads the few technicians near it whatever
    the city's size. Past ``within_m`` the exact figure does not matter to the caller:
    someone farther is reported at ``within_m`` + 1. None when nobody anywhere has the
    skills (no traffic subsidy)."""

    skills = catalog_service.get_service(uow, service_id=service_id).skills or []
    radius = min(NEAREST_FIRST_SEARCH_M, within_m)
    while True:
        box = reach_core.box_around(LatLng(lat, lng), radius)
        near = technicians_service.skilled_positions(uow, skills=skills, box=box)
        nearest = min((haversine_m(lat, lng, p_lat, p_lng) for p_lat, p_lng in near), default=None)
        if nearest is not None and nearest <= radius:  # anyone nearer would be in the box too
            return nearest
        if radius >= within_m:
            break
        radius = min(radius * 2, within_m)
    if technicians_service.skilled_positions(uow, skills=skills, box=None):
        return within_m + 1
    return None


SLOT_MAX_DAYS_AHEAD = 60  # as far ahead as a quote may be booked


def counted_slots(
    request: slots_core.SlotRequest,
    day: date,
    world: World,
    *,
    radius_m: float,
    lead: timedelta,
    policy: EligibilityPolicy,
) -> list[slots_core.Slot]:
    """``slots.day_slots`` on the world's technician arrays: a day asks a dozen decisions
    of the same technicians, so the arrays (built once) answer them (the same counts)."""
    columns = world.columns
    out: list[slots_core.Slot] = []
    for start in slots_core.day_starts(day, tz=world.timezone, length=request.length):
        end = start + request.length
        if start < world.now + lead:
            out.append(slots_core.Slot(start, end, 0, slots_core.SlotStatus.PAST))
            continue
        decision = engine.decide(
            request.job(start),
            world.techs,
            now=world.now,
            travel=world.travel,
            index=world.index,
            radius_m=radius_m,
            policy=policy,
            columns=columns,
        )
        n = len(decision.ranked)
        status = slots_core.status_of(start, n, now=world.now, lead=lead)
        out.append(slots_core.Slot(start, end, n, status))
    return out


def day_slots(
    uow: UnitOfWork,
    *,
    service_id: str,
    day: date,
    lat: float,
    lng: float,
    units: int | None,
    timezone: str,
    customer_id: str | None = None,
    prefilter: bool = True,
) -> SlotsRead:
    """The service's slots on a local day at (lat, lng), each with the number of
    technicians dispatch could offer it to (``slots.day_slots`` on this round's facts).

    Only the technicians within reach of the address are loaded (``reachable``);
    ``prefilter=False`` loads them all, the reference the counts must agree with.
    """
    session = uow.session
    clock = uow.clock

    service = catalog_service.get_service(uow, service_id=service_id)
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
    lo = int(pricing.get("min_units", 1))
    hi = int(pricing.get("max_units", max(lo, 1) * 10))
    n = units if units is not None else lo
    if not lo <= n <= hi:
        raise AppError(
            f"choose between {lo} and {hi} units",
            code="units_out_of_range",
            status_code=422,
            details={"min_units": lo, "max_units": hi},
        )
    # the slot is as long as the visit: 4 panes at 15 minutes each take an hour
    minutes = pricing_engine.visit_minutes(pricing, service.duration_minutes, n)
    blocked: frozenset[str] = frozenset()
    if customer_id:
        blocked = blocked_by(session, [customer_id]).get(customer_id, frozenset())
    settings = load_settings(uow, timezone=timezone)
    radius_m = settings.dispatch.search_radius_km * 1000.0
    ids = None
    if prefilter:
        (ids,) = reachable(uow, points=[LatLng(lat, lng)], now=now, radius_m=radius_m)
    # a slot is capacity ahead: who is online counts, whether his app is open right now not
    world = load_world(uow, now=now, timezone=timezone, settings=settings, ids=ids, presence=False)
    request = slots_core.SlotRequest(
        location=LatLng(lat, lng),
        length=timedelta(minutes=minutes),
        required_skills=frozenset(service.skills or []),
        required_certificates=frozenset(service.certificates or []),
        customer_id=customer_id or "",
        blocked_technician_ids=blocked,
    )
    result = counted_slots(
        request, day, world, radius_m=radius_m, lead=settings.booking_lead, policy=settings.policy
    )
    return SlotsRead(
        service_id=service.id,
        date=day,
        timezone=timezone,
        units=n,
        slots=[
            SlotRead(start=s.start, end=s.end, available=s.available, status=s.status.value)
            for s in result
        ],
    )
