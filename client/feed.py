"""Live feed subscriber for both apps: reconnects by itself and loses nothing.

It keeps the last event sequence seen per order, the global event cursor and the chat
cursor (a :class:`FeedState` the app may persist), sends them on every reconnect so the
server replays what was missed, and drops duplicates, so the app sees each order's
events once and in order. Reconnects back off exponentially (with jitter) while the
server is unreachable; an expired token is refreshed through the API client first.

A connection that goes silent (no frame at all, not even the server's heartbeat ping,
for ``read_timeout`` seconds: by default 2.5x the ``heartbeat_seconds`` the server
announces in its welcome) is treated as dead: the feed reconnects and resumes, instead
of waiting forever on a half-open TCP connection. A gap in an order's sequence that the
REST timeline cannot fill keeps the cursor where it was and reconnects, so the server's
replay fills it; only a gap that survives that replay (events this user may not see, e.g.
while the order was someone else's) is stepped over.

Use it with a callback::

    feed = LiveFeed(api, on_message=state.apply)
    task = asyncio.create_task(feed.run())

or as an async iterator::

    async for message in LiveFeed(api):
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from client.api import ApiError, DoorstepClient, NetworkError

log = logging.getLogger("doorstep.client.feed")

Message = dict[str, Any]
Callback = Callable[[Message], Awaitable[None] | None]

CLOSE_TOKEN_EXPIRED = 4001
CLOSE_UNAUTHORIZED = 4401
DEFAULT_HEARTBEAT_SECONDS = 20.0  # the server's default ping period
HEARTBEAT_FACTOR = 2.5  # silence for this many heartbeats: the connection is dead
CONNECT_READ_TIMEOUT = 15.0  # for the welcome, before the heartbeat period is known


class Socket(Protocol):
    async def send(self, data: str) -> None: ...

    async def recv(self) -> str | bytes: ...  # a JSON text frame (bytes for a binary one)

    async def close(self) -> None: ...


Connector = Callable[[str], Awaitable[Socket]]


class FeedClosed(Exception):
    """The connection ended; ``code`` is the WebSocket close code when known."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"feed closed ({code}) {reason}")
        self.code = code
        self.reason = reason


@dataclass
class FeedState:
    """Where the app is in the feed; persist it to resume after a restart."""

    cursor: int | None = None
    chat_cursor: int | None = None
    seqs: dict[str, int] = field(default_factory=dict)
    chat_ids: set[int] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "chat_cursor": self.chat_cursor, "seqs": dict(self.seqs)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FeedState:
        data = data or {}
        return cls(
            data.get("cursor"),
            data.get("chat_cursor"),
            {str(k): int(v) for k, v in (data.get("seqs") or {}).items()},
        )

    def resume_message(self) -> Message:
        return {
            "type": "resume",
            "cursor": self.cursor,
            "chat_cursor": self.chat_cursor,
            "seqs": dict(self.seqs),
        }


async def websockets_connector(url: str) -> Socket:
    """The default transport: the ``websockets`` library."""
    from websockets.asyncio.client import connect

    return await connect(url, max_size=4 * 1024 * 1024, ping_interval=None, open_timeout=10)


