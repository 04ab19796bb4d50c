"""Operators' route plan for a day: every technician's held jobs sequenced by the fleet
planner (``fleet.plan_fleet``, PyVRP) with their windows, service durations and the
project's travel model.

The jobs are already theirs, so each technician is planned alone: the problem splits
exactly, and one busy technician cannot eat another's solver time. A job is optional
to the planner, so a day that cannot all be kept still gets a plan, with the jobs that
cannot be served in their window named. A plan is advice: nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.errors import Unprocessable
from server.core.uow import UnitOfWork
from server.dispatch.facts import TechnicianFacts
from server.dispatch.fleet import FleetJob, FleetTechnician, plan_fleet
from server.dispatch.geo import LatLng, TravelMode
from server.dispatch.world import HOLDING, load_settings, load_world, travel_model
from server.orders.models import Order

DAY_RANGE_DAYS = 366  # how far from today a plan may look, either way
PLAN_SECONDS = 3.0  # solver time for the whole day, shared by the technicians
TECH_SECONDS = (0.05, 1.0)  # bounds on one technician's share
NO_IMPROVEMENT = 2000  # iterations without a better plan: a few jobs converge long before
DAY_OPENS = time(7, 0)  # local time a planned day starts, as in the technician's schedule


class PlannedStopRead(BaseModel):
    order_id: str
    status: str
    district: str
    window_start: datetime  # the booked start
    window_end: datetime  # the latest start the late tolerance allows
    travel_minutes: int  # from the previous stop, or the start
    arrive_at: datetime
    start_at: datetime
    end_at: datetime
    wait_minutes: int


class TechnicianRouteRead(BaseModel):
    technician_id: str
    name: str
    leave_at: datetime | None  # None: no jobs that day
    stops: list[PlannedStopRead]
    km: float  # road estimate from the start through every stop and back
    unserved: list[str]  # order ids that cannot be served in their window


class RoutePlanTotals(BaseModel):
    technicians: int
    jobs: int
    planned: int
    unserved: int
    km: float


class RoutePlanRead(BaseModel):
    day: date
    timezone: str
    technicians: list[TechnicianRouteRead]
    unserved: list[str]
    totals: RoutePlanTotals


def _technician_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    rows = session.exec(
        select(User.id, User.name).where(
            col(User.id).in_(list(ids)), User.role == Role.technician.value
        )
    ).all()
    return {uid: name for uid, name in rows}


def _held_orders(
    session: Session, ids: Sequence[str] | None, start: datetime, end: datetime
) -> list[Order]:
    """Orders a technician holds whose visit starts in [start, end)."""
    stmt = select(Order).where(
        col(Order.technician_id).is_not(None),
        col(Order.status).in_(list(HOLDING)),
        Order.scheduled_start >= start,
        Order.scheduled_start < end,
    )
    if ids is not None:
        stmt = stmt.where(col(Order.technician_id).in_(list(ids)))
    return list(session.exec(stmt.order_by(col(Order.scheduled_start), col(Order.id))).all())


def plan_routes(
    uow: UnitOfWork,
    *,
    day: date,
    timezone: str,
    technician_ids: Sequence[str] | None = None,
    seconds: float = PLAN_SECONDS,
) -> RoutePlanRead:
    """The day's plan per technician (all who hold a job that day, or those asked for)."""
    session = uow.session
    now = uow.clock.now()
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    if abs((day - today).days) > DAY_RANGE_DAYS:
        raise Unprocessable(
            f"plan a day within {DAY_RANGE_DAYS} days of today",
            code="day_out_of_range",
            details={"day": day.isoformat(), "today": today.isoformat()},
        )
    wanted: list[str] | None = None
    names: dict[str, str] = {}
    if technician_ids is not None:
        wanted = list(dict.fromkeys(technician_ids))
        names = _technician_names(session, wanted)
        unknown = [t for t in wanted if t not in names]
        if unknown:
            raise Unprocessable(
                "no technician with these ids", code="unknown_technicians", details={"ids": unknown}
            )
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    orders = _held_orders(session, wanted, start, end)
    if wanted is None:
        wanted = sorted({o.technician_id for o in orders if o.technician_id})
        names = _technician_names(session, wanted)
    by_tech: dict[str, list[Order]] = {t: [] for t in wanted}
    for o in orders:
        by_tech[o.technician_id or ""].append(o)
    settings = load_settings(uow, timezone=timezone)
    tolerance = timedelta(minutes=settings.dispatch.late_tolerance_minutes)
    facts = (
        load_world(
            uow, now=now, timezone=timezone, settings=settings, ids=wanted, presence=False
        ).techs
        if orders
        else {}
    )
    busy = sum(1 for held in by_tech.values() if held)
    share = min(TECH_SECONDS[1], max(TECH_SECONDS[0], seconds / max(1, busy)))
    opens = datetime.combine(day, DAY_OPENS, tzinfo=tz).astimezone(UTC)
    leave = max(now, opens) if day == today else opens
    routes = [
        _route(
            tid,
            names.get(tid, ""),
            by_tech[tid],
            facts.get(tid),
            leave=leave,
            until=end + timedelta(hours=12),
            tolerance=tolerance,
            timezone=timezone,
            seconds=share,
        )
        for tid in wanted
    ]
    unserved = [oid for r in routes for oid in r.unserved]
    return RoutePlanRead(
        day=day,
        timezone=timezone,
        technicians=routes,
        unserved=unserved,
        totals=RoutePlanTotals(
            technicians=len(routes),
            jobs=len(orders),
            planned=sum(len(r.stops) for r in routes),
            unserved=len(unserved),
            km=round(sum(r.km for r in routes), 2),
        ),
    )


