"""Technician profiles, certificates and time off; the API schemas of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Index, event
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column
from server.technicians.availability import Area


class Level(StrEnum):
    """Quarterly technician level (S best)."""

    S = "S"
    A = "A"
    B = "B"
    C = "C"


class VerificationStatus(StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"
    suspended = "suspended"


class CertificateStatus(StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"
    expired = "expired"


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"


class TravelMode(StrEnum):
    walk = "walk"
    ebike = "ebike"
    car = "car"


class TechnicianProfile(SQLModel, table=True):
    """One row per technician account, keyed by the user id.

    The rating, acceptance and quality figures are written by the domains that own
    the facts (reviews, dispatch, orders via order events) through this domain's service;
    dispatch scoring reads them from ``list_dispatchable``.
    """

    __tablename__ = "technician_profile"
    # Dispatch asks for the technicians whose service area's box holds a waiting order
    # before it loads anyone's facts (``technicians.service.whereabouts``).
    __table_args__ = (
        Index(
            "ix_technician_profile_area_box",
            "area_lat_min",
            "area_lat_max",
            "area_lng_min",
            "area_lng_max",
        ),
        # Pricing asks for the technicians positioned near an address (the traffic subsidy).
        Index("ix_technician_profile_last_position", "last_lat", "last_lng"),
        Index("ix_technician_profile_area_center", "area_center_lat", "area_center_lng"),
    )

    user_id: str = Field(primary_key=True, foreign_key="app_user.id", max_length=40)
    gender: str | None = Field(default=None, max_length=10)
    birth_year: int | None = None
    experience_years: int = 0
    bio: str = ""
    photo_file_id: str | None = Field(default=None, max_length=40, index=True)
    skills: list[str] = Field(default_factory=list, sa_column=json_column())
    level: str = Field(default=Level.B.value, max_length=2)
    verification_status: str = Field(
        default=VerificationStatus.pending.value, index=True, max_length=20
    )
    verification_note: str = ""
    submitted_at: datetime | None = None  # last time it (re-)entered the review queue
    reviewed_at: datetime | None = None
    reviewed_by: str | None = Field(default=None, max_length=40)
    online: bool = Field(default=False, index=True)
    online_changed_at: datetime | None = None
    # service area: a circle, or a polygon of [lat, lng]
    area_center_lat: float | None = None
    area_center_lng: float | None = None
    area_radius_km: float | None = None
    area_polygon: list[list[float]] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )
    max_distance_km: float | None = None  # the technician's own preference ("only within 5 km")
    # The service area's bounding box (``availability.Area.bounds``), derived from the
    # area on every write (``_keep_area_box``): columns only so the database can search.
    area_lat_min: float | None = None
    area_lat_max: float | None = None
    area_lng_min: float | None = None
    area_lng_max: float | None = None
    travel_mode: str = Field(default=TravelMode.ebike.value, max_length=10)
    weekly_availability: dict[str, list[list[str]]] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )  # None: no weekly limits; see availability.py
    last_lat: float | None = None
    last_lng: float | None = None
    last_located_at: datetime | None = None
    # quality and workload figures (read by dispatch scoring)
    rating_avg: float | None = None
    rating_count: int = 0
    rating_dimensions: dict[str, float] = Field(default_factory=dict, sa_column=json_column())
    good_rate_30d: float | None = None
    reviews_30d: int = 0
    offers_received: int = 0
    offers_accepted: int = 0
    transfer_count: int = 0
    completed_orders: int = 0
    complaint_rate: float | None = None
    created_at: datetime
    updated_at: datetime


def area_box(profile: TechnicianProfile) -> tuple[float, float, float, float] | None:
    """The bounding box of the profile's service area (``Area.bounds``); None without one."""
    if profile.area_polygon:
        vertices = tuple((float(p[0]), float(p[1])) for p in profile.area_polygon)
        return Area(polygon=vertices).bounds()
    if (
        profile.area_center_lat is not None
        and profile.area_center_lng is not None
        and profile.area_radius_km
    ):
        center = (float(profile.area_center_lat), float(profile.area_center_lng))
        return Area(center=center, radius_km=float(profile.area_radius_km)).bounds()
    return None


