"""Carries feed messages between server processes.

The database is the truth: a message is published only after its transaction
committed, and it only wakes listeners (a receiver that finds a gap reads the missing
events from ``OrderEvent``). In-process by default; Redis pub/sub when
``DOORSTEP_BROKER_URL=redis://...`` so several workers or hosts share one feed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("doorstep.realtime")

Handler = Callable[[dict[str, Any]], None]
OnReconnect = Callable[[], Awaitable[None] | None]


class Broker(Protocol):
    async def start(self, handler: Handler, on_reconnect: OnReconnect | None = None) -> None: ...

    def publish_nowait(self, message: dict[str, Any]) -> None:
        """Publish from the event loop thread without waiting (order is kept)."""
        ...

    async def stop(self) -> None: ...


class InProcessBroker:
    """One process: publishing is handing the message to this process's hub."""

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def start(self, handler: Handler, on_reconnect: OnReconnect | None = None) -> None:
        self._handler = handler

    def publish_nowait(self, message: dict[str, Any]) -> None:
        if self._handler is not None:
            self._handler(message)

    async def stop(self) -> None:
        self._handler = None


class RedisBroker:
    """Redis pub/sub on one channel. Publishes go out in order through one task; the
    subscriber reconnects with backoff, and tells the hub (``on_reconnect``) that live
    messages may have been missed meanwhile so connections can resume from the DB."""

    def __init__(self, url: str, channel: str = "doorstep:feed") -> None:
        self.url = url
        self.channel = channel
        self._out: asyncio.Queue[dict[str, Any]] | None = None
        self._tasks: list[asyncio.Task] = []
        self._ready = asyncio.Event()

    async def start(self, handler: Handler, on_reconnect: OnReconnect | None = None) -> None:
        import redis.asyncio as aioredis

        self._pub = aioredis.Redis.from_url(self.url)
        self._out = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._listen(handler, on_reconnect), name="broker-listen"),
            asyncio.create_task(self._publisher(), name="broker-publish"),
        ]
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=10)
        except TimeoutError:
            log.warning("redis broker at %s not subscribed yet; continuing", self.url)

    async def _listen(self, handler: Handler, on_reconnect: OnReconnect | None) -> None:
        import redis.asyncio as aioredis

        delay, first = 0.2, True
        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._ready.set()
                    if not first and on_reconnect is not None:
                        result = on_reconnect()
                        if asyncio.iscoroutine(result):
                            await result
                    first, delay = False, 0.2
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        try:
                            message = json.loads(raw["data"])
                        except (ValueError, TypeError):
                            log.warning("dropping a malformed broker message")
                            continue
                        handler(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: back off and resubscribe
                log.warning("redis broker subscription lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                await client.aclose()

    async def _publisher(self) -> None:
        assert self._out is not None
        while True:
            message = await self._out.get()
            data = json.dumps(message, separators=(",", ":"), default=str)
            for attempt in range(5):
                try:
                    await self._pub.publish(self.channel, data)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # listeners resume from the DB; retry a little
                    log.warning("redis publish failed (%s), attempt %d", exc, attempt + 1)
                    await asyncio.sleep(0.1 * (attempt + 1))

    def publish_nowait(self, message: dict[str, Any]) -> None:
        if self._out is None:
            raise RuntimeError("broker not started")
        self._out.put_nowait(message)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: S110 - shutting down
                log.debug("broker task ended", exc_info=True)
        self._tasks = []
        if hasattr(self, "_pub"):
            await self._pub.aclose()


def make_broker(url: str, channel: str = "doorstep:feed") -> Broker:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url, channel)
    if url and url not in ("memory", "memory://", "inprocess"):
        raise ValueError(f"unsupported broker URL {url!r}: use redis://... or leave it empty")
    return InProcessBroker()