def _route(
    tech_id: str,
    name: str,
    orders: list[Order],
    tech: TechnicianFacts | None,
    *,
    leave: datetime,
    until: datetime,
    tolerance: timedelta,
    timezone: str,
    seconds: float,
) -> TechnicianRouteRead:
    """One technician's day: from where they are (else home, else the first job)."""
    if not orders:
        return TechnicianRouteRead(
            technician_id=tech_id, name=name, leave_at=None, stops=[], km=0.0, unserved=[]
        )
    origin = (tech.location or tech.home) if tech is not None else None
    origin = origin or LatLng(orders[0].lat, orders[0].lng)
    mode = tech.travel_mode if tech is not None else TravelMode.EBIKE
    leave = min(leave, min(as_utc(o.scheduled_start) for o in orders))
    jobs = [
        FleetJob(
            o.id,
            LatLng(o.lat, o.lng),
            as_utc(o.scheduled_start),
            as_utc(o.scheduled_start) + tolerance,
            max(0, int((as_utc(o.scheduled_end) - as_utc(o.scheduled_start)).total_seconds())),
            required=False,
        )
        for o in orders
    ]
    travel = travel_model(timezone)
    plan = plan_fleet(
        [FleetTechnician(tech_id, origin, leave, until)],
        jobs,
        plan_start=leave,
        travel=travel,
        mode=mode,
        seconds=seconds,
        no_improvement=NO_IMPROVEMENT,
    )
    by_id = {o.id: o for o in orders}
    job_by_id = {j.id: j for j in jobs}
    stops = []
    for s in plan.routes[tech_id]:
        o, j = by_id[s.job_id], job_by_id[s.job_id]
        arrive = s.arrive_at or s.start_at
        stops.append(
            PlannedStopRead(
                order_id=o.id,
                status=o.status,
                district=o.district,
                window_start=j.earliest,
                window_end=j.latest,
                travel_minutes=round(s.travel_s / 60),
                arrive_at=arrive,
                start_at=s.start_at,
                end_at=s.end_at or s.start_at,
                wait_minutes=round((s.start_at - arrive).total_seconds() / 60),
            )
        )
    meters = plan.distance_m.get(tech_id, 0) if stops else 0
    return TechnicianRouteRead(
        technician_id=tech_id,
        name=name,
        leave_at=plan.leave_at.get(tech_id, leave),
        stops=stops,
        km=round(meters * travel.road_factor / 1000, 2),
        unserved=list(plan.unassigned),
    )
