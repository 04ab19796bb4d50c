"""The world the city simulation makes up around the real services: its settings, the
customers' demand, the technicians' behaviour and their movement. Pure: no database.

* **demand**: bookings follow an hour-of-day curve with morning and evening peaks
  (``DEMAND_BY_HOUR``), at homes scattered around the demo compounds; a share books
  "as soon as possible" (a visit 1-2 h out), the rest a slot later that day or the next
  (``booking_times``, ``visit_start``, ``home_near``, ``draw_bookings``);
* **technicians** answer an offer more readily when the job is near
  (``accept_probability``);
* **movement** (``Itinerary``): a technician leaves for each accepted job in time to
  arrive a few minutes early (for an ASAP one at once, starting on arrival), or when
  the previous job is over if that is later; travel takes what the ``TravelTime`` model
  says, times per-trip traffic noise; jobs take their booked duration times noise, so an
  overrun makes the next visit late.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.dispatch.geo import LatLng, TravelMode, TravelTime, distance_m

# Bookings per local hour, relative to an ordinary daytime hour (1.0): people book before
# work and after it. Shaped on typical home-services traffic, not measured.
DEMAND_BY_HOUR: tuple[float, ...] = (
    0.10, 0.05, 0.05, 0.05, 0.05, 0.10, 0.30, 0.70,  # 00-07
    1.40, 1.70, 1.50, 1.10, 0.80, 0.80, 0.90, 1.00,  # 08-15
    1.00, 1.20, 1.60, 1.80, 1.50, 1.00, 0.50, 0.20,  # 16-23
)  # fmt: skip


@dataclass(frozen=True)
class SimConfig:
    hours: float = 6.0
    # Bookings: exactly ``orders`` over the run when set, else a Poisson stream of
    # ``orders_per_hour`` at an ordinary hour (weight 1.0 in DEMAND_BY_HOUR).
    orders: int | None = None
    orders_per_hour: float = 12.0
    demand_by_hour: tuple[float, ...] = DEMAND_BY_HOUR
    # Online technicians: the demo district's trade mix scaled to this many (None: the
    # district as seeded). Used by ``compare``; ``simulate`` takes the city it is given.
    technicians: int | None = None
    mode: str = "cascade"  # cascade | batch | pool
    seed: int = 7
    start: datetime = datetime(2026, 6, 1, 0, 30, tzinfo=UTC)  # 08:30 in Beijing, a Monday
    drain_minutes: float = 30.0  # dispatch goes on this long after the last booking
    # Customers
    asap_share: float = 0.3  # "as soon as possible" (only 07:00-19:00)
    asap_minutes: tuple[int, int] = (60, 120)  # how far out an ASAP visit is booked
    lead_minutes: tuple[int, int] = (120, 8 * 60)  # the others book a slot this far ahead
    near_compound_share: float = 0.75  # homes near a listed compound; else anywhere in its district
    # A customer nobody has taken the booking for after this long cancels it.
    asap_patience_minutes: float = 30.0
    patience_minutes: float = 120.0
    # Technicians
    response_median_s: float = 6.0
    response_sigma: float = 0.8  # log-normal: ~6 % answer after a 20 s window
    unanswered_share: float = 0.05  # never look at the offer (x3 while on a job)
    accept_half_km: float = 8.0  # acceptance halves at this distance to the job
    browse_minutes: float = 30.0  # an idle technician looks at the pool this often (mean)
    early_minutes: float = 5.0  # they plan to arrive this early
    duration_sigma: float = 0.15  # a job takes its booked duration x log-normal noise
    travel_sigma: float = 0.2  # a trip takes the TravelTime estimate x log-normal noise
    # The app reports the position when it changed (at most once a minute), and at
    # least this often (dispatch ignores a fix older than 2 h).
    ping_minutes: float = 30.0
    # Rules every policy runs with. An order nobody could take is tried again after
    # ``retry_unplaced_seconds`` (or at once when it changes): 120 s instead of the
    # default 30 s, because each try reloads every technician's facts (~0.1 s a round
    # on the shared machine) and the simulation must run many hours in minutes.
    common_rules: dict[str, Any] = field(default_factory=lambda: {"retry_unplaced_seconds": 120})
    # Extra ``dispatch`` rules written with the mode (e.g. weights for a policy).
    dispatch_rules: dict[str, Any] = field(default_factory=dict)
    policy: str = ""  # a label for comparisons; the mode when empty


@dataclass(frozen=True)
class Booking:
    """One customer's booking, drawn before the day starts (the same for every policy)."""

    index: int
    at: datetime
    customer: int  # index into the customers
    service: int  # index into the services
    lat: float
    lng: float
    address: str
    district: str
    start: datetime
    asap: bool
    duration_factor: float
    travel_factor: float


