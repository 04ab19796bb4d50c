"""The plain data the technician app's state hands its screens: server times made
aware, offers as the card shows them (from ``/technician/offers`` or the pool), notices,
a chat line not yet sent, and what an order read says the technician may do and which
phase the order is in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from client.citytime import CITY_TZ
from client.models import OfferRead, OrderRead, PoolItemRead
from technician_app.i18n import DEFAULT_LANG, day_text, t

DEFAULT_CHECKIN_RADIUS_M = 200.0


def allows(order: OrderRead, action: str) -> bool:
    """Whether the server offers the technician this move of the order machine now (the
    order read's ``allowed_actions``: ``depart``, ``arrive``, ``start`` ...)."""
    return action in order.allowed_actions


def in_group(order: OrderRead, group: str) -> bool:
    """Whether the order's status is in one of the machine's groups (the order read's
    ``status_groups``): ``assigned`` (work under way), ``tracking`` (the customer follows
    the technician), ``work_order_open``, ``on_site``, ``working``, ``service_started``,
    ``terminal``."""
    return group in order.status_groups


def city_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the service city (Asia/Shanghai), whatever zone
    the device is set to: "today" is the technician's working day there."""
    return moment.astimezone(CITY_TZ).date()


def todays_jobs(orders: Iterable[OrderRead], now: datetime) -> list[OrderRead]:
    """The jobs of the city's today: those booked for today, and those of an earlier day
    he still has to do something about (on the way or at the door: a visit running past
    midnight, one overdue), so none drops out of sight. Later days' jobs are
    :func:`upcoming_jobs`."""
    today = city_day(now)
    return [
        o
        for o in orders
        if city_day(o.scheduled_start) == today
        or (
            city_day(o.scheduled_start) < today
            and (in_group(o, "tracking") or in_group(o, "on_site"))
        )
    ]


def upcoming_jobs(orders: Iterable[OrderRead], now: datetime) -> list[OrderRead]:
    """Jobs booked for a later day than the city's today (tomorrow and on)."""
    today = city_day(now)
    return [o for o in orders if city_day(o.scheduled_start) > today]


def day_label(moment: datetime, now: datetime, lang: str = DEFAULT_LANG) -> str:
    """How a later day is named on the job list: 明日, 后天, then the date (6月5日)."""
    local = moment.astimezone(CITY_TZ)
    ahead = (local.date() - city_day(now)).days
    if ahead == 1:
        return t(lang, "day.tomorrow")
    if ahead == 2:
        return t(lang, "day.after_tomorrow")
    return day_text(lang, local.month, local.day)


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Notice:
    """One message for the technician (snack bar / banner)."""

    text: str
    kind: str = "info"  # info | error | success
    code: str | None = None
    route: str | None = None  # the screen it concerns (an alert's open button)


@dataclass
class UnsentMessage:
    """A chat line typed without signal: shown under the conversation until the queue
    has sent it and the server's copy (a ``ChatRead``) replaces it."""

    text: str
    created_at: datetime
    sender_role: str = "technician"


@dataclass
class Offer:
    """An offer as the card shows it: before acceptance only district and distance."""

    id: str
    order_id: str
    service_name: str
    district: str
    scheduled_start: datetime | None
    pay: int | None  # fen, what the technician earns
    expires_at: datetime | None
    distance_m: float | None
    raw: OfferRead | PoolItemRead
    source: str = "offer"  # offer | pool

    def seconds_left(self, now: datetime) -> int | None:
        if self.expires_at is None:
            return None
        return max(0, int((self.expires_at - now).total_seconds()))


def normalize_offer(
    raw: OfferRead | PoolItemRead, *, source: str, now: datetime | None = None
) -> Offer:
    """One row of ``GET /technician/offers`` (an ``OfferRead``, keyed by its offer id)
    or of ``GET /technician/pool`` (a ``PoolItemRead``: no offer id, no deadline; the
    order's id stands in). The countdown runs on the device clock from the server's
    ``seconds_left`` when ``now`` is given, so a phone whose clock is off still shows the
    right number of seconds."""
    expires_at: datetime | None = None
    if isinstance(raw, OfferRead):
        expires_at = (
            now + timedelta(seconds=raw.seconds_left) if now is not None else raw.expires_at
        )
    return Offer(
        id=raw.offer_id if isinstance(raw, OfferRead) else raw.order_id,
        order_id=raw.order_id,
        service_name=raw.service_name_zh or raw.service_id,
        district=raw.district,
        scheduled_start=raw.scheduled_start,
        pay=raw.technician_pay,
        expires_at=expires_at,
        distance_m=raw.distance_m,
        raw=raw,
        source=source,
    )
