"""The technician's day plan: their jobs in visiting order, with ETAs from where they
are and warnings when two jobs cannot both be reached in time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.auth.models import User
from server.core.clock import as_utc
from server.core.uow import UnitOfWork
from server.dispatch.common import service_names
from server.dispatch.geo import LatLng, TravelMode
from server.dispatch.models import ScheduleRead, ScheduleVisitRead
from server.dispatch.routing import DayJob, plan_day
from server.dispatch.world import HOLDING, load_settings, load_world
from server.orders import queries as order_queries


def schedule(
    uow: UnitOfWork, *, user: User, timezone: str, day: date | None = None
) -> ScheduleRead:
    """The technician's day in visiting order, with ETAs from where they are and warnings
    when two jobs cannot both be reached in time."""
    session = uow.session
    clock = uow.clock
    tz = ZoneInfo(timezone)
    now = clock.now()
    day = day or now.astimezone(tz).date()
    # the local day's bounds, in UTC like every time the API gives out (one offset style)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(days=1)
    orders = order_queries.held_starting_between(session, user.id, HOLDING, start, end)
    settings = load_settings(uow, timezone=timezone)
    world = load_world(
        uow, now=now, timezone=timezone, settings=settings, ids=[user.id], presence=False
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
    names = service_names(uow, [o.service_id for o in orders])
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