def booking_times(
    rng: random.Random,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    weights: tuple[float, ...],
    *,
    per_hour: float,
    count: int | None = None,
) -> list[datetime]:
    """Booking instants over [start, end): ``count`` of them spread by the hour-of-day
    weights, or a non-homogeneous Poisson stream of ``per_hour`` x weight."""
    pieces: list[tuple[datetime, float, float]] = []  # (from, seconds, weight x hours)
    t = start
    while t < end:
        local = t.astimezone(tz)
        next_hour = (
            local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        ).astimezone(UTC)
        stop = min(end, next_hour)
        seconds = (stop - t).total_seconds()
        pieces.append((t, seconds, weights[local.hour] * seconds / 3600.0))
        t = stop
    times: list[datetime] = []
    if count is not None:
        total = sum(w for _, _, w in pieces)
        if total <= 0:
            return []
        for _ in range(count):
            t0, seconds, _w = rng.choices(pieces, weights=[w for _, _, w in pieces])[0]
            times.append(t0 + timedelta(seconds=rng.uniform(0, seconds)))
    else:
        for t0, seconds, w in pieces:
            mean = per_hour * w
            gap = rng.expovariate(1.0)
            while gap < mean:  # Poisson count: unit-rate arrivals before ``mean``
                times.append(t0 + timedelta(seconds=rng.uniform(0, seconds)))
                gap += rng.expovariate(1.0)
    return sorted(times)


def visit_start(
    rng: random.Random, at: datetime, tz: ZoneInfo, config: SimConfig
) -> tuple[datetime, bool]:
    """When the visit is booked for, and whether it is an "as soon as possible" one.
    ASAP visits start 1-2 h out (5-minute steps); the others at a half hour between
    08:00 and 19:00, later that day or the next morning."""
    local = at.astimezone(tz)
    if 7 <= local.hour < 19 and rng.random() < config.asap_share:
        start = at + timedelta(minutes=rng.uniform(*config.asap_minutes))
        start = start.replace(second=0, microsecond=0)
        return start + timedelta(minutes=-start.minute % 5), True
    start = (at + timedelta(minutes=rng.uniform(*config.lead_minutes))).astimezone(tz)
    start = start.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=30 * (1 + start.minute // 30)
    )
    if start.date() != local.date() or not 8 <= start.hour < 19:
        # Too late for today: a morning or midday slot (today when booked before 08:00).
        day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
        start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz) + timedelta(
            minutes=30 * rng.randint(0, 18)
        )
    return start.astimezone(UTC), False


def home_near(
    rng: random.Random, compound: dict[str, Any], district: dict[str, Any], near: float
) -> tuple[float, float]:
    """A home near a listed compound (within a few hundred metres), or anywhere in its
    district's circle."""
    if rng.random() < near:
        lat, lng, spread_km = compound["lat"], compound["lng"], 0.25
        dlat, dlng = rng.gauss(0, spread_km), rng.gauss(0, spread_km)
    else:
        lat, lng = district["lat"], district["lng"]
        r = district["radius_km"] * math.sqrt(rng.random())
        a = rng.uniform(0, 2 * math.pi)
        dlat, dlng = r * math.cos(a), r * math.sin(a)
    return (
        round(lat + dlat / 111.32, 6),
        round(lng + dlng / (111.32 * math.cos(math.radians(lat))), 6),
    )


def accept_probability(base: float, distance_km: float, half_km: float) -> float:
    """A technician's usual acceptance rate, falling with the distance to the job:
    nearly flat for the next street, half at ``half_km``."""
    return max(0.0, min(1.0, base / (1.0 + (distance_km / half_km) ** 2)))


@dataclass(frozen=True)
class Job:
    order_id: str
    lat: float
    lng: float
    start: datetime  # booked start
    duration: timedelta  # booked duration
    booked_at: datetime
    accepted_at: datetime
    asap: bool
    duration_factor: float = 1.0
    travel_factor: float = 1.0


@dataclass(frozen=True)
class Visit:
    """One job as it happened."""

    job: Job
    depart: datetime
    arrive: datetime
    travel_s: float
    km: float
    end: datetime

    @property
    def late_s(self) -> float:
        return max(0.0, (self.arrive - self.job.start).total_seconds())


