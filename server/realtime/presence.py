"""What the live feed tells presence (``server.core.presence``): a technician's open
connection is his app's sign of life.

The hub calls these (in the threadpool: the Redis store is a blocking client) when a
technician's connection opens (``arrived``, then ``wake`` if his app had been away),
each time it hears from it, at most about
twice a heartbeat (``alive``: the client answers every ping), and when his last
connection to this process closes (``left``). Another worker that still holds a
connection of his says so again at its next heartbeat.
"""

from __future__ import annotations

import logging
from typing import Any

from server.core import presence
from server.core.uow import UnitOfWork
from server.technicians import service as technicians_service

log = logging.getLogger("doorstep.realtime")


class FeedPresence:
    """The presence hooks of one app's hub (``app.state`` gives the store and clock)."""

    def __init__(self, state: Any) -> None:  # noqa: ANN401
        self.state = state

    def arrived(self, technician_id: str) -> bool:
        """A connection opened; True if his app had been silent past the window (then
        ``wake``)."""
        now = self.state.clock.now()
        was_here = technician_id in presence.present(self.state, [technician_id], now)
        presence.mark_seen(self.state, technician_id, now)
        return not was_here

    def wake(self, technician_id: str) -> bool:
        """His app is back: if he is online, dispatch looks again near his area (orders
        waiting may be his now). One unit of work (on SQLite, the caller holds the writer
        gate). True when the wake-up was asked."""
        with UnitOfWork.begin(self.state) as uow:
            return technicians_service.came_present(uow, user_id=technician_id)

    def alive(self, technician_id: str) -> None:
        presence.mark_seen(self.state, technician_id, self.state.clock.now())

    def left(self, technician_id: str) -> None:
        presence.store_for(self.state.engine, self.state.settings).left(technician_id)
