"""The values the dispatch core reasons about: a technician, a job, and their parts.

Frozen dataclasses built by the service layer from database rows. Times are
timezone-aware UTC datetimes; money is integer fen; positions are WGS84 (lat, lng).
Constructors validate, so a malformed fact fails where it is built, not deep inside a
ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from server.core.money import Money
from server.dispatch.geo import LatLng, ServiceArea, TravelMode, validate_latlng
from server.technicians.models import Level


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")


def _require_point(name: str, value: LatLng | None) -> None:
    if value is None:
        return
    try:
        validate_latlng(float(value[0]), float(value[1]))
    except (TypeError, IndexError) as exc:
        raise ValueError(f"{name} must be a (lat, lng) pair") from exc


def _require_rate(name: str, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")


@dataclass(frozen=True)
class Certificate:
    kind: str
    expires_on: date | None = None  # None: does not expire
    verified: bool = True


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if not self.start < self.end:
            raise ValueError("a time range must end after it starts")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class BusyInterval:
    """A job already on the technician's calendar, and where it happens."""

    start: datetime
    end: datetime
    location: LatLng
    order_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if not self.start < self.end:
            raise ValueError("a busy interval must end after it starts")
        _require_point("location", self.location)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class WeeklyWindow:
    """A recurring working window in the city's local time.

    ``weekday`` is 0 for Monday. An ``end`` at or before ``start`` runs past midnight
    into the next day (22:00-06:00); ``start == end`` is the whole day.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")


@dataclass(frozen=True)
class Rating:
    stars: float  # 1..5; a review's overall may be the mean of several dimensions
    at: datetime

    def __post_init__(self) -> None:
        if not 1 <= self.stars <= 5:
            raise ValueError("stars must be within 1..5")
        _require_aware("at", self.at)


@dataclass(frozen=True)
class TechnicianStats:
    """Performance and workload figures the score uses (computed by the service)."""

    level: Level = Level.B
    ratings: tuple[Rating, ...] = ()  # recent dated ratings, for recency weighting
    # All-time figures; ratings beyond the dated ones count as old (see scoring).
    rating_avg: float | None = None
    rating_count: int = 0
    good_rate_30d: float | None = None  # share of good reviews in 30 days; None: no reviews
    reviews_30d: int = 0
    complaint_rate: float | None = None  # complaints / completed orders
    orders_for_complaint_rate: int = 0
    offers_received: int = 0
    offers_accepted: int = 0
    jobs_today: int = 0
    earnings_today_fen: Money = 0
    active_jobs: int = 0  # orders held right now (accepted .. in service)
    # The recent window (``dispatch.transfer_window_days``): orders taken (offer, pool
    # claim or assignment, including those later transferred) and the transfers held
    # against the technician (not those at the platform's fault).
    orders_taken_recent: int = 0
    transfers_recent: int = 0
    # Under the month's training minimum on a day it counts (server/training): the
    # service decides, the score multiplies by ``training_factor``.
    training_short: bool = False

    def __post_init__(self) -> None:
        _require_rate("good_rate_30d", self.good_rate_30d)
        _require_rate("complaint_rate", self.complaint_rate)
        if self.rating_avg is not None and not 1.0 <= self.rating_avg <= 5.0:
            raise ValueError("rating_avg must be within 1..5")
        for name in (
            "rating_count",
            "reviews_30d",
            "orders_for_complaint_rate",
            "offers_received",
            "offers_accepted",
            "jobs_today",
            "earnings_today_fen",
            "active_jobs",
            "orders_taken_recent",
            "transfers_recent",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        if self.offers_accepted > self.offers_received:
            raise ValueError("offers_accepted cannot exceed offers_received")
        if self.transfers_recent > self.orders_taken_recent:
            raise ValueError("transfers_recent cannot exceed orders_taken_recent")

    @property
    def transfer_rate(self) -> float | None:
        """Share of the recently taken orders handed back; None when none were taken."""
        if self.orders_taken_recent == 0:
            return None
        return self.transfers_recent / self.orders_taken_recent


@dataclass(frozen=True)
class TechnicianFacts:
    id: str
    verified: bool = True
    suspended: bool = False
    online: bool = True
    # The app showed a sign of life within the presence window (server/core/presence.py):
    # an offer sent now reaches someone.
    present: bool = True
    skills: frozenset[str] = frozenset()
    certificates: tuple[Certificate, ...] = ()
    service_areas: tuple[ServiceArea, ...] = ()
    home: LatLng | None = None
    location: LatLng | None = None  # last reported live position
    max_distance_km: float | None = None  # the technician's own preference
    travel_mode: TravelMode = TravelMode.EBIKE
    weekly: tuple[WeeklyWindow, ...] | None = None  # None: no weekly limits set
    time_off: tuple[TimeRange, ...] = ()
    busy: tuple[BusyInterval, ...] = ()
    blocked_customer_ids: frozenset[str] = frozenset()
    stats: TechnicianStats = field(default_factory=TechnicianStats)
    # Jobs a day this technician may take (set while restricted for complaints).
    daily_cap: int | None = None

    def __post_init__(self) -> None:
        _require_point("home", self.home)
        _require_point("location", self.location)
        if self.max_distance_km is not None and not self.max_distance_km > 0:
            raise ValueError("max_distance_km must be positive when set")

    @property
    def is_idle(self) -> bool:
        return self.stats.active_jobs == 0


@dataclass(frozen=True)
class JobFacts:
    """One visit to dispatch: where, when, what it needs, what it pays."""

    id: str
    customer_id: str
    location: LatLng
    start: datetime
    end: datetime
    required_skills: frozenset[str] = frozenset()
    required_certificates: frozenset[str] = frozenset()
    price_fen: Money = 0
    blocked_technician_ids: frozenset[str] = frozenset()
    # Technicians the order was transferred away from (however they had got it): it
    # is never given back to them.
    handed_back_by: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require_point("location", self.location)
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if not self.start < self.end:
            raise ValueError("a job must end after it starts")
        if not isinstance(self.price_fen, int) or self.price_fen < 0:
            raise ValueError("price_fen must be a non-negative integer (fen)")

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()
