"""The live feed: pushes from the server, so no page ever polls. One feed per signed-in
session brings every order's events, the technician's position on the way (turned into
a :class:`~customer_app.state.tracking.Tracking` with distance and ETA), chat lines,
filed documents and new notifications; a feed that gives up is started again from where it was."""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from client import geo
from client.api import ApiError, NetworkError
from client.models import ChatRead
from customer_app.model import JSON, in_group, parse_time
from customer_app.state.core import StateCore, log
from customer_app.state.tracking import Tracking, estimate_eta_minutes


class LiveUpdates(StateCore):
    if TYPE_CHECKING:  # provided by OrderPage, BookingFlow and Inbox

        async def _load_order_extras(self) -> None: ...
        async def stop_quoting(self) -> None: ...
        def _on_notification(self, message: JSON) -> None: ...

    async def track(self, order_id: str) -> None:
        """Show one order live: its timeline so far now, later changes as they are pushed."""
        await self._load_order_extras()
        self.start_feed()
        self._changed()

    def start_feed(self) -> None:
        """One feed per signed-in session (every order of the customer, their technician's
        position, chat); it reconnects and resumes by itself."""
        if self.feed_factory is None or self._feed is not None or not self.signed_in:
            return
        self._feed = self.feed_factory(self.client, on_message=self.on_feed_message)
        self._feed_task = asyncio.create_task(self._run_feed(self._feed))

    async def _run_feed(self, feed: Any) -> None:
        """Run the feed; if it gives up (say the token could not be refreshed for a while),
        start a new one after a pause, from the same position, for as long as the
        customer is signed in. Only ``stop_tracking`` ends it."""
        delay = self.feed_restart_delay
        while True:
            watcher = asyncio.create_task(self._watch_connection(feed))
            try:
                await feed.run()
                return  # stopped on purpose
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live feed stopped; restarting it")
            finally:
                watcher.cancel()
            self.visit.feed_state = "reconnecting"
            self._changed()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
            if self._feed is not feed or not self.signed_in or self.feed_factory is None:
                if self._feed is feed:
                    self._feed, self._feed_task = None, None
                return
            fresh = self.feed_factory(self.client, on_message=self.on_feed_message)
            if getattr(feed, "state", None) is not None and hasattr(fresh, "state"):
                fresh.state = feed.state  # resume where the old one was: nothing is lost
            self._feed = feed = fresh
            self.feed_restarts += 1

    async def _watch_connection(self, feed: Any) -> None:
        """Show "live" / "reconnecting" from the feed's own connection flag (local state,
        no request to the server)."""
        connected = getattr(feed, "connected", None)
        if connected is None:
            return
        while True:
            await connected.wait()
            if self.visit.feed_state != "live":
                self.visit.feed_state = "live"
                if self.visit.order is not None:  # catch up on what the page missed meanwhile
                    await self._load_order_extras()
                self._changed()
            while connected.is_set():
                await asyncio.sleep(0.25)
            self.visit.feed_state = "reconnecting"
            self._changed()

    async def on_feed_message(self, message: JSON) -> None:
        """One pushed message: an order event, a technician position, a chat line, or a
        connection state change from the feed."""
        kind = message.get("type", "")
        oid = self.visit.order.id if self.visit.order else None
        self.visit.feed_state = "live"
        if kind == "location":
            if message.get("order_id") in (None, oid):
                self._on_location(message)
        elif kind == "chat":
            self._on_chat(message.get("message") or message, oid)
        elif kind == "document":
            self._on_document(message)
        elif kind == "notification":
            self._on_notification(message)
        elif kind == "event" and oid and message.get("order_id") == oid:
            self.session.notice = None  # the order moved on: the last action's note is stale
            # the event itself joins the timeline through the typed REST read below
            with contextlib.suppress(ApiError, NetworkError):
                self.visit.order = await self.client.order(oid)
            await self._load_order_extras()
        self._changed()

    def _on_chat(self, raw: JSON, oid: str | None) -> None:
        """A chat line as the server pushes it (its ``ChatRead``); one that does not read
        is left to the next REST load of the conversation."""
        try:
            msg = ChatRead.model_validate(raw)
        except ValidationError as exc:
            log.info("chat push not understood: %s", exc)
            return
        store = self.support if msg.thread == "support" else self.visit
        target = self.support.support_messages if store is self.support else self.visit.messages
        if (msg.thread == "support" or msg.order_id == oid) and all(m.id != msg.id for m in target):
            target.append(msg)
            store.touch()

    def _on_document(self, message: JSON) -> None:
        """A PDF the server filed after the reply: the signed work order of the open order,
        or an invoice asked for earlier."""
        file_id = message.get("file_id")
        if message.get("kind") == "work_order":
            if self.visit.order is not None and self.visit.order.id == message.get("order_id"):
                self.visit.order.work_order_file_id = file_id
                self.visit.touch()
            return
        for invoice in self.me.invoices:
            if invoice.id == message.get("invoice_id"):
                invoice.file_id, invoice.file_url = file_id, f"/api/v1/files/{file_id}"
                self.me.touch()

    def _on_location(self, loc: JSON) -> None:
        if self.visit.order is None or loc.get("lat") is None:
            return
        lat, lng = float(loc["lat"]), float(loc["lng"])
        dist = loc["distance_m"] / 1000 if loc.get("distance_m") is not None else None
        if dist is None and self.visit.order.lat is not None and self.visit.order.lng is not None:
            dist = geo.haversine_m(lat, lng, self.visit.order.lat, self.visit.order.lng) / 1000
        eta = math.ceil(loc["eta_s"] / 60) if loc.get("eta_s") is not None else None
        if eta is None and dist is not None:
            eta = estimate_eta_minutes(dist)
        self.visit.tracking = Tracking(
            lat=lat,
            lng=lng,
            # the server sends the device time of the point as ``at``
            at=parse_time(loc.get("at") or loc.get("occurred_at")),
            distance_km=round(dist, 1) if dist is not None else None,
            eta_minutes=eta,
        )

    def shows_tracking(self) -> bool:
        """The order page shows the technician coming (the machine's ``tracking`` phase)."""
        return in_group(self.visit.order, "tracking")

    def feed_connected(self) -> bool:
        connected = getattr(self._feed, "connected", None)
        return bool(connected is not None and connected.is_set())

    async def stop_tracking(self) -> None:
        await self.stop_quoting()
        task, feed = self._feed_task, self._feed
        self._feed_task, self._feed = None, None
        if feed is not None:
            with contextlib.suppress(Exception):
                await feed.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.visit.feed_state = "idle"
