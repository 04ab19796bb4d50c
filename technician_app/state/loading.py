"""Loading what the screens show from the server into the state and the offline cache:
orders (keeping the local status of those with actions still queued), offers and the
pool, earnings, reviews and complaints, the catalog entry of a job, chat and change
requests. ``refresh`` replays the queue first, so answers include what was done offline."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from client.citytime import CITY_TZ
from client.models import ContactRead, OrderRead, ServiceRead
from technician_app.state.core import TechnicianCore
from technician_app.state.model import day_label, normalize_offer, upcoming_jobs

# What a queued action changes in the local copy of an order (``sync``), kept over the
# server's copy until the queue has been replayed.
LOCAL_KEYS = ("status", "allowed_actions", "status_groups", "sop")


class Loading(TechnicianCore):
    if TYPE_CHECKING:  # provided by QueueSync, Account and UrgentAlerts

        async def sync(self, *, current: int | None = None, quiet: bool = False) -> None: ...
        async def load_profile(self) -> None: ...
        async def _alert_offers(self) -> None: ...

    async def refresh(self) -> None:
        """Reload everything worth showing; replays the queue first so the server's
        answers already include what was done offline."""
        if not self.signed_in:
            return
        await self.sync()
        if not self.sync_state.connected:
            return
        await self.load_profile()
        await self.load_orders()
        await self.load_offers()
        await self.load_pool()
        await self.load_earnings()
        self.changed()

    async def load_orders(self) -> None:
        orders = await self._guard(self.client.orders(limit=100), quiet=True)
        if orders is None:
            return
        pending_orders = {a.order_id for a in self.queue.pending()}
        fresh = {o.id: o for o in orders}
        for order_id, local in self.work.orders.items():
            if order_id in pending_orders and order_id in fresh:
                kept = {k: getattr(local, k) for k in LOCAL_KEYS}
                fresh[order_id] = fresh[order_id].model_copy(update=kept)
        self.work.orders = fresh
        self._cache_orders()
        self.changed()

    async def load_order(self, order_id: str) -> OrderRead | None:
        order = await self._guard(self.client.order(order_id), quiet=True)
        if order is not None:
            self._store_order(order)
        return order

    def upcoming(self) -> list[tuple[str, OrderRead]]:
        """Jobs of later days, soonest first, each with its day's name (明日 ...): kept
        apart from :meth:`schedule`, which is today's alone."""
        now = self.now()
        return [
            (day_label(o.scheduled_start, now, self.session.lang), o)
            for o in upcoming_jobs(self.active_orders(), now)
        ]

    def customer_notes(self, order_id: str) -> str:
        """What the customer wrote for the visit (a dog, a door code), as the server gives
        it to the technician on the job: nothing before the order is his, contacts masked."""
        order = self.work.orders.get(order_id)
        return order.notes.strip() if order is not None else ""

    async def load_contact(self, order_id: str) -> ContactRead | None:
        """The virtual number the server binds for calling this order's customer (the real
        phone never reaches the technician). Asked only for an order that is his now; kept
        in the cache so the call can still be made where there is no data signal."""
        order = self.work.orders.get(order_id)
        if order is None or not order.address_visible:
            return None
        contact = await self._guard(self.client.contact(order_id), feature="contact", quiet=True)
        if contact is not None:
            contacts = self.queue.cached_models("contacts", ContactRead)
            contacts[order_id] = contact
            self.queue.cache_models("contacts", contacts)
            self.changed()
        return contact

    def dial_url(self, order_id: str) -> str | None:
        """The ``tel:`` link of 联系客户: the number the server gave for this order while
        the order is his and the number still valid; None otherwise (no button then)."""
        order = self.work.orders.get(order_id)
        contact = self.queue.cached_models("contacts", ContactRead).get(order_id)
        if order is None or not order.address_visible or contact is None:
            return None
        if contact.order_id != order_id or not contact.virtual_number:
            return None
        if contact.valid_until is not None and self.now() > contact.valid_until:
            return None
        return f"tel:{contact.virtual_number}"

    def _store_order(self, order: OrderRead) -> None:
        self.work.orders[order.id] = order
        self.work.touch()
        self._cache_orders()
        self.changed()

    async def load_offers(self) -> None:
        offers = await self._guard(self.client.offers(), feature="offers", quiet=True)
        if offers is not None:
            now = self.now()
            self.work.offers = [
                normalize_offer(o, source="offer", now=now) for o in offers if o.status == "pending"
            ]
            self.changed()
            await self._alert_offers()  # a new one beyond the screen: a notification

    async def load_pool(self) -> None:
        """The open pool. Loads overlap (the screen opening, a pushed change, the poll):
        only the newest one's reply is shown, so an older, emptier one never wins."""
        self._pool_asks += 1
        ask = self._pool_asks
        pool = await self._guard(self.client.pool(), feature="pool", quiet=True)
        if pool is not None and ask == self._pool_asks:
            self.work.pool = [normalize_offer(o, source="pool") for o in pool]
            self.changed()

    async def load_earnings(self, period: str = "day") -> None:
        """Earnings of today / this week / this month (the city's calendar)."""
        now = self.now().astimezone(CITY_TZ)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if period == "week":
            start -= timedelta(days=start.weekday())
        elif period == "month":
            start = start.replace(day=1)
        earnings = await self._guard(
            self.client.earnings(**{"from": start.isoformat(), "to": now.isoformat()}),
            feature="earnings",
            quiet=True,
        )
        if earnings is not None:
            self.me.earnings, self.me.earnings_period = earnings, period
            if period == "day":
                self.me.earned_today = earnings.earned
            self.me.payouts = list(earnings.payouts)
            self.queue.cache_model("earnings", earnings)
            self.queue.cache_set("earnings_period", period)
            self.changed()

    async def load_reviews(self) -> None:
        reviews = await self._guard(
            self.client.technician_reviews(self.client.session.user_id or ""),
            feature="reviews",
            quiet=True,
        )
        if reviews is not None:
            self.me.reviews = reviews
        complaints = await self._guard(
            self.client.technician_complaints(), feature="complaints", quiet=True
        )
        if complaints is not None:
            self.me.complaints = complaints
        self.changed()

    async def load_service(self, service_id: str) -> ServiceRead | None:
        """The catalog entry (rate card, acceptance criteria, SOP), cached for offline use."""
        if service_id in self.work.services:
            return self.work.services[service_id]
        service = await self._guard(self.client.service(service_id), quiet=True)
        if service is not None:
            self.work.services[service_id] = service
            self.work.touch()
            self.queue.cache_models("services", self.work.services)
            self.changed()
        return service

    async def load_messages(self, order_id: str) -> None:
        messages = await self._guard(self.client.messages(order_id), feature="chat", quiet=True)
        if messages is not None:
            self.work.messages[order_id] = list(messages)
            self.work.touch()
            self.changed()

    async def load_change_requests(self, order_id: str) -> None:
        requests = await self._guard(
            self.client.change_requests(order_id), feature="change_requests", quiet=True
        )
        if requests is not None:
            self.work.change_requests[order_id] = requests
            self.work.touch()
            self.changed()
