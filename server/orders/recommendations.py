"""``GET /recommendations``: the services to put before a customer, each with its reason
(the rules: :mod:`server.orders.recommend`). Public: signed out it knows the season, the
place asked about and the best sellers; a signed-in customer also gets his own history."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from fastapi import Query
from pydantic import BaseModel

from server.auth.dependencies import OptionalUser
from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.catalog.models import CategoryNode, ServiceSummary
from server.core.deps import UowDep
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.geo.coords import box_around, haversine_m
from server.orders import queries
from server.orders.recommend import (
    GROUPS,
    NEARBY_DAYS,
    NEARBY_KM,
    Booked,
    Season,
    parse_seasons,
    pick,
    seasons_on,
)

SEASONS_FILE = Path(__file__).resolve().parents[2] / "assets" / "seasons.yaml"

router = api_router(tags=["catalog"])


class RecommendationRead(BaseModel):
    service: ServiceSummary
    reason_zh: str
    reason_en: str


class RecommendationGroupRead(BaseModel):
    code: str  # repeat | seasonal | nearby | popular
    items: list[RecommendationRead]


class SeasonRead(BaseModel):
    code: str
    name_zh: str
    name_en: str


class RecommendationsRead(BaseModel):
    groups: list[RecommendationGroupRead]  # in ``GROUPS`` order, empty groups left out
    seasons: list[SeasonRead]  # the seasons in force today, in the city's time


@lru_cache(maxsize=1)
def seasons() -> tuple[Season, ...]:
    data = yaml.safe_load(SEASONS_FILE.read_text(encoding="utf-8"))
    return parse_seasons(data["seasons"])


@router.get("/recommendations", response_model=RecommendationsRead)
def recommendations(
    uow: UowDep,
    user: OptionalUser,
    lat: float | None = Query(default=None, ge=-90, le=90),
    lng: float | None = Query(default=None, ge=-180, le=180),
) -> RecommendationsRead:
    """For the home screen: ``lat``/``lng`` is the place the customer books for (his
    default address), which the nearby picks count around."""
    return recommend_for(uow, user=user, place=None if lat is None or lng is None else (lat, lng))


def recommend_for(
    uow: UnitOfWork, *, user: User | None, place: tuple[float, float] | None
) -> RecommendationsRead:
    session = uow.session
    now = uow.clock.now()
    today = now.astimezone(ZoneInfo(uow.settings.timezone)).date()
    services = {s.id: s for s in catalog_service.search(uow)}
    customer = user.id if user is not None and user.role == Role.customer.value else None
    history = []
    if customer is not None:
        history = [
            Booked(o.service_id, o.created_at)
            for o in queries.booked_by_customer(session, customer)
        ]
    since = now - timedelta(days=NEARBY_DAYS)
    picks = pick(
        today=today,
        history=history,
        nearby=_nearby_counts(uow, place, since, customer),
        seasons=seasons(),
        popular=queries.best_sellers(session, since, limit=8) + _in_catalog_order(uow),
        ids_by_code={s.code: s.id for s in services.values()},
        bookable=frozenset(services),
    )
    groups = [
        RecommendationGroupRead(
            code=group,
            items=[
                RecommendationRead(
                    service=catalog_service.to_summary(services[p.service_id]),
                    reason_zh=p.reason_zh,
                    reason_en=p.reason_en,
                )
                for p in picks[group]
            ],
        )
        for group in GROUPS
        if picks[group]
    ]
    in_force = [
        SeasonRead(code=s.code, name_zh=s.name_zh, name_en=s.name_en)
        for s in seasons_on(today, seasons())
    ]
    return RecommendationsRead(groups=groups, seasons=in_force)


def _in_catalog_order(uow: UnitOfWork) -> list[str]:
    """The services as the catalog lists them (its categories' order, then theirs)."""
    found: list[str] = []

    def walk(nodes: list[CategoryNode]) -> None:
        for node in nodes:
            found.extend(s.id for s in node.services)
            walk(node.children)

    walk(catalog_service.tree(uow))
    return found


def _nearby_counts(
    uow: UnitOfWork, place: tuple[float, float] | None, since: datetime, customer: str | None
) -> dict[str, int]:
    """Paid orders per service within ``NEARBY_KM`` of ``place`` since ``since`` (the
    asking customer's own left out)."""
    if place is None:
        return {}
    lat, lng = place
    radius_m = NEARBY_KM * 1000.0
    box = box_around(lat, lng, radius_m)
    if box is None:
        return {}
    counts: dict[str, int] = {}
    for sid, o_lat, o_lng in queries.booked_in_box(
        uow.session, box, since, except_customer=customer
    ):
        if haversine_m(lat, lng, o_lat, o_lng) <= radius_m:
            counts[sid] = counts.get(sid, 0) + 1
    return counts
