"""Following the server while the app runs: the live feed (``client.feed``: offers,
order events, chat and filed documents pushed as they happen, resumed from its saved
cursor), a slow poll as its fallback that also retries the queue when the signal
returns, and the location reports' loop."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from client.citytime import CITY_TZ
from client.feed import FeedState, LiveFeed
from client.models import EarningsRead, OrderRead
from technician_app.state.core import TechnicianCore, log

# Order events after which the technician's money has moved: his share booked on
# confirmation, held by a complaint and given back, a cancellation fee, a transfer paid.
MONEY_EVENTS = frozenset(
    {
        "order.confirmed",
        "order.auto_confirmed",
        "order.disputed",
        "order.resolved",
        "order.refunded",
        "order.cancelled",
        "order.transferred",
    }
)


def earnings_window(now: datetime, period: str) -> tuple[datetime, datetime]:
    """Today, this week or this month on the city's calendar (Asia/Shanghai), whole:
    from its first midnight to the next period's, so the figure never depends on how
    far the device clock is from the server's."""
    start = now.astimezone(CITY_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start -= timedelta(days=start.weekday())
        return start, start + timedelta(days=7)
    if period == "month":
        start = start.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    return start, start + timedelta(days=1)


class LiveUpdates(TechnicianCore):
    if TYPE_CHECKING:  # provided by Loading, QueueSync, LocationReports, Inbox, UrgentAlerts

        def on_notification(self, message: dict[str, Any]) -> None: ...
        async def _alert_feed(self, message: dict[str, Any]) -> None: ...
        async def load_inbox(self) -> None: ...

        async def load_orders(self) -> None: ...
        async def load_order(self, order_id: str) -> OrderRead | None: ...
        async def load_offers(self) -> None: ...
        async def load_pool(self) -> None: ...
        async def load_messages(self, order_id: str) -> None: ...
        async def load_change_requests(self, order_id: str) -> None: ...
        async def on_delay_event(self, event_type: str, order_id: str) -> None: ...
        async def sync(self, *, current: int | None = None, quiet: bool = False) -> None: ...
        async def _probe(self) -> None: ...
        async def _location_loop(self) -> None: ...

    async def start_live(self) -> None:
        """Follow the server: the live feed (``client.feed``: offers, order events and chat
        pushed as they happen) plus a slow poll as the fallback, which also retries the
        queue when the signal comes back; and the location reports."""
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._live_task is None or self._live_task.done():
            self._live_task = asyncio.create_task(self._live_loop())
        if self._location_task is None or self._location_task.done():
            self._location_task = asyncio.create_task(self._location_loop())

    def _wake_live(self) -> None:
        """Run the live loop now (after sign-in: start the feed, load everything)."""
        if self._wake is not None:
            self._wake.set()

    async def stop_live(self) -> None:
        await self._stop_feed()
        for task in (self._live_task, self._location_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._live_task = self._location_task = None

    async def _stop_feed(self, *, forget: bool = False) -> None:
        if self._feed is not None:
            with contextlib.suppress(Exception):
                await self._feed.stop()
            self._feed = None
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._feed_task
            self._feed_task = None
        if forget:  # signing out: the next technician starts from their own cursor
            self.queue.cache_delete("feed")

    async def _start_feed(self) -> None:
        """Subscribe to the server's live feed (client.feed.LiveFeed): offers, order
        events and chat arrive as they happen; the feed resumes from its saved cursor."""
        if not self.use_feed or self._feed is not None:
            return
        self._feed = LiveFeed(
            self.client,
            on_message=self._on_feed_message,
            state=FeedState.from_dict(self.queue.cache_get("feed")),
        )
        self._feed_task = asyncio.create_task(self._feed.run())

    # -- earnings: the home's "today" and the earnings page read the same figure ---------

    async def _earnings_of(self, period: str) -> EarningsRead | None:
        start, end = earnings_window(self.now(), period)
        return await self._guard(
            self.client.earnings(**{"from": start.isoformat(), "to": end.isoformat()}),
            feature="earnings",
            quiet=True,
        )

    def _keep_earnings(self, earnings: EarningsRead, period: str) -> None:
        """The statement the earnings page shows (cached for a start without signal)."""
        self.me.earnings, self.me.earnings_period = earnings, period
        self.me.payouts = list(earnings.payouts)
        self.queue.cache_model("earnings", earnings)
        self.queue.cache_set("earnings_period", period)

    async def load_earnings_today(self) -> None:
        """Today's earnings from the earnings endpoint (the home's figure); the page's
        statement too when it shows today, so both read one reply."""
        today = await self._earnings_of("day")
        if today is None:
            return
        self.me.earned_today = today.earned
        if self.me.earnings_period == "day":
            self._keep_earnings(today, "day")
        self.changed()

    async def load_earnings_period(self, period: str = "day") -> None:
        """The earnings page's statement for today / this week / this month; today's
        figure follows from the same endpoint and calendar."""
        earnings = await self._earnings_of(period)
        if earnings is None:
            return
        self._keep_earnings(earnings, period)
        if period == "day":
            self.me.earned_today = earnings.earned
        else:
            await self.load_earnings_today()
        self.changed()

    async def _on_feed_message(self, message: dict[str, Any]) -> None:
        kind = str(message.get("type") or "")
        await self._alert_feed(message)  # before the reloads: the order is still as it was
        if kind == "event":
            event_type = str(message.get("event_type") or "")
            order_id = message.get("order_id")
            if event_type in ("order.offered", "order.offer_timed_out", "order.offer_declined") or (
                event_type.startswith("offer")
            ):
                await self.load_offers()
            if order_id and event_type.startswith("order.change_"):
                # asked, answered by the customer or support, paid: the request's status
                await self.load_change_requests(order_id)
            if order_id and event_type.startswith("order.delay_"):
                await self.on_delay_event(event_type, order_id)  # asked, answered, lapsed
            if order_id and (
                order_id in self.work.orders
                or event_type in ("order.assigned", "order.accepted", "order.claimed")
            ):
                await self.load_order(order_id)
            if event_type in MONEY_EVENTS:
                await self.load_earnings_period(self.me.earnings_period)
        elif kind == "chat":
            chat = message.get("message") or {}
            order_id = chat.get("order_id")
            if order_id:
                await self.load_messages(order_id)
        elif kind == "document" and message.get("kind") == "work_order":
            order = self.work.orders.get(str(message.get("order_id") or ""))
            if order is not None:  # the signed work order's PDF, filed after the signing
                filed = {"work_order_file_id": message.get("file_id")}
                self.work.orders[order.id] = order.model_copy(update=filed)
                self.work.touch()
                self._cache_orders()
        elif kind.startswith("offer"):
            await self.load_offers()
            await self.load_pool()
        elif kind.startswith("pool"):  # an order entered the pool or was taken from it
            await self.load_pool()
        elif kind == "notification":
            self.on_notification(message)
        if self._feed is not None:
            self.queue.cache_set("feed", self._feed.state.to_dict())
        self.changed()

    async def _live_loop(self) -> None:
        while True:
            try:
                if self.signed_in:
                    if self._feed_task is not None and self._feed_task.done():
                        self._feed = self._feed_task = None  # it gave up: start a fresh one
                    await self._start_feed()
                    await self.sync(quiet=False)
                    if self.sync_state.connected:
                        await self.load_offers()
                        await self.load_orders()
                        if not self.live.inbox_loaded:  # then kept current by the feed
                            await self.load_inbox()
                        if self.live.working:
                            await self.load_pool()
                    else:
                        await self._probe()
            except Exception:
                log.exception("live loop iteration failed")
            self.live.live_rounds += 1
            if self._wake is None:
                self._wake = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    async def close(self) -> None:
        await self.stop_live()
        await self.client.aclose()
        self.queue.close()
