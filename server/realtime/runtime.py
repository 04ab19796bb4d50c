"""The live feed's runtime and publishing: one hub + broker per app, and ``publish``,
which pushes a message once the transaction that wrote it is durable (from any thread,
with or without a running server).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from sqlalchemy.orm import object_session

from server.core.db import mode_engine
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.realtime.broker import Broker, make_broker
from server.realtime.config import RealtimeSettings
from server.realtime.hub import Hub
from server.realtime.messages import order_message
from server.realtime.presence import FeedPresence
from server.realtime.replay import DbFeedStore

if TYPE_CHECKING:
    import redis

log = logging.getLogger("doorstep.realtime")

_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()
_runtimes_lock = threading.Lock()


class Runtime:
    """Hub + broker of one app, started with the app's lifespan."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.config: RealtimeSettings = RealtimeSettings()
        self.broker_url = app.state.settings.broker_url
        self.broker: Broker = make_broker(self.broker_url, self.config.channel)
        self.presence = FeedPresence(app.state)
        self.hub = Hub(
            config=self.config,
            store=DbFeedStore(app),
            now=lambda: app.state.clock.now(),
            presence=self.presence,
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self._sync_redis: redis.Redis | None = None

    @property
    def engine(self):  # noqa: ANN201
        return self.app.state.engine

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.broker.start(self.hub.dispatch, on_reconnect=self.hub.drop_all)

    async def stop(self) -> None:
        self.hub.drop_all(1001, "server_shutdown")
        await self.broker.stop()
        self.loop = None

    def publish(self, message: dict[str, Any]) -> None:
        """Callable from any thread, once the data behind ``message`` is committed."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._publish_on_loop, message)
                return
            except RuntimeError:  # loop closed between the check and the call
                log.debug("event loop closed; publishing synchronously")
        self._publish_sync(message)

    def _publish_on_loop(self, message: dict[str, Any]) -> None:
        try:
            self.broker.publish_nowait(message)
        except RuntimeError:
            self._publish_sync(message)

    def _publish_sync(self, message: dict[str, Any]) -> None:
        """No running loop (a CLI command, a script): still tell the other processes."""
        if not self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            return  # in-process broker and no loop: nobody in this process is listening
        import redis

        if self._sync_redis is None:
            self._sync_redis = redis.Redis.from_url(self.broker_url)
        self._sync_redis.publish(self.config.channel, json.dumps(message, default=str))


def install(app: FastAPI) -> Runtime:
    """Attach the live feed to ``app`` (called by ``create_app``)."""
    runtime = Runtime(app)
    app.state.realtime = runtime
    with _runtimes_lock:
        _runtimes.add(runtime)

    async def start(app: FastAPI) -> None:
        await runtime.start()

    async def stop(app: FastAPI) -> None:
        await runtime.stop()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
    return runtime


def _runtimes_for(engine: Any) -> list[Runtime]:
    with _runtimes_lock:
        runtimes = list(_runtimes)
    if engine is None:
        return runtimes
    return [r for r in runtimes if engine in (r.engine, mode_engine(r.engine, write=False))]


def publish(uow: UnitOfWork, message: dict[str, Any]) -> None:
    """Push ``message`` once the unit of work that wrote it has committed."""
    engine = uow.engine
    uow.after_commit(lambda: publish_now(engine, message))


def publish_now(engine: Any, message: dict[str, Any]) -> None:  # noqa: ANN401
    """Push ``message`` to every feed of ``engine``'s database (after the commit)."""
    runtimes = _runtimes_for(engine)
    for runtime in runtimes:
        runtime.publish(message)
    if not runtimes:
        _publish_without_app(message)


_script_redis: dict[str, Any] = {}


def _publish_without_app(message: dict[str, Any]) -> None:
    """A move made outside any server (CLI, simulation, a script) still wakes the
    workers when they share a Redis broker."""
    url = os.environ.get("DOORSTEP_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return
    import redis

    client = _script_redis.get(url)
    if client is None:
        client = _script_redis[url] = redis.Redis.from_url(url)
    channel = os.environ.get("DOORSTEP_REALTIME_CHANNEL", "doorstep:feed")
    client.publish(channel, json.dumps(message, default=str))


def on_order_committed(moved: Moved) -> None:
    if not moved.events:
        return
    session = object_session(moved.order)
    engine = session.get_bind() if session is not None else None
    publish_now(engine, order_message(moved.order, list(moved.events)))
