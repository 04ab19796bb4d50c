"""Finding a service: the home screen (categories and recommendations), search with its
filters, a category's services, and the pages of one service and one technician."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.error_texts import error_text
from client.models import CategoryNode, ServiceSummary
from customer_app.i18n import t
from customer_app.model import Address, service_minutes
from customer_app.state.core import StateCore, log


class Browsing(StateCore):
    catalog_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0)  # then every 15 s
    _catalog_retry: asyncio.Task | None = None

    if TYPE_CHECKING:  # provided by BookingFlow

        def default_address(self) -> Address | None: ...

    async def browse_category(self, category_id: str) -> None:
        """A top category's services (the home's icon grid), with the filters in force."""
        self.catalog.category = next(
            (c for c in self.catalog.categories if c.id == category_id), None
        )
        self.catalog.query = ""
        self.session.drop("search")
        await self.search()

    async def go_home(self) -> None:
        self.session.history = []
        self.catalog.results, self.catalog.query, self.catalog.category = None, "", None
        self.session.drop("search")
        self.session.route = "/"
        self.clear_messages()
        self._changed()
        await self.load_recommendations()  # a finished order becomes "book again"
        self._changed()

    async def submit_search(self) -> None:
        await self.search(str(self.session.form.get("search", "")))

    async def load_home(self) -> None:
        """The catalog and the recommendations. With no answer from the server the home
        screen says so and the catalog is asked again, more slowly each time, until it
        answers: the app recovers on its own, with no reload."""
        try:
            self.catalog.categories = await self._run("catalog", self.client.categories()) or []
        except NetworkError:
            self._retry_catalog()
        except ApiError as exc:
            log.info("catalog refused: %s", exc)
        await self.load_recommendations()
        self._changed()

    def _retry_catalog(self) -> None:
        self.catalog.server_unreachable = True
        if self._catalog_retry is None or self._catalog_retry.done():
            self._catalog_retry = asyncio.create_task(self._ask_catalog_until_answered())

    async def _ask_catalog_until_answered(self) -> None:
        delays = self.catalog_retry_delays
        for attempt in itertools.count():
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            try:
                categories = await self.client.categories()
            except NetworkError:
                continue
            except ApiError as exc:
                log.info("catalog refused: %s", exc)
                return
            self.catalog.categories, self.catalog.server_unreachable = categories, False
            if self.session.last_error_code is None:  # the "no connection" line is now stale
                self.session.error = None
            await self.load_recommendations()
            self._changed()
            return

    async def stop_retrying(self) -> None:
        """End the catalog's retries (the page is closing)."""
        task, self._catalog_retry = self._catalog_retry, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def all_services(self) -> list[ServiceSummary]:
        found: dict[str, ServiceSummary] = {}

        def walk(nodes: list[CategoryNode]) -> None:
            for node in nodes:
                for s in node.services or []:
                    found.setdefault(s.id, s)
                walk(node.children or [])

        walk(self.catalog.categories)
        return list(found.values())

    async def load_recommendations(self) -> None:
        """The server's picks for the home screen, each with the reason shown under it:
        the customer's own bookings, the season, what the neighbours book around his
        default address, best sellers for a newcomer. Kept as they were when the server
        does not answer."""
        home = self.default_address()
        place = None if home is None else (home.lat, home.lng)
        got = await self._try("recommendations", self.client.recommendations(place=place))
        if got is None:
            return
        self.catalog.recommendations = {g.code: g.items for g in got.groups}
        self.catalog.seasons = got.seasons
        self._changed()

    async def search(self, query: str | None = None) -> None:
        if query is not None:
            self.catalog.query = query.strip()
            self.catalog.category = None
        self.clear_messages()
        params = {k: v for k, v in self.catalog.filters.items() if v != "any"}
        if self.catalog.category is not None:
            params["category_id"] = self.catalog.category.id
        if self.catalog.query or params:
            found = await self._try(
                "catalog", self.client.services(q=self.catalog.query or None, **params), []
            )
        else:
            found = self.all_services()
        # the server's order is the relevance order: filtering keeps it
        self.catalog.results = [s for s in found if self._duration_ok(s)]
        self._changed()

    def no_results_text(self) -> str:
        """What an empty list of results says: the words searched for, and where to look
        instead (the server found nothing the platform offers for them)."""
        if self.catalog.query:
            return t(self.session.lang, "no_results_for", query=self.catalog.query)
        return t(self.session.lang, "no_results")

    def _duration_ok(self, s: ServiceSummary) -> bool:
        band = self.catalog.filters.get("duration", "any")
        if band == "any":
            return True
        minutes = service_minutes(s)
        if band == "short":
            return minutes <= 120
        if band == "half":
            return 120 < minutes <= 240
        return minutes > 240

    async def set_filter(self, name: str, value: str) -> None:
        self.catalog.filters[name] = value
        self.catalog.touch()
        await self.search()

    # -- service and technician pages ----------------------------------------------

    async def open_service(self, service_id: str) -> None:
        self.clear_messages()
        try:
            self.catalog.service = await self._run("catalog", self.client.service(service_id))
        except (ApiError, NetworkError):
            self._changed()
            return
        # the API has no per-service reviews or technician list yet: those panels stay empty
        self.catalog.service_reviews, self.catalog.service_technicians = [], []
        self.go(f"/service/{service_id}")

    async def open_technician(self, technician_id: str) -> None:
        self.clear_messages()
        tech = await self._try("technicians", self.client.public_technician(technician_id))
        if tech is None:
            self.session.error = error_text("unavailable", self.session.lang)
            self._changed()
            return
        self.catalog.technician = tech
        self.catalog.technician_photo = None
        url = tech.photo_url or ""
        if "/files/" in url:
            data = await self._try(
                "files", self.client.download(url.rsplit("/files/", 1)[1].split("?")[0])
            )
            self.catalog.technician_photo = data if isinstance(data, bytes) else None
        self.catalog.technician_reviews = await self._try(
            "technician_reviews", self.client.technician_reviews(technician_id), []
        )
        if not self.catalog.skill_terms:  # a profile lists skills by code; the catalog names them
            terms = await self._try("catalog", self.client.skills(), [])
            self.catalog.skill_terms = {term.code: term for term in terms}
        self.go(f"/technician/{technician_id}")
