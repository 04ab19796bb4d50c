"""What a booking is made of, as plain data: the place, the slot, the draft, and the
readers that turn server replies into them; what an order read says the customer may do
and which phase the order is in. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from client.citytime import CITY_TZ
from client.models import (
    OrderRead,
    PlaceRead,
    SavedAddressRead,
    ServiceRead,
    ServiceSummary,
    SlotRead,
)

JSON = dict[str, Any]
# When the server offers no slot endpoint: a 2-hour grid of start times, local time.
FALLBACK_SLOT_HOURS = (8, 10, 12, 14, 16, 18, 20)
FALLBACK_LEAD = timedelta(hours=2)


def masked_phone(phone: str) -> str:
    """138****5678: enough to recognise one's own number on screen."""
    digits = phone.strip()
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else digits


def parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def allows(order: OrderRead | None, action: str) -> bool:
    """Whether the server offers the customer this move of the order machine now (the
    order read's ``allowed_actions``: ``cancel``, ``confirm``, ``dispute``)."""
    return order is not None and action in order.allowed_actions


def in_group(order: OrderRead | None, group: str) -> bool:
    """Whether the order's status is in one of the machine's groups (the order read's
    ``status_groups``): ``assigned``, ``tracking`` (the technician is coming),
    ``work_order_open``, ``on_site``, ``working``, ``service_started``, ``terminal``."""
    return order is not None and group in order.status_groups


@dataclass
class Address:
    text: str  # the place, as found by search
    lat: float
    lng: float
    district: str = ""
    label: str = ""
    detail: str = ""  # building, unit, door: typed by the customer
    id: str | None = None  # the saved address on the server

    def to_api(self) -> JSON:
        """Where an order is booked: the place and the door in one text."""
        text = f"{self.text} {self.detail}".strip()
        return {"text": text, "lat": self.lat, "lng": self.lng, "district": self.district}

    def to_saved(self) -> JSON:
        return {
            "label": self.label or self.text[:20],
            "text": self.text,
            "lat": self.lat,
            "lng": self.lng,
            "district": self.district,
            "detail": self.detail,
        }

    @classmethod
    def from_saved(cls, row: SavedAddressRead) -> Address:
        return cls(
            text=row.text,
            lat=row.lat,
            lng=row.lng,
            district=row.district or "",
            label=row.label or "",
            detail=row.detail or "",
            id=row.id,
        )

    @classmethod
    def from_place(cls, place: PlaceRead, *, detail: str = "", label: str = "") -> Address:
        """A search hit: its name, with the street address when the name is not in it."""
        name, address = place.name, place.address
        text = address if name and name in address else f"{address} {name}".strip()
        return cls(
            text=text or name,
            lat=place.lat,
            lng=place.lng,
            district=place.district,
            label=label,
            detail=detail,
        )


@dataclass
class Slot:
    start: datetime
    end: datetime
    available: bool
    remaining: int | None = None  # None: the server gave no count (fallback grid)

    @property
    def key(self) -> str:
        return self.start.astimezone(CITY_TZ).strftime("%H%M")

    def label(self) -> str:
        a, b = self.start.astimezone(CITY_TZ), self.end.astimezone(CITY_TZ)
        return f"{a:%H:%M}-{b:%H:%M}"


@dataclass
class BookingDraft:
    service_id: str
    units: int | None = None
    area_m2: int | None = None
    addons: list[str] = field(default_factory=list)
    day: date | None = None
    slot_start: datetime | None = None
    address: Address | None = None
    notes: str = ""
    preferred_technician_id: str | None = None
    coupon_id: str | None = None  # the customer's own pick
    coupon_auto: bool = True  # no pick yet: the coupon that saves the most
    use_points: bool = False


def service_minutes(s: ServiceSummary | ServiceRead | None, units: int | None = None) -> int:
    pricing = s.pricing if s is not None else {}
    n = units or int(pricing.get("min_units") or 1)
    per = (s.duration_minutes if s is not None else 0) or 60
    if pricing.get("unit") == "hour":
        return 60 * n
    return per * n


def is_hourly(service: ServiceRead | None) -> bool:
    return service is not None and service.pricing.get("unit") == "hour"


def parse_slot(raw: SlotRead) -> Slot:
    """A slot of the server's day: ``available`` counts the eligible technicians; a past
    slot has no count to show (the view reads it as closed, a full one as full)."""
    return Slot(
        start=raw.start,
        end=raw.end,
        available=raw.status == "open",
        remaining=None if raw.status == "past" else raw.available,
    )


# The dispatcher's back-and-forth before a technician takes the order: offered to one,
# declined or timed out, offered to the next. The customer reads it as one line.
DISPATCH_CHURN = frozenset(
    {
        "order.offered",
        "order.offer_declined",
        "order.offer_timed_out",
        "dispatch.placed",
        "dispatch.unplaced",
    }
)
MATCHING = "matching"  # the type given to a run of churn collapsed into one entry


@dataclass
class TimelineEntry:
    """One line of the customer's timeline: an event, or a run of dispatch churn."""

    seq: int
    type: str  # the event's type, or ``MATCHING`` for a collapsed run
    occurred_at: datetime
    payload: dict[str, Any]


def customer_timeline(events: list[Any]) -> list[TimelineEntry]:
    """The order's events as the customer reads them: consecutive offers, declines and
    time-outs become one "matching" entry (at its first event's time), so the internal
    retries of dispatch do not fill the page until a technician accepts."""
    out: list[TimelineEntry] = []
    for e in events:
        if e.type in DISPATCH_CHURN:
            if out and out[-1].type == MATCHING:
                continue
            out.append(TimelineEntry(e.seq, MATCHING, e.occurred_at, {}))
        else:
            out.append(TimelineEntry(e.seq, e.type, e.occurred_at, dict(e.payload or {})))
    return out


@dataclass
class Bill:
    """What the order is worth now, line by line, as the server counts it."""

    booked: int  # the price paid at booking (the order read's ``total``)
    extras: list[tuple[str, int, int]]  # approved extra work: (name, quantity, fen)
    value: int  # the order read's ``order_value``: booked plus approved extras
    extras_paid: int  # approved extras already paid
    due: int  # the order read's ``amount_due``: what is still to pay


def order_bill(
    order: OrderRead, change_requests: list[Any], names: dict[str, str] | None = None
) -> Bill:
    """The booked price, each approved extra as its own line (named by ``names``, the
    rate card's names in the customer's language, else by the change request), and the
    total from the server's ``order_value``; paid and still-due extras from
    ``amount_due``, so the page never adds prices up itself."""
    names = names or {}
    extras = [
        (names.get(item.code) or item.name or item.code, item.quantity, item.amount)
        for cr in change_requests
        for item in cr.items
        if item.status == "approved"
    ]
    nothing_paid = order.status in ("PENDING_PAYMENT", "CANCELLED")
    extras_paid = 0 if nothing_paid else max(0, order.extras_total - order.amount_due)
    return Bill(
        booked=order.total,
        extras=extras,
        value=order.order_value,
        extras_paid=extras_paid,
        due=order.amount_due,
    )
