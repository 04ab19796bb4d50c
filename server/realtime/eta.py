"""Where a customer's technician is and when he arrives: the ETA message built from a
location point, pushed on each point and replayed on reconnect.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.core.crypto import FieldCipher
from server.core.points import open_point
from server.dispatch.geo import LatLng, RoadFactorTravelTime, TravelMode, distance_m
from server.orders import queries as order_queries
from server.orders.models import Order
from server.realtime import visibility
from server.realtime.messages import iso
from server.realtime.models import TechnicianLocation


def _travel_time():  # noqa: ANN202

    return RoadFactorTravelTime()


def eta_for(
    *, order: Order, cipher: FieldCipher, lat: float, lng: float, at: datetime, now: datetime
) -> dict[str, Any]:
    """The technician's point and how far (and long) from the door: the exact address."""

    origin, dest = LatLng(lat, lng), LatLng(*open_point(cipher, order.point_enc))
    meters = distance_m(origin, dest)
    seconds = _travel_time().seconds(origin, dest, now, TravelMode.EBIKE)
    return {
        "t": "location",
        "order_id": order.id,
        "customer_id": order.customer_id,
        "technician_id": order.technician_id,
        "lat": lat,
        "lng": lng,
        "at": iso(at),
        "distance_m": round(meters),
        "eta_s": round(seconds),
        "eta_at": iso(now + timedelta(seconds=seconds)),
        "text": visibility.eta_text(meters, seconds),
    }


def current_locations(
    session: Session, *, user_id: str, role: str, now: datetime, cipher: FieldCipher
) -> list[dict[str, Any]]:
    orders = order_queries.tracked_for_customer(session, user_id, visibility.TRACKED_STATUSES)
    out = []
    for order in orders:
        point = session.exec(  # only a point of this trip: never one from elsewhere
            select(TechnicianLocation)
            .where(
                TechnicianLocation.technician_id == order.technician_id,
                TechnicianLocation.order_id == order.id,
            )
            .order_by(col(TechnicianLocation.occurred_at).desc())
            .limit(1)
        ).first()
        if point is not None:
            lat, lng = point.point(cipher)
            out.append(
                eta_for(order=order, cipher=cipher, lat=lat, lng=lng, at=point.occurred_at, now=now)
            )
    return out
