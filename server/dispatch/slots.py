"""Bookable time slots of one local day, with how many technicians could take each. Pure.

A slot is open when at least one technician passes dispatch's own hard filters for a
job at that place and time: each slot is run through ``engine.decide`` (spatial
prefilter, then ``eligibility.evaluate``), so the count shown to a customer and the
technicians the dispatcher will later consider are the same set. Slots that start
before ``now + lead`` are "past": too soon to book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from server.dispatch.eligibility import DEFAULT_POLICY, EligibilityPolicy
from server.dispatch.engine import DEFAULT_SEARCH_RADIUS_M, decide
from server.dispatch.facts import JobFacts, TechnicianFacts
from server.dispatch.geo import LatLng, TravelTime
from server.dispatch.spatial import SpatialIndex

FIRST_START = time(8, 0)  # local: the first visit of the day starts at 08:00
DAY_END = time(20, 0)  # local: every visit ends by 20:00
STEP = timedelta(hours=1)
BOOKING_LEAD = timedelta(hours=1)  # a slot starting sooner than this is no longer bookable


class SlotStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    PAST = "past"


@dataclass(frozen=True)
class SlotRequest:
    """What is booked where: the parts of a job that do not depend on the slot."""

    location: LatLng
    length: timedelta
    required_skills: frozenset[str] = frozenset()
    required_certificates: frozenset[str] = frozenset()
    customer_id: str = ""
    blocked_technician_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.length <= timedelta(0):
            raise ValueError("a slot must have a positive length")

    def job(self, start: datetime) -> JobFacts:
        return JobFacts(
            id=f"slot:{start.isoformat()}",
            customer_id=self.customer_id,
            location=self.location,
            start=start,
            end=start + self.length,
            required_skills=self.required_skills,
            required_certificates=self.required_certificates,
            blocked_technician_ids=self.blocked_technician_ids,
        )


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC
    available: int
    status: SlotStatus


def day_starts(
    day: date,
    *,
    tz: str,
    length: timedelta,
    first: time = FIRST_START,
    last_end: time = DAY_END,
    step: timedelta = STEP,
) -> list[datetime]:
    """Aware UTC starts of the day's slots: every ``step`` from ``first`` while the visit
    still ends by ``last_end`` (local wall clock of ``tz``)."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    zone = ZoneInfo(tz)
    start = datetime.combine(day, first, tzinfo=zone)
    close = datetime.combine(day, last_end, tzinfo=zone)
    out: list[datetime] = []
    while start + length <= close:
        out.append(start.astimezone(ZoneInfo("UTC")))
        start = start + step
    return out


def status_of(start: datetime, available: int, *, now: datetime, lead: timedelta) -> SlotStatus:
    if start < now + lead:
        return SlotStatus.PAST
    return SlotStatus.OPEN if available > 0 else SlotStatus.FULL


def day_slots(
    request: SlotRequest,
    day: date,
    technicians: Mapping[str, TechnicianFacts],
    *,
    now: datetime,
    travel: TravelTime,
    tz: str,
    index: SpatialIndex | None = None,
    radius_m: float = DEFAULT_SEARCH_RADIUS_M,
    policy: EligibilityPolicy = DEFAULT_POLICY,
    lead: timedelta = BOOKING_LEAD,
) -> list[Slot]:
    """Every slot of ``day`` with the number of eligible technicians. Slots already past
    are reported with 0 and not evaluated."""
    out: list[Slot] = []
    for start in day_starts(day, tz=tz, length=request.length):
        end = start + request.length
        if start < now + lead:
            out.append(Slot(start, end, 0, SlotStatus.PAST))
            continue
        decision = decide(
            request.job(start),
            technicians,
            now=now,
            travel=travel,
            index=index,
            radius_m=radius_m,
            policy=policy,
        )
        n = len(decision.ranked)
        out.append(Slot(start, end, n, status_of(start, n, now=now, lead=lead)))
    return out