class LiveFeed:
    def __init__(
        self,
        api: DoorstepClient,
        *,
        on_message: Callback | None = None,
        state: FeedState | None = None,
        connector: Connector | None = None,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        queue_size: int = 10_000,
        path: str = "/ws",
        read_timeout: float | None = None,
        heartbeat_factor: float = HEARTBEAT_FACTOR,
    ) -> None:
        """``read_timeout``: seconds of silence after which the connection counts as
        dead (reconnect + resume); ``None`` derives it from the server's announced
        heartbeat (``heartbeat_factor`` x ``heartbeat_seconds``, 20 s when not said)."""
        self.api = api
        self.on_message = on_message
        self.state = state or FeedState()
        self.connector = connector or websockets_connector
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.path = path
        self.read_timeout = read_timeout
        self.heartbeat_factor = heartbeat_factor
        self.heartbeat_seconds = DEFAULT_HEARTBEAT_SECONDS
        self.connected = asyncio.Event()
        self.connects = 0
        self.last_close: FeedClosed | None = None
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=queue_size)
        self._stopping = False
        self._socket: Socket | None = None
        # gaps (order_id, seq) already sent back to the server's replay once
        self._gaps_resumed: set[tuple[str, int]] = set()

    # -- public ----------------------------------------------------------------------

    async def run(self) -> None:
        """Stay connected until ``stop()`` (or the session can no longer be refreshed)."""
        delay = self.min_backoff
        while not self._stopping:
            connects_before = self.connects
            try:
                await self._session()
                delay = self.min_backoff
            except FeedClosed as closed:
                self.last_close = closed
                if closed.code in (CLOSE_TOKEN_EXPIRED, CLOSE_UNAUTHORIZED) or closed.reason in (
                    "token_expired",
                    "invalid_token",
                ):
                    try:
                        await self.api.refresh()
                    except ApiError:
                        log.warning("feed stopped: the session cannot be refreshed")
                        raise
                    except NetworkError:
                        log.info("refresh failed: no connection")
                    else:
                        continue  # fresh token: reconnect at once
                elif self.connected.is_set() is False and closed.code is None:
                    log.info("feed connection failed: %s", closed)
            except (TimeoutError, OSError, NetworkError) as exc:
                self.last_close = FeedClosed(None, str(exc))
                log.info("feed unreachable: %s", exc)
            finally:
                self.connected.clear()
            if self._stopping:
                break
            if self.connects > connects_before:
                delay = self.min_backoff  # that connection worked: start the backoff over
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
            delay = min(delay * 2, self.max_backoff)

    async def stop(self) -> None:
        self._stopping = True
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    def effective_read_timeout(self) -> float:
        """Seconds of silence that end a connection."""
        if self.read_timeout is not None:
            return self.read_timeout
        return self.heartbeat_factor * self.heartbeat_seconds

    async def drop(self) -> None:
        """Close the current connection (as a network loss would); ``run`` reconnects."""
        if self._socket is not None:
            await self._socket.close()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        runner = asyncio.create_task(self.run())
        try:
            while True:
                getter = asyncio.create_task(self._queue.get())
                done, _ = await asyncio.wait({getter, runner}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                runner.result()  # re-raise why the feed stopped
                return
        finally:
            await self.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner

    # -- one connection --------------------------------------------------------------

    def _url(self) -> str:
        token = self.api.session.access_token or ""
        return f"{self.api.ws_url(self.path)}?token={quote(token)}"

    async def _session(self) -> None:
        try:
            socket = await self.connector(self._url())
        except OSError:
            raise
        except Exception as exc:  # handshake refused etc.: treat like a failed connect
            raise FeedClosed(None, str(exc)) from exc
        self._socket = socket
        try:
            first_wait = (
                self.read_timeout if self.read_timeout is not None else CONNECT_READ_TIMEOUT
            )
            welcome = await self._recv(socket, first_wait)
            if welcome.get("type") == "error":
                raise FeedClosed(CLOSE_UNAUTHORIZED, str(welcome.get("code")))
            if welcome.get("type") != "welcome":
                raise FeedClosed(None, f"unexpected first message {welcome.get('type')}")
            with contextlib.suppress(TypeError, ValueError):
                if welcome.get("heartbeat_seconds"):
                    self.heartbeat_seconds = float(welcome["heartbeat_seconds"])
            if self.state.cursor is None:
                self.state.cursor = int(welcome.get("cursor") or 0)
            if self.state.chat_cursor is None:
                self.state.chat_cursor = int(welcome.get("chat_cursor") or 0)
            await socket.send(json.dumps(self.state.resume_message()))
            self.connects += 1
            self.connected.set()
            while True:
                message = await self._recv(socket, self.effective_read_timeout())
                await self._handle(socket, message)
        finally:
            self._socket = None
            with contextlib.suppress(Exception):
                await socket.close()

    async def _recv(self, socket: Socket, timeout: float | None = None) -> Message:
        try:
            async with asyncio.timeout(timeout):
                raw = await socket.recv()
        except TimeoutError as exc:
            # nothing at all, not even a heartbeat: a dead (half-open) connection
            raise FeedClosed(None, f"read timeout: no message for {timeout:.1f}s") from exc
        except Exception as exc:
            code = getattr(getattr(exc, "rcvd", None), "code", None)
            reason = getattr(getattr(exc, "rcvd", None), "reason", "") or ""
            raise FeedClosed(code, reason or str(exc)) from exc
        try:
            message = json.loads(raw)
        except ValueError as exc:
            raise FeedClosed(None, "malformed message") from exc
        return message if isinstance(message, dict) else {"type": "unknown"}

    async def _handle(self, socket: Socket, message: Message) -> None:
        kind = message.get("type")
        if kind == "ping":
            await socket.send('{"type":"pong"}')
        elif kind == "event":
            await self._event(message)
        elif kind == "chat":
            chat = message.get("message") or {}
            chat_id = chat.get("id")
            if isinstance(chat_id, int):
                if chat_id in self.state.chat_ids:
                    return
                self.state.chat_ids.add(chat_id)
                if len(self.state.chat_ids) > 5000:
                    self.state.chat_ids = set(sorted(self.state.chat_ids)[-2500:])
                self.state.chat_cursor = max(self.state.chat_cursor or 0, chat_id)
            await self._deliver(message)
        elif kind == "replayed":
            self.state.cursor = max(self.state.cursor or 0, int(message.get("cursor") or 0))
            if message.get("more"):
                await socket.send(json.dumps(self.state.resume_message()))
            await self._deliver(message)
        elif kind == "bye":
            raise FeedClosed(message.get("code"), str(message.get("reason") or ""))
        elif kind in ("pong", "auth_ok"):
            return
        else:
            await self._deliver(message)

    async def _event(self, message: Message) -> None:
        order_id, seq = message["order_id"], int(message["seq"])
        last = self.state.seqs.get(order_id)
        if last is not None and seq <= last:
            return  # a duplicate from a replay
        if last is not None and seq > last + 1:
            await self._fill_gap(order_id, last, seq)
            filled = self.state.seqs.get(order_id, last)
            if filled < seq - 1:
                if (order_id, seq) not in self._gaps_resumed:
                    # keep the cursor where it is; the server's replay on resume fills it
                    self._gaps_resumed.add((order_id, seq))
                    raise FeedClosed(None, f"gap in {order_id} after seq {filled}: resuming")
                # the server's own replay came back with the same gap: events this user
                # may not see (the order was someone else's meanwhile)
                log.info("feed gap in %s (%s..%s) is not visible here", order_id, filled, seq)
        self._gaps_resumed.discard((order_id, seq))
        if len(self._gaps_resumed) > 1000:
            self._gaps_resumed.clear()
        self.state.seqs[order_id] = seq
        self.state.cursor = max(self.state.cursor or 0, int(message.get("id") or 0))
        await self._deliver(message)

    async def _fill_gap(self, order_id: str, last: int, seq: int) -> None:
        """The server fills gaps itself; this is the belt to its braces (REST timeline).
        Delivers what it can in order; when it cannot, the caller resumes instead."""
        try:
            missing = await self.api.order_events(order_id, after_seq=last, limit=seq - last - 1)
        except (ApiError, NetworkError) as exc:
            log.warning("could not fill a feed gap for %s: %s", order_id, exc)
            return
        for event in missing:
            have = self.state.seqs.get(order_id, last)
            if event.seq <= have:
                continue
            if event.seq >= seq or event.seq != have + 1:
                break  # only contiguous events; the rest comes with the resume
            self.state.seqs[order_id] = event.seq
            # delivered as the socket would have sent it: JSON, times as ISO text
            row = event.model_dump(mode="json")
            await self._deliver(
                {
                    "type": "event",
                    "id": None,
                    "order_id": order_id,
                    "seq": event.seq,
                    "event_type": event.type,
                    "actor_id": row["actor_id"],
                    "actor_role": row["actor_role"],
                    "occurred_at": row["occurred_at"],
                    "received_at": row["received_at"],
                    "payload": event.payload,
                }
            )

    async def _deliver(self, message: Message) -> None:
        if self.on_message is not None:
            result = self.on_message(message)
            if asyncio.iscoroutine(result):
                await result
        else:
            await self._queue.put(message)
