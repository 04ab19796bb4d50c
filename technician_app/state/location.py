"""The device's position and its reports: fast on the way to a job (the customer
follows the technician), slow while online for orders (dispatch uses it), never
otherwise. Points taken without signal gather in one queued post with their device
times (the server takes up to 100 per post, 30 posts a minute)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from client.models import OrderRead
from client.position import LocationUnavailable
from technician_app.commands import Location
from technician_app.offline import QueuedAction
from technician_app.state.core import TechnicianCore, log
from technician_app.state.model import in_group

LOCATION_POINTS_PER_POST = 100  # the server's batch limit


class LocationReports(TechnicianCore):
    if TYPE_CHECKING:  # provided by QueueSync

        async def sync(self, *, current: int | None = None, quiet: bool = False) -> None: ...
        async def _probe(self) -> None: ...

    def tracked_order(self) -> OrderRead | None:
        """The job the technician is on the way to (the customer follows them)."""
        return next((o for o in self.active_orders() if in_group(o, "tracking")), None)

    def location_interval_now(self) -> float | None:
        """How often the position goes out right now: fast on the way to a job, slowly
        while online for orders, not at all when offline for orders or signed out."""
        if not self.signed_in or (self.live.location is None and self.locate is None):
            return None
        if self.tracked_order() is not None:
            return self.location_interval or None
        if self.live.working:
            return self.idle_location_interval or None
        return None

    async def report_location(self) -> QueuedAction | None:
        """Queue the current position with the device time and send what is queued.
        Without signal the points pile up in one pending post (up to the server's batch
        size) instead of one post each, so the replay is one request, not a burst that
        the server's rate limit would refuse."""
        if self.live.location is None or not self.signed_in:
            return None
        tracked = self.tracked_order()
        order_id = tracked.id if tracked else None
        point = {**self._here(), "occurred_at": self.now().isoformat()}
        last = self.queue.last_pending()
        action: QueuedAction | None = None
        if (
            last is not None
            and last.kind == "location"
            and last.order_id == order_id
            and last.attempts == 0
            and not self._sync_lock.locked()  # not being sent right now
            and len(last.params.get("points", [])) < LOCATION_POINTS_PER_POST
        ):
            points = list(last.params.get("points", [])) + [point]
            if self.queue.update_params(last.id, {"points": points}):
                action = self.queue.get(last.id)
        if action is None:
            first = Location(points=[point])
            action = self.queue.enqueue(
                first.kind, order_id=order_id, params=first.params(), occurred_at=self.now()
            )
        if self.sync_state.connected:
            await self.sync(current=action.id)
        else:
            await self._probe()  # no signal: the point waits (and gathers more) until there is
        return self.queue.get(action.id)

    def set_location(self, lat: float, lng: float) -> None:
        self.live.location = (lat, lng)
        self.changed()

    async def refresh_location(self) -> bool:
        """Ask the device where it is (the first time, the user is asked for the
        permission); remember why not when it says no. True when there is a position."""
        if self.locate is None:
            return self.live.location is not None
        try:
            lat, lng = await self.locate()
        except LocationUnavailable as exc:
            if self.live.location_problem != exc.code:
                self.live.location_problem = exc.code
                self.changed()
            return False
        self.live.location_problem = None
        self.set_location(lat, lng)
        return True

    def _here(self) -> dict[str, Any]:
        return (
            {"lat": self.live.location[0], "lng": self.live.location[1]}
            if self.live.location
            else {}
        )

    async def _location_loop(self) -> None:
        """Report the position at the rate the moment calls for (see ``location_interval_now``);
        checks once a second, so a job that starts is tracked within one interval."""
        loop = asyncio.get_running_loop()
        while True:
            wait = 1.0
            try:
                interval = self.location_interval_now()
                if interval is not None:
                    last = self._last_location_report
                    elapsed = None if last is None else loop.time() - last
                    if elapsed is None or elapsed >= interval:
                        self._last_location_report = loop.time()
                        if await self.refresh_location():
                            await self.report_location()
                        continue
                    wait = min(wait, interval - elapsed)
            except Exception:
                log.exception("location report failed")
            await asyncio.sleep(max(0.05, wait))