@event.listens_for(TechnicianProfile, "before_insert")
@event.listens_for(TechnicianProfile, "before_update")
def _keep_area_box(mapper: Any, connection: Any, target: TechnicianProfile) -> None:
    """Every ORM write of a profile (service, demo seed, tests) keeps the box in step with
    the area, so no writer can leave a technician out of dispatch's search."""
    box = area_box(target) or (None, None, None, None)
    target.area_lat_min, target.area_lat_max, target.area_lng_min, target.area_lng_max = box


class Certificate(SQLModel, table=True):
    __tablename__ = "technician_certificate"

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    type: str = Field(max_length=60)  # catalog certificate code
    file_id: str = Field(max_length=40, index=True)
    number: str = Field(default="", max_length=60)
    expires_on: date | None = None  # None: does not expire
    status: str = Field(default=CertificateStatus.pending.value, index=True, max_length=20)
    note: str = ""
    created_at: datetime
    reviewed_at: datetime | None = None
    reviewed_by: str | None = Field(default=None, max_length=40)


class TimeOff(SQLModel, table=True):
    __tablename__ = "technician_time_off"

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    start: datetime
    end: datetime
    reason: str = ""


class TechnicianTransfer(SQLModel, table=True):
    """An accepted order that left a technician for re-dispatch: handed back by them, or
    taken back by staff or the system. Dispatch never offers that order to them again,
    and the transfers not at the platform's fault lower their priority for a while."""

    __tablename__ = "technician_transfer"

    id: int | None = Field(default=None, primary_key=True)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    at: datetime = Field(index=True)
    by_role: str = Field(max_length=20)  # technician | operator | support | admin | system
    platform_fault: bool = False
    reason: str = Field(default="", max_length=300)


# --- what dispatch reads -------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFact:
    type: str
    expires_on: date | None  # None: does not expire


@dataclass(frozen=True)
class DispatchableTechnician:
    """Everything eligibility and scoring need about one technician, as plain values.

    ``weekly`` is the normalized schedule (None: no limits) and ``weekly_windows`` the
    same as ``(weekday 0=Mon, start time, end time)`` with end <= start running past
    midnight (``00:00-00:00`` is a whole day). Times are aware UTC.
    """

    id: str
    name: str
    verified: bool
    suspended: bool
    online: bool
    level: str
    skills: frozenset[str]
    certificates: tuple[CertificateFact, ...]  # verified and not expired today
    area_center: tuple[float, float] | None
    area_radius_km: float | None
    area_polygon: tuple[tuple[float, float], ...] | None
    max_distance_km: float | None
    travel_mode: str
    weekly: dict[str, list[list[str]]] | None
    weekly_windows: tuple[tuple[int, Any, Any], ...] | None
    time_off: tuple[tuple[datetime, datetime], ...]
    location: tuple[float, float] | None
    location_at: datetime | None
    rating_avg: float | None
    rating_count: int
    good_rate_30d: float | None
    reviews_30d: int
    offers_received: int
    offers_accepted: int
    transfer_count: int
    completed_orders: int
    complaint_rate: float | None


@dataclass(frozen=True)
class TechnicianWhereabouts:
    """The few columns that say whether a technician could reach a place at all: read
    for thousands of technicians before anyone's full facts are loaded. The area fields
    have the shapes of ``DispatchableTechnician``'s."""

    id: str
    area_center: tuple[float, float] | None
    area_radius_km: float | None
    area_polygon: tuple[tuple[float, float], ...] | None
    location: tuple[float, float] | None
    location_at: datetime | None


# --- API schemas -----------------------------------------------------------------------


class LatLngIn(BaseModel):
    lat: float = PField(ge=-90, le=90)
    lng: float = PField(ge=-180, le=180)


class ProfileUpdate(BaseModel):
    """Partial update: only the fields sent change."""

    gender: Gender | None = None
    birth_year: int | None = PField(default=None, ge=1940, le=2010)
    experience_years: int | None = PField(default=None, ge=0, le=60)
    bio: str | None = PField(default=None, max_length=1000)
    photo_file_id: str | None = PField(default=None, max_length=64)
    skills: list[str] | None = PField(default=None, max_length=20)
    travel_mode: TravelMode | None = None

    @field_validator("skills")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))


class StatsRead(BaseModel):
    rating_avg: float | None
    rating_count: int
    rating_dimensions: dict[str, float]
    good_rate_30d: float | None
    reviews_30d: int
    offers_received: int
    offers_accepted: int
    acceptance_rate: float | None
    transfer_count: int
    completed_orders: int
    complaint_rate: float | None


