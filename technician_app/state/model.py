"""The plain data the technician app's state hands its screens: server times made
aware, offers as the card shows them (from ``/technician/offers`` or the pool), notices,
and what an order read says the technician may do and which phase the order is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from client import geo

DEFAULT_CHECKIN_RADIUS_M = 200.0


def allows(order: dict[str, Any], action: str) -> bool:
    """Whether the server offers the technician this move of the order machine now (the
    order read's ``allowed_actions``: ``depart``, ``arrive``, ``start`` ...)."""
    return action in (order.get("allowed_actions") or ())


def in_group(order: dict[str, Any], group: str) -> bool:
    """Whether the order's status is in one of the machine's groups (the order read's
    ``status_groups``): ``assigned`` (work under way), ``tracking`` (the customer follows
    the technician), ``work_order_open``, ``on_site``, ``working``, ``service_started``,
    ``terminal``."""
    return group in (order.get("status_groups") or ())


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


@dataclass
class Offer:
    """An offer as the card shows it: before acceptance only district and distance."""

    id: str
    order_id: str
    service_name: str
    district: str
    scheduled_start: datetime | None
    pay: int | None  # fen, what the technician earns (or the order total when unknown)
    expires_at: datetime | None
    distance_m: float | None
    raw: dict[str, Any]
    source: str = "offer"  # offer | pool

    def seconds_left(self, now: datetime) -> int | None:
        if self.expires_at is None:
            return None
        return max(0, int((self.expires_at - now).total_seconds()))


def normalize_offer(
    raw: dict[str, Any],
    *,
    source: str,
    here: tuple[float, float] | None,
    now: datetime | None = None,
) -> Offer:
    """One row of ``GET /technician/offers`` (the server's OfferRead: ``offer_id``,
    ``order_id``, ``service_name_zh``, ``district``, ``distance_m``, ``technician_pay``,
    ``expires_at``, ``seconds_left``) or of ``GET /technician/pool`` (no offer id, no
    deadline). The countdown runs on the device clock from the server's ``seconds_left``
    when given, so a phone whose clock is off still shows the right number of seconds."""
    order = raw.get("order") if isinstance(raw.get("order"), dict) else raw
    order_id = str(raw.get("order_id") or order.get("id") or raw.get("id"))
    distance = raw.get("distance_m", order.get("distance_m"))
    if distance is None and here and order.get("lat") is not None and order.get("lng") is not None:
        distance = geo.haversine_m(*here, order["lat"], order["lng"])
    pay = raw.get("technician_pay", raw.get("pay", order.get("technician_pay", order.get("total"))))
    return Offer(
        id=str(raw.get("offer_id") or raw.get("id") or order_id),
        order_id=order_id,
        service_name=str(
            order.get("service_name_zh")
            or raw.get("service_name_zh")
            or order.get("service_id", "")
        ),
        district=str(order.get("district") or raw.get("district") or ""),
        scheduled_start=parse_time(order.get("scheduled_start") or raw.get("scheduled_start")),
        pay=int(pay) if pay is not None else None,
        expires_at=(
            now + timedelta(seconds=int(raw["seconds_left"]))
            if now is not None and raw.get("seconds_left") is not None
            else parse_time(raw.get("expires_at"))
        ),
        distance_m=float(distance) if distance is not None else None,
        raw=raw,
        source=source,
    )
