"""Small helpers several dispatch use cases share: the orders waiting for a technician,
the services' names, and how distances, ETAs and refusals are shown to a technician."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from server.catalog import service as catalog_service
from server.core.errors import AppError, Conflict
from server.core.uow import UnitOfWork
from server.dispatch.eligibility import Rejection
from server.orders import queries as order_queries
from server.orders.models import Order


def waiting_orders(session: Session, now: datetime, limit: int = 500) -> list[Order]:
    return order_queries.waiting_for_dispatch(session, now, limit)


def service_names(uow: UnitOfWork, service_ids: Iterable[str]) -> dict[str, tuple[str, str]]:

    out = {}
    for sid in set(service_ids):
        try:
            svc = catalog_service.get_service(uow, service_id=sid)
            out[sid] = (svc.name_zh, svc.name_en)
        except AppError:
            out[sid] = (sid, sid)
    return out


def eta_minutes(eta_s: float | None) -> int | None:
    return None if eta_s is None else max(1, round(eta_s / 60))


PRE_ACCEPT_DISTANCE_STEP_M = 100


def banded_distance_m(meters: float) -> int:
    """How far a job is, as a technician sees it before accepting: to the nearest 100 m
    (at least 100). Exact metres would let someone who moves their own position or
    service area a few times work out where the home is."""
    step = PRE_ACCEPT_DISTANCE_STEP_M
    return max(step, round(meters / step) * step)


def refusal(reasons: list[Rejection], code: str, message: str) -> Conflict:
    return Conflict(
        message,
        code=code,
        details={"reasons": [{"code": r.code.value, "message": r.message} for r in reasons]},
    )