class ProfileRead(BaseModel):
    """The technician's own view of their profile (and the operator's)."""

    user_id: str
    name: str
    phone: str  # full for the technician, masked for staff lists
    gender: str | None
    birth_year: int | None
    experience_years: int
    bio: str
    photo_file_id: str | None
    photo_url: str | None
    skills: list[str]
    level: str
    verification_status: str
    verification_note: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    online: bool
    # His app showed a sign of life within the presence window (live connection, location
    # report, going online): offers reach him only while online and present.
    present: bool
    last_seen_at: datetime | None  # his app's last sign of life, if still remembered
    travel_mode: str
    max_distance_km: float | None
    last_location: dict[str, Any] | None
    stats: StatsRead
    created_at: datetime
    updated_at: datetime


class TimeOffIn(BaseModel):
    start: AwareDatetime
    end: AwareDatetime
    reason: str = PField(default="", max_length=200)


class TimeOffRead(BaseModel):
    id: str
    start: datetime
    end: datetime
    reason: str


class AvailabilityIn(BaseModel):
    weekly: dict[str, list[list[str]]] | None = PField(
        default=None,
        description=(
            '{"mon": [["08:00","12:00"],["13:00","20:00"]], ...} local time; null: no weekly limits'
        ),
    )
    time_off: list[TimeOffIn] = PField(default_factory=list, max_length=50)


class AvailabilityRead(BaseModel):
    weekly: dict[str, list[list[str]]] | None
    weekly_minutes: int | None
    time_off: list[TimeOffRead]
    timezone: str


class ServiceAreaIn(BaseModel):
    """A circle (``center`` + ``radius_km``) or a ``polygon`` of [lat, lng] vertices."""

    center: LatLngIn | None = None
    radius_km: float | None = PField(default=None, gt=0, le=50)
    polygon: list[list[float]] | None = PField(default=None, max_length=200)
    max_distance_km: float | None = PField(default=None, gt=0, le=100)


class ServiceAreaRead(BaseModel):
    kind: str | None  # circle | polygon | None (not set yet)
    center: LatLngIn | None
    radius_km: float | None
    polygon: list[list[float]] | None
    max_distance_km: float | None


class CertificateIn(BaseModel):
    type: str = PField(min_length=1, max_length=60)
    file_id: str = PField(min_length=1, max_length=64)
    number: str = PField(default="", max_length=60)
    expires_on: date | None = None


class CertificateRead(BaseModel):
    id: str
    type: str
    type_name_zh: str
    type_name_en: str
    file_id: str
    file_url: str
    number: str
    expires_on: date | None
    status: str  # effective: a verified certificate past its date reads "expired"
    note: str
    created_at: datetime
    reviewed_at: datetime | None


class StatusIn(BaseModel):
    online: bool


class StatusRead(BaseModel):
    online: bool
    verification_status: str


class PublicCertificateRead(BaseModel):
    type: str
    name_zh: str
    name_en: str
    status: str  # verified | expired
    expires_on: date | None  # the scan itself is for its owner and the reviewers only


class PublicTechnicianRead(BaseModel):
    """What a customer may see: no phone, no exact position, no certificate numbers."""

    id: str
    name: str
    photo_url: str | None
    gender: str | None
    experience_years: int
    bio: str
    skills: list[str]
    level: str
    verified: bool
    accepting_orders: bool
    certificates: list[PublicCertificateRead]
    rating_avg: float | None
    rating_count: int
    # Filled by the reviews domain: average stars per dimension (响应速度, 技能, 态度, 物品完好).
    rating_dimensions: dict[str, float]
    good_rate_30d: float | None
    completed_orders: int


class QueueItemRead(BaseModel):
    profile: ProfileRead
    certificates: list[CertificateRead]
    service_area: ServiceAreaRead
    ready_for_review: bool  # photo, skills and at least one certificate are there


class VerifyIn(BaseModel):
    decision: str = PField(pattern="^(approve|reject)$")
    note: str = PField(default="", max_length=500)


class ReasonIn(BaseModel):
    reason: str = PField(min_length=1, max_length=500)


class LevelIn(BaseModel):
    level: Level
    reason: str = PField(default="", max_length=500)
