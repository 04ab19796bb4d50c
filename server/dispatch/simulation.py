"""The city simulation behind ``doorstep simulate``: the demo district, a day of bookings,
technicians who answer offers (or not) and drive to their jobs, all on a simulated clock.

It drives the real services end to end (quotes, orders, payment, the dispatcher's rounds,
accept/decline, the grab pool and claims, location reports) on a throwaway SQLite
database, so the figures are those of the code that runs in production. What is made up
is the world around it:

* **demand**: bookings follow an hour-of-day curve with morning and evening peaks
  (``DEMAND_BY_HOUR``), at homes scattered around the demo compounds; a share books
  "as soon as possible" (a visit 1-2 h out), the rest a slot later that day or the next;
* **technicians** answer an offer after a few seconds (log-normal), more readily when the
  job is near (``accept_probability``), sometimes not at all (then it times out), and
  browse the open pool now and then when idle;
* **customers** whose booking nobody takes cancel it after a while (30 min for ASAP);
* **movement** (``Itinerary``): a technician leaves for each accepted job in time to
  arrive a few minutes early (for an ASAP one at once, starting on arrival), or when
  the previous job is over if that is later; travel takes what
  the ``TravelTime`` model says, times per-trip traffic noise; jobs take their booked
  duration times noise, so an overrun makes the next visit late. The position the app
  reports (and dispatch reads) is where the technician really is, on the road included.

``compare`` runs the same seeded day under several dispatch policies, each on its own
copy of one seeded database; bookings and the per-job noise come from streams that do
not depend on the policy, so the policies see the same customers at the same moments.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import Session, col, func, select

from server.core.clock import FrozenClock, as_utc
from server.core.errors import AppError
from server.core.settings import Settings
from server.dispatch import service as dispatch_service
from server.dispatch.geo import LatLng, TravelMode, TravelTime, distance_m
from server.dispatch.models import (
    DecisionOutcome,
    DispatchDecisionRecord,
    DispatchOffer,
    OfferStatus,
)
from server.core.crypto import FieldCipher

DEFAULT_CITY = Path(__file__).resolve().parents[2] / "assets" / "demo_city.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


# --- pure parts: demand, behaviour, movement, statistics --------------------------------


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


def _quantiles(values: list[float], digits: int = 1) -> dict[str, float]:
    if not values:
        return {}
    s = sorted(values)

    def q(p: float) -> float:
        return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))]

    return {
        "n": len(s),
        "mean": round(statistics.mean(s), digits),
        "p10": round(q(0.1), digits),
        "p50": round(q(0.5), digits),
        "p90": round(q(0.9), digits),
        "p95": round(q(0.95), digits),
        "max": round(s[-1], digits),
    }


def gini(values: list[float]) -> float:
    """0 when everyone has the same, towards 1 when one has everything."""
    if not values or sum(values) == 0:
        return 0.0
    s = sorted(values)
    n = len(s)
    cum = sum((i + 1) * v for i, v in enumerate(s))
    return round((2 * cum) / (n * sum(s)) - (n + 1) / n, 4)


def spread(values: list[float]) -> dict[str, float | None]:
    """How evenly an amount is shared: Gini and standard deviation over everyone,
    p90/p10 over those who got anything (with idle ones p10 would be 0)."""
    if not values:
        return {}
    q = _quantiles(values, digits=2)
    working = [v for v in values if v > 0]
    wq = _quantiles(working, digits=2) if working else {}
    return {
        "mean": q["mean"],
        "std": round(statistics.pstdev(values), 2),
        "p10": q["p10"],
        "p50": q["p50"],
        "p90": q["p90"],
        "max": q["max"],
        "gini": gini(values),
        "idle": len(values) - len(working),
        "p90_p10_working": round(wq["p90"] / wq["p10"], 2) if wq and wq["p10"] > 0 else None,
    }


# --- the run ------------------------------------------------------------------------------


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


@dataclass
class _Pending:
    technician_id: str
    answer_at: datetime | None  # None: never answered (times out)
    accept: bool


@contextmanager
def _seeded_ids(seed: int, phase: int) -> Iterator[None]:
    """Ids from a seeded counter instead of the wall clock and os.urandom, while the
    block runs: dispatch breaks exact ties by id and lists technicians in id order, so
    the same seed then gives the same run. ``phase`` keeps the streams of seeding and
    of the run apart (they write to the same database)."""
    from ulid import ULID

    from server.core import ids

    rng = random.Random(f"ids-{seed}-{phase}")
    counter = itertools.count(1)
    base = (1_780_000_000_000 + phase * 86_400_000) << 80

    def make() -> ULID:
        return ULID.from_int(base | (next(counter) << 32) | rng.getrandbits(32))

    real = ids.ULID
    ids.ULID = make  # type: ignore[assignment]
    try:
        yield
    finally:
        ids.ULID = real


def _forget_process_state() -> None:
    """Runs in one process share two memos keyed by ids and times that repeat from run to
    run with seeded ids: the cascade's "recently unplaced" orders and the parsed rules."""
    from server.ops import service as ops_service

    dispatch_service._unplaced.clear()
    ops_service._cache.clear()


