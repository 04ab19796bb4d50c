"""Before an order: places and saved addresses (``/geo``, ``/me/addresses``), the catalog
and its slots (``/catalog``), and quotes (``/quotes``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from client.api.core import ClientCore, _iso
from client.models import (
    CatalogTermRead,
    CategoryNode,
    KnowledgeArticle,
    KnowledgeSummary,
    PlaceRead,
    QuoteRead,
    RecommendationsRead,
    SavedAddressRead,
    ServiceRead,
    ServiceSummary,
    SlotsRead,
)


class CatalogApi(ClientCore):
    # -- places ---------------------------------------------------------------------

    async def search_places(
        self, q: str, *, near: tuple[float, float] | None = None, limit: int = 10
    ) -> list[PlaceRead]:
        """Places for autocomplete (WGS-84)."""
        near_text = f"{near[0]},{near[1]}" if near else None
        return await self._get_list(
            "/geo/search", model=PlaceRead, q=q, near=near_text, limit=limit
        )

    async def place_at(self, lat: float, lng: float) -> PlaceRead:
        """The named place at a point (404 ``place_not_found`` where there is none)."""
        return await self._get("/geo/reverse", model=PlaceRead, lat=lat, lng=lng)

    async def saved_addresses(self) -> list[SavedAddressRead]:
        return await self._get_list("/me/addresses", model=SavedAddressRead)

    async def save_address(self, address: Mapping[str, Any]) -> SavedAddressRead:
        return await self._post("/me/addresses", address, model=SavedAddressRead)

    async def update_address(self, address_id: str, address: Mapping[str, Any]) -> SavedAddressRead:
        return await self._put(f"/me/addresses/{address_id}", address, model=SavedAddressRead)

    async def delete_address(self, address_id: str) -> None:
        await self.request("DELETE", f"/me/addresses/{address_id}")

    # -- catalog and quotes ---------------------------------------------------------

    async def skills(self) -> list[CatalogTermRead]:
        """The skills a technician may declare (``/catalog/skills``)."""
        return await self._get_list("/catalog/skills", model=CatalogTermRead)

    async def certificate_types(self) -> list[CatalogTermRead]:
        """The certificate types a technician may submit (``/catalog/certificate-types``)."""
        return await self._get_list("/catalog/certificate-types", model=CatalogTermRead)

    async def categories(self) -> list[CategoryNode]:
        return await self._get_list("/catalog/categories", model=CategoryNode)

    async def services(
        self, *, q: str | None = None, category_id: str | None = None, **params: Any
    ) -> list[ServiceSummary]:
        """The catalog's services; ``params``: the server's other filters (``lat``, ``lng``)."""
        return await self._get_list(
            "/catalog/services", model=ServiceSummary, q=q, category_id=category_id, **params
        )

    async def recommendations(
        self, *, place: tuple[float, float] | None = None
    ) -> RecommendationsRead:
        """What to put before the customer, each with its reason; ``place`` (lat, lng): the
        address he books for, which the neighbours' picks count around."""
        where = {} if place is None else {"lat": place[0], "lng": place[1]}
        return await self._get("/recommendations", model=RecommendationsRead, **where)

    async def service(self, service_id: str) -> ServiceRead:
        return await self._get(f"/catalog/services/{service_id}", model=ServiceRead)

    async def knowledge(self, *, q: str | None = None) -> list[KnowledgeSummary]:
        """The knowledge base's articles (each with its version), or those answering ``q``."""
        return await self._get_list("/knowledge", model=KnowledgeSummary, q=q)

    async def knowledge_article(self, service_id: str) -> KnowledgeArticle:
        """A service's SOP, common faults with their fixes and safety notes."""
        return await self._get(f"/knowledge/{service_id}", model=KnowledgeArticle)

    async def slots(
        self, service_id: str, *, date: str, lat: float, lng: float, units: int | None = None
    ) -> SlotsRead:
        """The local day's slots; ``date`` is ``YYYY-MM-DD`` (a ``datetime.date`` too)."""
        path = f"/catalog/services/{service_id}/slots"
        return await self._get(path, model=SlotsRead, date=str(date), lat=lat, lng=lng, units=units)

    async def quote(
        self,
        *,
        service_id: str,
        address: Mapping[str, Any],
        scheduled_start: datetime | str,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> QuoteRead:
        body = {
            "service_id": service_id,
            "address": dict(address),
            "scheduled_start": _iso(scheduled_start),
            **options,
        }
        return await self._post("/quotes", body, model=QuoteRead, key=idempotency_key)

    async def get_quote(self, quote_id: str) -> QuoteRead:
        return await self._get(f"/quotes/{quote_id}", model=QuoteRead)