class Itinerary:
    """One technician's day: accepted jobs in start order, left for in time, driven to.

    ``advance(now)`` makes every departure due by ``now``; the trip's time is decided
    when it starts, from where the technician is then. A new day starts from home.
    """

    def __init__(
        self,
        *,
        home: LatLng,
        position: LatLng,
        mode: TravelMode,
        travel: TravelTime,
        tz: ZoneInfo,
        early: timedelta,
        road_factor: float = 1.0,
    ) -> None:
        self.home, self.pos, self.mode, self.travel = home, position, mode, travel
        self.tz, self.early, self.road_factor = tz, early, road_factor
        self.queue: list[Job] = []
        self.visits: list[Visit] = []
        self.free_at: datetime | None = None
        self._origin = position

    def add(self, job: Job) -> None:
        self.queue.append(job)
        self.queue.sort(key=lambda j: (j.start, j.order_id))

    def next_departure(self) -> datetime | None:
        return self._departure(self.queue[0])[0] if self.queue else None

    def _departure(self, job: Job) -> tuple[datetime, LatLng]:
        origin = self.pos
        if self.free_at is not None and (
            job.start.astimezone(self.tz).date() > self.free_at.astimezone(self.tz).date()
        ):
            origin = self.home  # overnight at home
        planned = (
            job.start
            - self.early
            - timedelta(
                seconds=self.travel.seconds(origin, LatLng(job.lat, job.lng), job.start, self.mode)
            )
        )
        depart = job.accepted_at if job.asap else max(planned, job.accepted_at)
        if self.free_at is not None:
            depart = max(depart, self.free_at)
        return depart, origin

    def advance(self, now: datetime) -> list[Visit]:
        started: list[Visit] = []
        while self.queue:
            job = self.queue[0]
            depart, origin = self._departure(job)
            if depart > now:
                break
            self.queue.pop(0)
            dest = LatLng(job.lat, job.lng)
            travel_s = self.travel.seconds(origin, dest, depart, self.mode) * job.travel_factor
            arrive = depart + timedelta(seconds=travel_s)
            begin = arrive if job.asap else max(arrive, job.start)  # ASAP: start on arrival
            end = begin + job.duration * job.duration_factor
            visit = Visit(
                job,
                depart,
                arrive,
                travel_s,
                distance_m(origin, dest) * self.road_factor / 1000,
                end,
            )
            self.visits.append(visit)
            started.append(visit)
            self._origin, self.pos, self.free_at = origin, dest, end
        return started

    def position(self, now: datetime) -> LatLng:
        """Where the technician is at ``now`` (after ``advance(now)``): on the road, the
        straight line between the two addresses, else the last address (or home)."""
        if self.visits:
            v = self.visits[-1]
            if v.depart <= now < v.arrive and v.travel_s > 0:
                f = (now - v.depart).total_seconds() / v.travel_s
                return LatLng(
                    self._origin.lat + f * (self.pos.lat - self._origin.lat),
                    self._origin.lng + f * (self.pos.lng - self._origin.lng),
                )
        return self.pos

    def busy(self, now: datetime) -> bool:
        """On the road or at a job."""
        return bool(self.visits) and self.visits[-1].depart <= now < self.visits[-1].end


def draw_bookings(
    config: SimConfig, tz: ZoneInfo, city: dict[str, Any], customers: int, supply: list[int]
) -> list[Booking]:
    """The day's bookings, from their own random stream: whatever the dispatcher does,
    runs with the same seed see the same customers at the same moments."""
    rng = random.Random(f"bookings-{config.seed}")
    end = config.start + timedelta(hours=config.hours)
    times = booking_times(
        rng,
        config.start,
        end,
        tz,
        config.demand_by_hour,
        per_hour=config.orders_per_hour,
        count=config.orders,
    )
    districts = {d["code"]: d for d in city["districts"]}
    compounds = city["residential_compounds"]
    out = []
    for i, at in enumerate(times):
        place = rng.choice(compounds)
        district = districts[place["district"]]
        lat, lng = home_near(rng, place, district, config.near_compound_share)
        start, asap = visit_start(rng, at, tz, config)
        out.append(
            Booking(
                index=i,
                at=at,
                customer=rng.randrange(customers),
                service=rng.choices(range(len(supply)), weights=supply)[0],
                lat=lat,
                lng=lng,
                address=place["text_zh"],
                district=district["name_zh"],
                start=start,
                asap=asap,
                duration_factor=math.exp(rng.gauss(0, config.duration_sigma)),
                travel_factor=math.exp(rng.gauss(0, config.travel_sigma)),
            )
        )
    return out
