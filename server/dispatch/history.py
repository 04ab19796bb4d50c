"""What dispatch remembers of a past period, by name (the what-if replay reads it).

How each technician answered offers, and how far each accepted offer's technician was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.uow import UnitOfWork
from server.dispatch.models import DispatchOffer, OfferStatus

ANSWERED = (OfferStatus.ACCEPTED.value, OfferStatus.DECLINED.value, OfferStatus.EXPIRED.value)


def offer_answers(
    uow: UnitOfWork, *, since: datetime, until: datetime
) -> list[tuple[str, str, float | None]]:
    """(technician, accepted | declined | expired, seconds to answer) of each offer made
    in [since, until); an expired one took no answer (None)."""
    rows = uow.session.exec(
        select(
            DispatchOffer.technician_id,
            DispatchOffer.status,
            DispatchOffer.created_at,
            DispatchOffer.responded_at,
        )
        .where(col(DispatchOffer.created_at) >= since, col(DispatchOffer.created_at) < until)
        .where(col(DispatchOffer.status).in_(ANSWERED))
    ).all()
    return [
        (
            tid,
            status,
            None
            if responded is None or status == OfferStatus.EXPIRED.value
            else (as_utc(responded) - as_utc(created)).total_seconds(),
        )
        for tid, status, created, responded in rows
    ]


def accepted_distances(uow: UnitOfWork, order_ids: Iterable[str]) -> dict[str, float]:
    """order -> metres between the technician and the job when they accepted its offer."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = uow.session.exec(
        select(DispatchOffer.order_id, DispatchOffer.distance_m)
        .where(col(DispatchOffer.order_id).in_(ids))
        .where(DispatchOffer.status == OfferStatus.ACCEPTED.value)
    ).all()
    return {order_id: float(distance) for order_id, distance in rows}
