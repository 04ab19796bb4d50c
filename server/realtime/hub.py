"""The live connections of one server process and the fan-out to them.

Every connection has its own bounded inbox and its own sender task, so a slow client
only ever fills its own inbox; when that is full the connection is dropped (close code
4008) and the client resumes from the database. Nothing here touches the database
directly: reads (replay, gap fill, token checks) go through the ``FeedStore`` the
service provides, run in the threadpool.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.realtime import visibility

log = logging.getLogger("doorstep.realtime")

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOKEN_EXPIRED = 4001
CLOSE_HEARTBEAT = 4000
CLOSE_TOO_SLOW = 4008
CLOSE_RESTART = 1012  # broker reconnected: live messages may be missing, resume
# Messages with no order sequence to keep, passed on as they are to whoever the rule
# lets see them (a filed document is live only: a resumed client re-reads the order).
_PLAIN = {
    "location": visibility.location_visible,
    "document": visibility.document_visible,
    "sos": visibility.sos_visible,
    "pool": visibility.pool_visible,
    "notification": visibility.notification_visible,
}
# What a plain message carries only for routing, never sent on (a pool change names every
# technician it concerns).
_ROUTING_ONLY = frozenset({"t", "technician_ids"})


class FeedStore(Protocol):
    """Blocking reads the hub needs (called via the threadpool)."""

    def replay(
        self, conn: Connection, cursor: int | None, seqs: dict[str, int], chat_cursor: int | None
    ) -> dict[str, Any]: ...

    def order_events(
        self, order_id: str, after_seq: int, upto_seq: int
    ) -> list[dict[str, Any]]: ...

    def check_token(self, token: str) -> tuple[str, str, datetime]: ...


class Presence(Protocol):
    """Blocking presence hooks the hub calls for technicians' connections (via the
    threadpool; ``server.realtime.presence.FeedPresence``)."""

    def arrived(self, technician_id: str) -> bool: ...

    def wake(self, technician_id: str) -> bool: ...

    def alive(self, technician_id: str) -> None: ...

    def left(self, technician_id: str) -> None: ...


class Connection:
    def __init__(
        self, hub: Hub, websocket: WebSocket, *, user_id: str, role: str, token_exp: datetime
    ) -> None:
        self.hub = hub
        self.websocket = websocket
        self.user_id = user_id
        self.role = role
        self.token_exp = token_exp
        self.inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=hub.config.queue_size)
        self.early: list[dict[str, Any]] = []  # live messages before the client said where it was
        self.ready = False
        self.seqs: dict[str, int] = {}  # last event seq sent, per order
        self.holds: set[str] = set()  # technician: orders offered or assigned to them right now
        self.watch: set[str] = set()  # staff: orders they follow
        self.watch_all = False
        self.chat_sent: set[int] = set()
        self.cursor = 0  # highest OrderEvent id sent
        self.chat_cursor = 0
        self.closed = False
        self.close_code: int | None = None
        self.last_seen = asyncio.get_running_loop().time()
        self.presence_at = self.last_seen  # when presence last heard of this connection
        self.sent = 0
        self._tasks: list[asyncio.Task] = []

    # -- called on the loop thread by the hub ------------------------------------------

    def staff_watching(self, order_id: str | None) -> bool:
        return self.role in visibility.FEED_STAFF_ROLES and (
            self.watch_all or order_id in self.watch
        )

    def offer(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        if not self.ready:
            if len(self.early) >= self.hub.config.queue_size:
                self.drop(CLOSE_TOO_SLOW, "too_slow")
            else:
                self.early.append(message)
            return
        self.put(("live", message))

    def put(self, item: tuple[str, Any]) -> None:
        try:
            self.inbox.put_nowait(item)
        except asyncio.QueueFull:
            self.hub.metrics_dropped += 1
            self.drop(CLOSE_TOO_SLOW, "too_slow")

    def start_live(self, resume: dict[str, Any] | None) -> None:
        """Replay first (if asked), then the live messages that arrived meanwhile."""
        if resume is not None:
            self.put(("resume", resume))
        if not self.ready:
            self.ready = True
            early, self.early = self.early, []
            for message in early:
                self.put(("live", message))

    def drop(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.send_text(
                    json.dumps({"type": "bye", "code": code, "reason": reason})
                )
                await self.websocket.close(code=code, reason=reason)
            except (RuntimeError, WebSocketDisconnect, OSError):
                log.debug("socket already gone while closing", exc_info=True)

    # -- the connection's own tasks --------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(
            json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)
        )
        self.sent += 1

    async def sender(self) -> None:
        try:
            while True:
                kind, item = await self.inbox.get()
                if kind == "live":
                    await self._live(item)
                elif kind == "resume":
                    await self._resume(item)
                elif kind == "raw":
                    await self.send(item)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True

    async def heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        period = self.hub.config.heartbeat_seconds
        while not self.closed:
            await asyncio.sleep(period)
            if self.hub.now() >= self.token_exp:
                self.drop(CLOSE_TOKEN_EXPIRED, "token_expired")
                return
            if loop.time() - self.last_seen > 3 * period:
                self.drop(CLOSE_HEARTBEAT, "heartbeat_timeout")
                return
            self.put(("raw", {"type": "ping", "server_time": self.hub.now().isoformat()}))

    async def _live(self, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "order":
            await self._live_order(message)
        elif kind in _PLAIN:
            if _PLAIN[kind](
                user_id=self.user_id,
                role=self.role,
                message=message,
                staff_watching=self.staff_watching(message.get("order_id")),
            ):
                sent = {k: v for k, v in message.items() if k not in _ROUTING_ONLY}
                await self.send({"type": kind, **sent})
        elif kind == "chat":
            chat = message["message"]
            if chat["id"] in self.chat_sent:
                return
            if visibility.chat_visible(
                user_id=self.user_id,
                role=self.role,
                message=message,
                staff_watching=self.staff_watching(message.get("order_id")),
            ):
                await self._send_chat(chat)

    async def _send_chat(self, chat: dict[str, Any]) -> None:
        self.chat_sent.add(chat["id"])
        if len(self.chat_sent) > 4 * self.hub.config.queue_size:
            self.chat_sent = set(sorted(self.chat_sent)[-self.hub.config.queue_size :])
        self.chat_cursor = max(self.chat_cursor, chat["id"])
        await self.send({"type": "chat", "message": chat})

    async def _live_order(self, message: dict[str, Any]) -> None:
        order = message["order"]
        order_id = order["id"]
        for event in message["events"]:
            last = self.seqs.get(order_id)
            if last is not None and event["seq"] > last + 1:
                missing = await asyncio.to_thread(
                    self.hub.store.order_events, order_id, last, event["seq"] - 1
                )
                for gap_event in missing:
                    await self._apply(order, gap_event)
            await self._apply(order, event)

    async def _apply(self, order: dict[str, Any], event: dict[str, Any]) -> None:
        order_id = event["order_id"]
        last = self.seqs.get(order_id)
        if last is not None and event["seq"] <= last:
            return
        step = visibility.event_visible_live(
            user_id=self.user_id,
            role=self.role,
            order=order,
            event=event,
            holds_before=order_id in self.holds,
            staff_watching=self.staff_watching(order_id),
        )
        if self.role == visibility.TECHNICIAN:
            self.hub.set_hold(self, order_id, step.holds_after)
        if not step.visible:
            return
        self.seqs[order_id] = event["seq"]
        self.cursor = max(self.cursor, event["id"])
        await self.send(event_message(event))

    async def _resume(self, request: dict[str, Any]) -> None:
        seqs = {str(k): int(v) for k, v in (request.get("seqs") or {}).items()}
        for order_id, seq in seqs.items():
            self.seqs[order_id] = max(seq, self.seqs.get(order_id, 0))
        result = await asyncio.to_thread(
            self.hub.store.replay,
            self,
            request.get("cursor"),
            dict(self.seqs),
            request.get("chat_cursor"),
        )
        for order_id in result.get("holds", ()):
            self.hub.set_hold(self, order_id, True)
        for event in result["events"]:
            last = self.seqs.get(event["order_id"])
            if last is not None and event["seq"] <= last:
                continue
            self.seqs[event["order_id"]] = event["seq"]
            self.cursor = max(self.cursor, event["id"])
            await self.send(event_message(event))
        for chat in result["chat"]:
            if chat["id"] not in self.chat_sent:
                await self._send_chat(chat)
        for location in result["locations"]:
            await self.send({"type": "location", **{k: v for k, v in location.items() if k != "t"}})
        self.cursor = max(self.cursor, result.get("cursor", 0))
        self.chat_cursor = max(self.chat_cursor, result.get("chat_cursor", 0))
        await self.send(
            {
                "type": "replayed",
                "cursor": self.cursor,
                "chat_cursor": self.chat_cursor,
                "more": result.get("more", False),
                "count": len(result["events"]),
            }
        )

    def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self.sender()), loop.create_task(self.heartbeat())]

    async def stop(self) -> None:
        self.closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: S110 - the socket is gone
                log.debug("connection task ended", exc_info=True)


def event_message(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "event",
        "id": event["id"],
        "order_id": event["order_id"],
        "seq": event["seq"],
        "event_type": event["type"],
        "actor_id": event.get("actor_id"),
        "actor_role": event.get("actor_role"),
        "occurred_at": event.get("occurred_at"),
        "received_at": event.get("received_at"),
        "payload": event.get("payload") or {},
    }


class Hub:
    def __init__(
        self,
        *,
        config: Any,
        store: FeedStore,
        now: Callable[[], datetime],
        presence: Presence | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.presence = presence
        self.by_user: dict[str, set[Connection]] = defaultdict(set)
        self.holders: dict[str, set[Connection]] = defaultdict(set)
        self.staff: set[Connection] = set()
        self.metrics_dropped = 0
        self.metrics_messages = 0

    @property
    def connections(self) -> int:
        return sum(len(v) for v in self.by_user.values())

    def add(self, conn: Connection) -> None:
        self.by_user[conn.user_id].add(conn)
        if conn.role in visibility.FEED_STAFF_ROLES:
            self.staff.add(conn)

    def remove(self, conn: Connection) -> None:
        conns = self.by_user.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_user[conn.user_id]
        self.staff.discard(conn)
        for order_id in list(conn.holds):
            self.set_hold(conn, order_id, False)

    # -- presence: a technician's open connection is his app's sign of life ------------

    async def arrived(self, conn: Connection) -> bool:
        """A technician's connection opened: True if his app had been absent (the
        caller then lets dispatch look again, ``Presence.wake``)."""
        if self.presence is None or conn.role != visibility.TECHNICIAN:
            return False
        try:
            return await asyncio.to_thread(self.presence.arrived, conn.user_id)
        except Exception:  # presence must never cost a technician his feed
            log.warning("presence: arrival of %s not recorded", conn.user_id, exc_info=True)
            return False

    async def heard(self, conn: Connection) -> None:
        """The client spoke (it answers every ping): refresh his presence, at most about
        twice a heartbeat."""
        if self.presence is None or conn.role != visibility.TECHNICIAN:
            return
        if conn.last_seen - conn.presence_at < self.config.heartbeat_seconds / 2:
            return
        conn.presence_at = conn.last_seen
        try:
            await asyncio.to_thread(self.presence.alive, conn.user_id)
        except Exception:
            log.warning("presence: sign of %s not recorded", conn.user_id, exc_info=True)

    async def departed(self, conn: Connection) -> None:
        """After ``remove``: his last connection here closed, his app is gone (another
        worker holding one says otherwise at its next heartbeat)."""
        if self.presence is None or conn.role != visibility.TECHNICIAN:
            return
        if self.by_user.get(conn.user_id):
            return
        try:
            await asyncio.to_thread(self.presence.left, conn.user_id)
            if self.by_user.get(conn.user_id):  # he reconnected meanwhile: still here
                await asyncio.to_thread(self.presence.alive, conn.user_id)
        except Exception:
            log.warning("presence: departure of %s not recorded", conn.user_id, exc_info=True)

    def set_hold(self, conn: Connection, order_id: str, holds: bool) -> None:
        if holds:
            conn.holds.add(order_id)
            self.holders[order_id].add(conn)
        else:
            conn.holds.discard(order_id)
            holders = self.holders.get(order_id)
            if holders is not None:
                holders.discard(conn)
                if not holders:
                    del self.holders[order_id]

    def dispatch(self, message: dict[str, Any]) -> None:
        """Hand a broker message to every connection that might see it (each decides)."""
        self.metrics_messages += 1
        users: set[str | None] = set()
        order_id = message.get("order_id")
        kind = message.get("t")
        if kind == "order":
            order = message["order"]
            order_id = order["id"]
            users |= {
                order.get("customer_id"),
                order.get("technician_id"),
                order.get("offered_technician_id"),
            }
            for event in message["events"]:
                users.add(event.get("actor_id"))
                payload = event.get("payload") or {}
                users |= {
                    payload.get("technician_id"),
                    payload.get("offered_technician_id"),
                    payload.get("previous_technician_id"),
                }
        else:
            users |= {
                message.get("customer_id"),
                message.get("technician_id"),
                message.get("user_id"),
            }
            users.update(message.get("technician_ids") or ())
        targets: set[Connection] = set(self.staff)
        for user_id in users:
            if user_id:
                targets |= self.by_user.get(user_id, set())
        if order_id:
            targets |= self.holders.get(order_id, set())
        for conn in targets:
            conn.offer(message)

    def drop_all(self, code: int = CLOSE_RESTART, reason: str = "resume") -> None:
        for conns in list(self.by_user.values()):
            for conn in list(conns):
                conn.drop(code, reason)