def _is_seeded(session: Session, cipher: FieldCipher, city: dict[str, Any]) -> bool:
    from server.auth import service as auth_service

    admin = next(str(s["phone"]) for s in city["demo_seed"]["staff"] if s["role"] == "admin")
    return auth_service.find_by_phone(session=session, cipher=cipher, phone=admin) is not None


def seed_city(*, engine: Any, settings: Settings, config: SimConfig, city_path: Path) -> None:
    """Seed the district (catalog, technicians, customers, staff) as of ``config.start``."""
    from server.demo import seed_demo

    cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
    city = yaml.load(city_path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    with Session(engine, expire_on_commit=False) as session, _seeded_ids(config.seed, 0):
        if not _is_seeded(session, cipher, city):
            seed_demo(session, cipher, FrozenClock(config.start), settings, city_path=city_path)


def _services_with_supply(session: Session, techs: list[Any]) -> tuple[list[Any], list[int]]:
    """Services online, verified technicians can do (skills and papers), with how many
    can do each: demand follows supply, as it does in a market that has settled."""
    from server.catalog import service as catalog_service

    out, counts = [], []
    for svc in catalog_service.search(session=session):
        need_skills = set(svc.skills or [])
        need_certs = set(svc.certificates or [])
        if svc.duration_minutes > 12 * 60:
            continue  # live-in packages are booked days ahead, not for the same day
        able = sum(
            1
            for t in techs
            if need_skills <= set(t.skills) and need_certs <= {c.type for c in t.certificates}
        )
        if able:
            out.append(svc)
            counts.append(able)
    return out, counts


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


def _home(t: Any) -> LatLng | None:
    if t.area_center:
        return LatLng(*t.area_center)
    if t.area_polygon:
        pts = t.area_polygon
        return LatLng(sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    return LatLng(*t.location) if t.location else None


def _travel_mode(value: str | None) -> TravelMode:
    try:
        return TravelMode(value or TravelMode.EBIKE.value)
    except ValueError:
        return TravelMode.EBIKE


class _Run:
    """One simulated day on one database: the loop and its bookkeeping."""

    def __init__(
        self,
        *,
        engine: Any,
        settings: Settings,
        config: SimConfig,
        city: dict[str, Any],
        echo: Callable[[str], None],
    ) -> None:
        self.engine, self.settings, self.config, self.echo = engine, settings, config, echo
        self.tz_name = settings.timezone
        self.tz = ZoneInfo(settings.timezone)
        self.clock = FrozenClock(config.start)
        self.cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
        self.rng = random.Random(f"behaviour-{config.seed}")
        self.city = city
        self.pending: dict[str, _Pending] = {}
        self.booking_of: dict[str, Booking] = {}  # order id -> booking
        self.paid_at: dict[str, datetime] = {}
        self.give_up_at: dict[str, datetime] = {}  # untaken orders: when the customer cancels
        self.round_ms: list[float] = []
        self.rounds = 0
        self.batch_rounds = 0
        self.claims = 0
        self.errors = 0

    # -- set-up

    def setup(self) -> None:
        from server.auth import service as auth_service
        from server.auth.models import Role, User
        from server.ops import service as ops_service
        from server.technicians import service as technicians_service

        config = self.config
        with Session(self.engine, expire_on_commit=False) as session:
            staff_phone = next(
                str(s["phone"]) for s in self.city["demo_seed"]["staff"] if s["role"] == "operator"
            )
            operator = auth_service.find_by_phone(
                session=session, cipher=self.cipher, phone=staff_phone
            )
            ops_service.update_rules(
                session=session,
                user=operator,
                data={
                    "dispatch": {
                        **config.common_rules,
                        **config.dispatch_rules,
                        "mode": config.mode,
                    }
                },
                expected_version=None,
                note=f"simulation: {config.policy or config.mode}",
                clock=self.clock,
            )
            session.commit()
            self.rules = dispatch_service.load_settings(session=session, timezone=self.tz_name)
            online = technicians_service.list_dispatchable(session=session, now=self.clock.now())
            self.customers = list(
                session.exec(
                    select(User).where(User.role == Role.customer.value).order_by(col(User.id))
                ).all()
            )
            self.services, supply = _services_with_supply(session, online)
            self.users = {
                u.id: u
                for u in session.exec(select(User).where(col(User.id).in_([t.id for t in online])))
            }
        if not self.customers or not self.services or not online:
            raise RuntimeError("the district has no customers, services or online technicians")
        self.online = online
        self.level = {t.id: t.level for t in online}
        self.accept_rate = {
            t.id: min(0.97, max(0.6, t.offers_accepted / t.offers_received))
            if t.offers_received
            else 0.85
            for t in online
        }
        travel = dispatch_service.travel_model(self.tz_name)
        early = timedelta(minutes=config.early_minutes)
        self.trips: dict[str, Itinerary] = {}
        for t in online:
            home = _home(t)
            if home is None:
                continue
            self.trips[t.id] = Itinerary(
                home=home,
                position=LatLng(*t.location) if t.location else home,
                mode=_travel_mode(t.travel_mode),
                travel=travel,
                tz=self.tz,
                early=early,
                road_factor=getattr(travel, "road_factor", 1.0),
            )
        self.last_ping = {tid: self.clock.now() - timedelta(days=1) for tid in self.trips}
        self.reported = {tid: trip.pos for tid, trip in self.trips.items()}
        self.next_browse = {
            tid: self.clock.now()
            + timedelta(minutes=self.rng.expovariate(1 / config.browse_minutes))
            for tid in sorted(self.trips)
        }
        self.bookings = draw_bookings(config, self.tz, self.city, len(self.customers), supply)

    # -- one wake

    def _book(self, session: Session, b: Booking) -> None:
        from server.orders import service as orders_service
        from server.orders.machine import Action, Actor, ActorKind
        from server.pricing import service as pricing_service
        from server.pricing.models import AddressIn, QuoteCreate

        customer = self.customers[b.customer]
        body = QuoteCreate(
            service_id=self.services[b.service].id,
            address=AddressIn(lat=b.lat, lng=b.lng, text=b.address, district=b.district),
            scheduled_start=b.start,
        )
        try:
            quote = pricing_service.create_quote(
                session=session,
                customer=customer,
                body=body,
                clock=self.clock,
                cipher=self.cipher,
                timezone=self.tz_name,
            )
            session.commit()
            order = orders_service.create_from_quote(
                session=session,
                customer=customer,
                quote_id=quote.id,
                notes="",
                preferred_technician_id=None,
                clock=self.clock,
                cipher=self.cipher,
            )
            orders_service.move(
                session=session,
                order_id=order.id,
                action=Action.PAYMENT_SUCCEEDED,
                actor=Actor(ActorKind.SYSTEM),
                clock=self.clock,
            )
            self.booking_of[order.id] = b
            self.paid_at[order.id] = self.clock.now()
            patience = self.config.asap_patience_minutes if b.asap else self.config.patience_minutes
            self.give_up_at[order.id] = self.clock.now() + timedelta(minutes=patience)
        except AppError as exc:
            session.rollback()
            self.errors += 1
            self.echo(f"  booking refused: {exc.code}")

    def _took(self, session: Session, technician_id: str, order_id: str) -> None:
        """A technician holds the order now: it joins their day."""
        from server.orders.models import Order

        order = session.get(Order, order_id)
        b = self.booking_of[order_id]
        now = self.clock.now()
        self.give_up_at.pop(order_id, None)
        if technician_id not in self.trips:
            return
        self.trips[technician_id].add(
            Job(
                order_id=order_id,
                lat=order.lat,
                lng=order.lng,
                start=as_utc(order.scheduled_start),
                duration=as_utc(order.scheduled_end) - as_utc(order.scheduled_start),
                booked_at=self.paid_at[order_id],
                accepted_at=now,
                asap=b.asap,
                duration_factor=b.duration_factor,
                travel_factor=b.travel_factor,
            )
        )

    def _give_up(self, session: Session) -> None:
        """Customers whose booking nobody took in time cancel it."""
        from server.orders import service as orders_service
        from server.orders.machine import Action, Actor, ActorKind
        from server.orders.models import Order

        now = self.clock.now()
        for order_id, at in sorted(self.give_up_at.items(), key=lambda kv: (kv[1], kv[0])):
            if at > now:
                continue
            del self.give_up_at[order_id]
            order = session.get(Order, order_id)
            if order is None or order.status not in ("PENDING_DISPATCH", "OFFERED"):
                continue
            try:
                orders_service.move(
                    session=session,
                    order_id=order_id,
                    action=Action.CANCEL,
                    actor=Actor(ActorKind.CUSTOMER, order.customer_id),
                    clock=self.clock,
                    reason="nobody took it",
                )
            except AppError as exc:
                session.rollback()
                self.errors += 1
                self.echo(f"  cancellation refused: {exc.code}")

    def _answer(self, session: Session) -> bool:
        """Answers due by now. Returns whether an order went back to waiting."""
        now = self.clock.now()
        changed = False
        for key in sorted(self.pending, key=lambda k: (self.pending[k].answer_at or now, k)):
            p = self.pending[key]
            if p.answer_at is None or p.answer_at > now:
                continue
            offer = session.get(DispatchOffer, key)
            del self.pending[key]
            if offer is None or offer.status != OfferStatus.PENDING.value:
                continue
            user = self.users[p.technician_id]
            try:
                if p.accept:
                    dispatch_service.accept_offer(
                        session=session,
                        user=user,
                        offer_id=key,
                        clock=self.clock,
                        timezone=self.tz_name,
                        cipher=self.cipher,
                    )
                    self._took(session, p.technician_id, offer.order_id)
                else:
                    dispatch_service.decline_offer(
                        session=session,
                        user=user,
                        offer_id=key,
                        clock=self.clock,
                        timezone=self.tz_name,
                        reason="busy",
                    )
                    changed = True
            except AppError:  # e.g. no longer eligible: the order waits again
                session.rollback()
                changed = True
        return changed

    def _browse(self, session: Session) -> bool:
        """Idle technicians whose turn it is look at the pool and may grab the nearest."""
        now = self.clock.now()
        took = False
        for tid, due in sorted(self.next_browse.items()):
            if due > now:
                continue
            self.next_browse[tid] = now + timedelta(
                minutes=self.rng.expovariate(1 / self.config.browse_minutes)
            )
            if self.trips[tid].busy(now):
                continue
            items = dispatch_service.pool(
                session=session,
                user=self.users[tid],
                clock=self.clock,
                timezone=self.tz_name,
                limit=1,
            )
            if not items:
                continue
            km = items[0].distance_m / 1000
            if self.rng.random() >= accept_probability(
                self.accept_rate[tid], km, self.config.accept_half_km
            ):
                continue
            try:
                dispatch_service.claim(
                    session=session,
                    user=self.users[tid],
                    order_id=items[0].order_id,
                    clock=self.clock,
                    timezone=self.tz_name,
                    cipher=self.cipher,
                )
                self._took(session, tid, items[0].order_id)
                self.claims += 1
                took = True
            except AppError:
                session.rollback()
        return took

    def _new_offers(self, session: Session) -> None:
        """Decide how and when each new offer's technician answers."""
        offers = session.exec(
            select(DispatchOffer).where(DispatchOffer.status == OfferStatus.PENDING.value)
        ).all()
        now = self.clock.now()
        for offer in sorted(offers, key=lambda o: (as_utc(o.created_at), o.id)):
            if offer.id in self.pending:
                continue
            tid = offer.technician_id
            busy = self.trips[tid].busy(now) if tid in self.trips else False
            unanswered = self.config.unanswered_share * (3 if busy else 1)
            answer_at = None
            if self.rng.random() >= unanswered:
                delay = self.config.response_median_s * math.exp(
                    self.rng.gauss(0, self.config.response_sigma)
                )
                answer_at = as_utc(offer.created_at) + timedelta(seconds=delay)
                if answer_at >= as_utc(offer.expires_at):
                    answer_at = None  # too slow: the offer times out first
            p = accept_probability(
                self.accept_rate.get(tid, 0.85), offer.distance_m / 1000, self.config.accept_half_km
            )
            self.pending[offer.id] = _Pending(tid, answer_at, self.rng.random() < p)

    def _move_technicians(self, session: Session) -> None:
        """Departures due by now; the app reports where each technician is."""
        from server.technicians import service as technicians_service

        now = self.clock.now()
        for tid in sorted(self.trips):
            trip = self.trips[tid]
            trip.advance(now)
            where = trip.position(now)
            since = now - self.last_ping[tid]
            moved = distance_m(where, self.reported[tid]) > 100.0
            if since < timedelta(minutes=1) or not (
                moved or since >= timedelta(minutes=self.config.ping_minutes)
            ):
                continue
            technicians_service.update_location(
                session=session, user_id=tid, lat=where.lat, lng=where.lng, at=now, commit=False
            )
            self.last_ping[tid], self.reported[tid] = now, where
        session.commit()

    def _waiting(self, session: Session) -> int:
        from server.orders.models import Order

        now = self.clock.now()
        return session.exec(
            select(func.count())
            .select_from(Order)
            .where(Order.status == "PENDING_DISPATCH", Order.scheduled_end > now)
        ).one()

    def _dispatch(self, session: Session) -> None:
        """The dispatcher's round at this moment, as the server's loop would run it: in
        batch mode the matching only on the batch beat (``batch_interval_seconds``), and
        then only if something changed or ``retry_unplaced_seconds`` passed (the cascade
        skips orders it could not place for that long, too)."""
        now = self.clock.now()
        rules = self.rules.dispatch
        t0 = time.perf_counter()
        if self.config.mode == "batch":
            since = None if self.last_batch is None else (now - self.last_batch).total_seconds()
            due = since is None or since >= rules.batch_interval_seconds
            if not (due and (self.news or since is None or since >= rules.retry_unplaced_seconds)):
                # off the beat a round only expires overdue offers
                self.news |= dispatch_service.expire_offers(session=session, clock=self.clock) > 0
                return
            self.last_batch, self.news = now, False
            self.batch_rounds += 1
        result = dispatch_service.run_round(
            session=session, clock=self.clock, timezone=self.tz_name, batch_due=True
        )
        self.rounds += 1
        self.errors += result.errors
        self.news |= result.expired > 0
        if result.offered:
            self.round_ms.append((time.perf_counter() - t0) * 1000.0)

    def _next_wake(self, session: Session, bookings: list[Booking]) -> datetime:
        """The next moment anything can happen: a booking, an answer, an offer's deadline,
        a departure or arrival, a position report, and while orders wait the dispatcher's
        next try."""
        now = self.clock.now()
        rules = self.rules.dispatch
        wakes = [now + timedelta(minutes=self.config.ping_minutes)]
        if bookings:
            wakes.append(bookings[0].at)
        wakes += [p.answer_at for p in self.pending.values() if p.answer_at is not None]
        if self.give_up_at:
            wakes.append(min(self.give_up_at.values()))
        if self.pending:
            first = session.exec(
                select(func.min(DispatchOffer.expires_at)).where(
                    DispatchOffer.status == OfferStatus.PENDING.value
                )
            ).one()
            if first is not None:
                wakes.append(as_utc(first))
        for trip in self.trips.values():
            departure = trip.next_departure()
            if departure is not None:
                wakes.append(departure)
            if trip.visits:
                wakes.append(trip.visits[-1].arrive)
        if self.waiting:  # (technicians look at the pool at these wakes, too)
            if self.config.mode == "batch" and self.last_batch is not None:
                wait = rules.batch_interval_seconds if self.news else rules.retry_unplaced_seconds
                wakes.append(self.last_batch + timedelta(seconds=wait))
            else:  # the cascade's retries, on a grid so that they come together
                step = rules.retry_unplaced_seconds
                done = (now - self.config.start).total_seconds() // step + 1
                wakes.append(self.config.start + timedelta(seconds=done * step))
        return min(w for w in wakes if w > now)

    def run(self) -> SimReport:
        config = self.config
        bookings = list(self.bookings)
        closes = config.start + timedelta(hours=config.hours, minutes=config.drain_minutes)
        self.last_batch: datetime | None = None
        self.news = True  # something changed since the last batch round
        self.waiting = 0
        self.echo(
            f"  {config.hours:g} h from {config.start.astimezone(self.tz):%H:%M}, "
            f"{len(bookings)} bookings, {len(self.trips)} technicians online, "
            f"mode {config.mode}"
        )
        wall = time.perf_counter()
        while True:
            with Session(self.engine, expire_on_commit=False) as session:
                self._move_technicians(session)
                while bookings and bookings[0].at <= self.clock.now():
                    self._book(session, bookings.pop(0))
                    self.news = True
                self.news |= self._answer(session)
                self._give_up(session)
                if self.waiting:
                    self._browse(session)
                self._dispatch(session)
                self._new_offers(session)
                self.waiting = self._waiting(session)
                following = self._next_wake(session, bookings)
            if following >= closes:
                break
            self.clock.set(following)
        for trip in self.trips.values():  # the jobs still ahead happen as planned
            trip.advance(datetime.max.replace(tzinfo=UTC))
        return self._report(time.perf_counter() - wall)

    # -- figures

    def _report(self, wall_seconds: float) -> SimReport:
        from server.orders.models import Order

        config = self.config
        ids = list(self.paid_at)
        with Session(self.engine, expire_on_commit=False) as session:
            orders = list(session.exec(select(Order).where(col(Order.id).in_(ids))).all())
            offers = list(
                session.exec(
                    select(DispatchOffer).where(col(DispatchOffer.order_id).in_(ids))
                ).all()
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
                "start_local": config.start.astimezone(self.tz).isoformat(),
                "demand_by_hour": list(config.demand_by_hour),
            },
            technicians_online=len(self.online),
        )
        r.orders = len(orders)
        r.asap_orders = sum(1 for o in orders if self.booking_of[o.id].asap)
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
        r.claims = self.claims
        r.rounds, r.batch_rounds, r.errors = self.rounds, self.batch_rounds, self.errors
        r.served_rate = round(r.accepted / r.orders, 3) if r.orders else 0.0
        r.time_to_accept_s = _quantiles(
            [(as_utc(o.accepted_at) - self.paid_at[o.id]).total_seconds() for o in accepted]
        )
        per_order: dict[str, int] = {}
        for o in offers:
            per_order[o.order_id] = per_order.get(o.order_id, 0) + 1
        if accepted:
            r.offers_per_accepted_order = round(
                statistics.mean(per_order.get(o.id, 0) for o in accepted), 2
            )
        won = [o for o in offers if o.status == OfferStatus.ACCEPTED.value]
        r.offer_km = _quantiles([o.distance_m / 1000 for o in won], digits=2)

        visits = [v for trip in self.trips.values() for v in trip.visits]
        r.jobs_done = len(visits)
        asap = [v for v in visits if v.job.asap]
        r.asap_eta_min = _quantiles(
            [(v.arrive - v.job.booked_at).total_seconds() / 60 for v in asap]
        )
        r.travel_min = _quantiles([v.travel_s / 60 for v in visits])
        r.late_min = _quantiles([v.late_s / 60 for v in visits if v.late_s > 0])
        r.km_per_job = round(statistics.mean(v.km for v in visits), 2) if visits else 0.0
        r.on_time_share = (
            round(sum(1 for v in visits if v.late_s == 0) / len(visits), 3) if visits else 0.0
        )
        r.asap_on_time_share = (
            round(sum(1 for v in asap if v.late_s == 0) / len(asap), 3) if asap else 0.0
        )
        jobs = {t.id: 0 for t in self.online}
        pay = {t.id: 0 for t in self.online}
        for o in accepted:
            if o.technician_id in jobs:
                jobs[o.technician_id] += 1
                pay[o.technician_id] += self.rules.technician_pay(
                    o.total, self.level.get(o.technician_id)
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
        for b in self.bookings:
            h = f"{b.at.astimezone(self.tz).hour:02d}"
            hours[h] = hours.get(h, 0) + 1
        r.bookings_by_hour = dict(sorted(hours.items()))
        r.round_ms = _quantiles(self.round_ms)
        r.wall_seconds = round(wall_seconds, 1)
        return r


def simulate(
    *,
    engine: Any,
    settings: Settings,
    config: SimConfig = SimConfig(),
    city_path: Path = DEFAULT_CITY,
    echo: Callable[[str], None] = print,
) -> SimReport:
    """One simulated day on ``engine`` (seeded with the district first if it is not)."""
    city = yaml.load(city_path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    seed_city(engine=engine, settings=settings, config=config, city_path=city_path)
    _forget_process_state()
    with _seeded_ids(config.seed, 1):
        run = _Run(engine=engine, settings=settings, config=config, city=city, echo=echo)
        run.setup()
        return run.run()


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


# --- Policies side by side -----------------------------------------------------------

# Nearest-first greedy: the cascade scoring distance alone, with the multiplier rules
# (idle-nearby boost, good-rate and complaint factors) neutral.
NEAREST_RULES: dict[str, Any] = {
    "weights": {"proximity": 1.0, "rating": 0.0, "level": 0.0, "fairness": 0.0, "acceptance": 0.0},
    "scoring": {
        "proximity_basis": "distance",
        "nearby_idle_boost": 1.0,
        "good_rate_factor": 1.0,
        "complaint_factor": 1.0,
    },
}
POLICIES: dict[str, tuple[str, dict[str, Any], str]] = {
    "nearest": (
        "cascade",
        NEAREST_RULES,
        "cascade, distance-only weights, multiplier rules neutral",
    ),
    "cascade": ("cascade", {}, "cascade, the default weights"),
    "batch": ("batch", {}, "batch assignment every batch_interval_seconds, the default weights"),
}


def scaled_city(city_path: Path, online: int | None, out: Path) -> Path:
    """The district with its trade mix scaled to ``online`` technicians taking orders
    (shares kept, at least one per trade), without the seed's few past orders (they
    only add PDF work orders and would slow every run)."""
    city = yaml.load(city_path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    seed = city["demo_seed"]
    seed["historic_orders"] = []
    if online is not None:
        mix = seed["technician_mix"]
        away = sum(
            int(seed[k])
            for k in ("pending_technicians", "offline_technicians", "suspended_technicians")
        )
        if online < len(mix):
            raise ValueError(f"at least {len(mix)} technicians (one per trade)")
        total = sum(m["count"] for m in mix)
        target = online + away
        exact = [m["count"] * target / total for m in mix]
        counts = [max(1, int(x)) for x in exact]
        by_remainder = sorted(range(len(mix)), key=lambda i: (-(exact[i] - int(exact[i])), i))
        for i in itertools.islice(itertools.cycle(by_remainder), max(0, target - sum(counts))):
            counts[i] += 1
        for m, n in zip(mix, counts, strict=True):
            m["count"] = n
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(city, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def compare(
    *,
    settings: Settings,
    config: SimConfig,
    workdir: Path,
    policies: tuple[str, ...] = tuple(POLICIES),
    city_path: Path = DEFAULT_CITY,
    echo: Callable[[str], None] = print,
) -> dict[str, SimReport]:
    """The same seeded day under each policy, each on its own copy of one seeded database."""
    from sqlmodel import SQLModel

    import server.models  # noqa: F401  (every table on the metadata)
    from server.core.db import make_engine

    workdir.mkdir(parents=True, exist_ok=True)
    city = scaled_city(city_path, config.technicians, workdir / "city.yaml")
    template = workdir / "seeded.db"
    if template.exists():
        raise RuntimeError(f"{template} exists: the comparison needs a fresh directory")
    echo("seeding the demo district...")
    engine = make_engine(f"sqlite:///{template}")
    try:
        SQLModel.metadata.create_all(engine)
        seed_city(
            engine=engine,
            settings=settings.model_copy(update={"data_dir": workdir / "files"}),
            config=config,
            city_path=city,
        )
    finally:
        engine.dispose()  # the last connection to close checkpoints the WAL into the file
    reports: dict[str, SimReport] = {}
    for name in policies:
        mode, rules, _about = POLICIES[name]
        db = workdir / f"{name}.db"
        shutil.copyfile(template, db)
        engine = make_engine(f"sqlite:///{db}")
        try:
            echo(f"--- policy {name}")
            reports[name] = simulate(
                engine=engine,
                settings=settings.model_copy(update={"data_dir": workdir / "files"}),
                config=replace(config, mode=mode, dispatch_rules=rules, policy=name),
                city_path=city,
                echo=echo,
            )
        finally:
            engine.dispose()
    return reports


COMPARE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("booked", "booked"),
    ("served", "served"),
    ("accept_p50_s", "accept p50 s"),
    ("accept_p90_s", "accept p90 s"),
    ("asap_eta_mean_min", "ASAP ETA mean min"),
    ("asap_eta_p95_min", "ASAP ETA p95 min"),
    ("travel_mean_min", "travel mean min"),
    ("travel_p95_min", "travel p95 min"),
    ("km_per_job", "km/job"),
    ("on_time", "on time"),
    ("pay_gini", "pay Gini"),
    ("pay_p90_p10", "pay p90/p10"),
    ("pay_std_yuan", "pay std ¥"),
    ("timeouts", "offer timeouts"),
)
_PERCENT = ("served", "on_time")


def compare_rows(reports: dict[str, SimReport]) -> dict[str, dict[str, float | None]]:
    rows: dict[str, dict[str, float | None]] = {}
    for name, r in reports.items():
        rows[name] = {
            "booked": r.orders,
            "served": r.served_rate,
            "accept_p50_s": r.time_to_accept_s.get("p50"),
            "accept_p90_s": r.time_to_accept_s.get("p90"),
            "asap_eta_mean_min": r.asap_eta_min.get("mean"),
            "asap_eta_p95_min": r.asap_eta_min.get("p95"),
            "travel_mean_min": r.travel_min.get("mean"),
            "travel_p95_min": r.travel_min.get("p95"),
            "km_per_job": r.km_per_job,
            "on_time": r.on_time_share,
            "pay_gini": r.earnings_yuan.get("gini"),
            "pay_p90_p10": r.earnings_yuan.get("p90_p10_working"),
            "pay_std_yuan": r.earnings_yuan.get("std"),
            "timeouts": r.offers_expired,
        }
    return rows


def ratios(
    rows: dict[str, dict[str, float | None]], baseline: str = "nearest"
) -> dict[str, dict[str, float | None]]:
    """Each policy's figures over the baseline's (None where either is missing or 0)."""
    base = rows.get(baseline)
    if base is None:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, row in rows.items():
        out[name] = {
            k: round(v / base[k], 3) if v is not None and base[k] else None for k, v in row.items()
        }
    return out


def _cell(key: str, v: float | None) -> str:
    if v is None:
        return "–"
    if key in _PERCENT:
        return f"{v:.0%}"
    if key in ("booked", "timeouts"):
        return str(int(v))
    return f"{v:g}"


def compare_table(reports: dict[str, SimReport]) -> list[str]:
    """A Markdown table, one row per policy."""
    rows = compare_rows(reports)
    head = "| policy | " + " | ".join(label for _k, label in COMPARE_COLUMNS) + " |"
    lines = [head, "|---" * (len(COMPARE_COLUMNS) + 1) + "|"]
    for name, row in rows.items():
        cells = [_cell(key, row[key]) for key, _label in COMPARE_COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write_compare(reports: dict[str, SimReport], json_path: Path, png_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    rows = compare_rows(reports)
    body = {
        "policies": {name: POLICIES[name][2] for name in reports if name in POLICIES},
        "summary": rows,
        "vs_nearest": ratios(rows),
        "reports": {name: asdict(r) for name, r in reports.items()},
    }
    json_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot_compare(reports, png_path)


def plot_compare(reports: dict[str, SimReport], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = compare_rows(reports)
    names = list(rows)
    panels = (
        (("served",), "served rate", 1.0),
        (("accept_p50_s", "accept_p90_s"), "time to accept, s (p50, p90)", None),
        (
            ("asap_eta_mean_min", "asap_eta_p95_min"),
            "ASAP: booked to arrival, min (mean, p95)",
            None,
        ),
        (("travel_mean_min", "travel_p95_min"), "travel to the job, min (mean, p95)", None),
        (("km_per_job",), "km driven per job", None),
        (("on_time",), "on-time arrival", 1.0),
        (("pay_gini",), "technician pay Gini (lower = fairer)", None),
        (("pay_std_yuan",), "technician pay std, yuan", None),
        (("timeouts",), "offer timeouts", None),
    )
    fig, axes = plt.subplots(2, 5, figsize=(17, 6.6))
    colors = ["#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c"]
    flat = list(axes.flat)
    for ax, (keys, title, top) in zip(flat, panels, strict=False):
        width = 0.8 / len(keys)
        for k, key in enumerate(keys):
            values = [float(rows[n][key] or 0.0) for n in names]
            xs = [i + (k - (len(keys) - 1) / 2) * width for i in range(len(names))]
            bars = ax.bar(
                xs, values, width=width, color=colors[: len(names)], alpha=1.0 if k == 0 else 0.55
            )
            ax.bar_label(bars, labels=[_cell(key, v) for v in values], fontsize=7)
        ax.set_xticks(range(len(names)), names)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        if top is not None:
            ax.set_ylim(0, top * 1.12)
        else:
            ax.margins(y=0.15)
    first = next(iter(reports.values()))
    demand = flat[len(panels)]
    hours = list(first.bookings_by_hour)
    demand.bar(hours, [first.bookings_by_hour[h] for h in hours], color="#9467bd")
    demand.set_title("bookings by local hour (every policy)", fontsize=9)
    demand.tick_params(labelsize=7)
    cfg = first.config
    fig.suptitle(
        f"Demo district, {cfg.get('hours')} simulated h from {str(cfg.get('start_local'))[11:16]}, "
        f"{first.orders} bookings ({first.asap_orders} ASAP), "
        f"{first.technicians_online} technicians online, seed {cfg.get('seed')}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
