"""The live feed (``/ws``), technician locations and chat.

WebSocket protocol (JSON text frames):

client → server
  ``{"type": "auth", "token": "..."}``     first message when the URL has no ``?token=``;
                                           later, a fresh token extends the connection
  ``{"type": "resume", "cursor": N, "seqs": {"ord_..": 7}, "chat_cursor": M}``
                                           where the client was; the server replays what it
                                           missed, then goes live (all fields optional; no
                                           resume within ``hello_wait_seconds``: live only)
  ``{"type": "subscribe", "order_ids": [...]}`` / ``{"type": "subscribe", "all": true}`` (staff)
  ``{"type": "ping"}`` / ``{"type": "pong"}``

server → client
  ``welcome`` (user, role, cursor, chat_cursor, heartbeat_seconds), ``event`` (id, order_id,
  seq, event_type, payload, ...), ``replayed`` (end of a replay), ``location`` (order_id,
  lat, lng, distance_m, eta_s, text), ``chat`` (message), ``ping``/``pong``, ``bye`` then
  a close: 4401 no/invalid token, 4001 token expired, 4000 heartbeat timeout, 4008 too
  slow, 1012 broker restarted (resume).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import Query, Request, WebSocket
from starlette.websockets import WebSocketDisconnect

from server.auth.dependencies import CurrentUser, TechnicianUser
from server.core.deps import UowDep
from server.core.errors import AppError
from server.core.ids import CURSOR_MAX
from server.core.routing import api_router
from server.core.uow_middleware import writer_gate
from server.realtime import service, visibility
from server.realtime.hub import CLOSE_UNAUTHORIZED, Connection
from server.realtime.models import ChatIn, ChatRead, LocationAck, LocationIn

log = logging.getLogger("doorstep.realtime")
router = api_router(tags=["realtime"])


def _runtime(request_or_ws: Request | WebSocket) -> service.Runtime:
    return request_or_ws.app.state.realtime


@router.post("/technician/location", response_model=LocationAck)
def post_location(
    body: LocationIn, user: TechnicianUser, uow: UowDep, request: Request
) -> LocationAck:
    return service.post_locations(
        uow,
        technician=user,
        body=body,
        limiter=request.app.state.rate_limiter,
        config=_runtime(request).config,
    )


@router.post("/orders/{order_id}/messages", response_model=ChatRead, status_code=201)
def post_order_message(
    order_id: str, body: ChatIn, user: CurrentUser, uow: UowDep, request: Request
) -> ChatRead:
    return service.post_order_message(
        uow,
        order_id=order_id,
        user=user,
        body=body,
        config=_runtime(request).config,
        limiter=request.app.state.rate_limiter,
    )


@router.get("/orders/{order_id}/messages", response_model=list[ChatRead])
def list_order_messages(
    order_id: str,
    user: CurrentUser,
    uow: UowDep,
    after: int = Query(0, ge=0, le=CURSOR_MAX),
    limit: int = Query(200, ge=1, le=500),
) -> list[ChatRead]:
    return service.list_order_messages(uow, order_id=order_id, user=user, after=after, limit=limit)


@router.post("/support/messages", response_model=ChatRead, status_code=201)
def post_support_message(
    body: ChatIn, user: CurrentUser, uow: UowDep, request: Request
) -> ChatRead:
    return service.post_support_message(
        uow,
        user=user,
        body=body,
        config=_runtime(request).config,
        limiter=request.app.state.rate_limiter,
    )


@router.get("/support/messages", response_model=list[ChatRead])
def list_support_messages(
    user: CurrentUser,
    uow: UowDep,
    after: int = Query(0, ge=0, le=CURSOR_MAX),
    customer_id: str | None = None,
    limit: int = Query(200, ge=1, le=500),
) -> list[ChatRead]:
    return service.list_support_messages(
        uow, user=user, after=after, customer_id=customer_id, limit=limit
    )


async def _refuse(websocket: WebSocket, code: str, message: str) -> None:
    await websocket.send_text(json.dumps({"type": "error", "code": code, "message": message}))
    await websocket.close(code=CLOSE_UNAUTHORIZED, reason=code)


def _parse(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def feed(websocket: WebSocket) -> None:
    """The live feed; see the module docstring for the protocol."""
    runtime = _runtime(websocket)
    config = runtime.config
    await websocket.accept()
    token = websocket.query_params.get("token")
    first: dict[str, Any] | None = None
    if not token:
        try:
            text = await asyncio.wait_for(
                websocket.receive_text(), timeout=config.auth_wait_seconds
            )
        except (TimeoutError, WebSocketDisconnect):
            await _refuse(websocket, "not_authenticated", "send the access token first")
            return
        first = _parse(text) or {}
        token = first.get("token") if isinstance(first.get("token"), str) else None
        if not token:
            await _refuse(websocket, "not_authenticated", "send the access token first")
            return
    try:
        user_id, role, exp = await asyncio.to_thread(service.check_token, websocket.app, token)
    except AppError as exc:
        await _refuse(websocket, exc.code, exc.message)
        return
    conn = Connection(runtime.hub, websocket, user_id=user_id, role=role, token_exp=exp)
    runtime.hub.add(conn)
    websocket.app.state.metrics.ws_connections.inc()
    try:
        if await runtime.hub.arrived(conn):
            await _wake_dispatch(websocket, user_id)
        cursor, chat_cursor = await asyncio.to_thread(service.current_cursors, websocket.app)
        await conn.send(
            {
                "type": "welcome",
                "user_id": user_id,
                "role": role,
                "cursor": cursor,
                "chat_cursor": chat_cursor,
                "heartbeat_seconds": config.heartbeat_seconds,
                "server_time": runtime.hub.now().isoformat(),
            }
        )
        conn.run()
        if (
            first is not None
            and first.get("type") in ("resume", "hello", "auth")
            and ("cursor" in first or "seqs" in first or "chat_cursor" in first)
        ):
            conn.start_live(first)
        await _receive(websocket, conn, config)
    except (WebSocketDisconnect, RuntimeError):
        log.debug("feed connection ended", exc_info=True)
    finally:
        runtime.hub.remove(conn)
        # told even when this handler is being cancelled (a client gone, a shutdown)
        departure = asyncio.ensure_future(runtime.hub.departed(conn))
        await conn.stop()
        await asyncio.shield(departure)


async def _wake_dispatch(websocket: WebSocket, technician_id: str) -> None:
    """A technician's app is back: dispatch looks again near him (a unit of work, on
    SQLite behind this process's writer gate like any writer)."""
    presence = _runtime(websocket).presence
    gate = writer_gate(websocket.app)
    try:
        if gate is None:
            await asyncio.to_thread(presence.wake, technician_id)
            return
        async with gate:
            await asyncio.to_thread(presence.wake, technician_id)
    except Exception:  # the feed goes on; the safety sweep finds the waiting orders
        log.warning("dispatch not woken for %s", technician_id, exc_info=True)


async def _receive(websocket: WebSocket, conn: Connection, config: Any) -> None:
    loop = asyncio.get_running_loop()
    while not conn.closed:
        timeout = None if conn.ready else config.hello_wait_seconds
        try:
            text = await asyncio.wait_for(websocket.receive_text(), timeout=timeout)
        except TimeoutError:
            conn.start_live(None)  # the client never said where it was: live from now
            continue
        conn.last_seen = loop.time()
        await conn.hub.heard(conn)
        message = _parse(text)
        if message is None:
            conn.put(
                ("raw", {"type": "error", "code": "bad_message", "message": "send JSON objects"})
            )
            continue
        kind = message.get("type")
        if kind == "resume":
            conn.start_live(message)
        elif kind == "subscribe":
            _subscribe(conn, message)
        elif kind == "ping":
            conn.put(("raw", {"type": "pong"}))
        elif kind == "auth":
            await _reauth(websocket, conn, message)
        elif kind != "pong":
            conn.put(("raw", {"type": "error", "code": "unknown_message", "message": str(kind)}))


def _subscribe(conn: Connection, message: dict[str, Any]) -> None:
    if conn.role not in visibility.FEED_STAFF_ROLES:
        conn.put(
            (
                "raw",
                {
                    "type": "error",
                    "code": "role_forbidden",
                    "message": "customers and technicians get their own orders automatically",
                },
            )
        )
        return
    if message.get("all") is True:
        conn.watch_all = True
    ids = message.get("order_ids") or []
    conn.watch |= {str(i) for i in ids if isinstance(i, str)}
    if not conn.ready:
        conn.start_live(None)
    if ids:
        conn.put(("resume", {"seqs": {i: conn.seqs.get(i, 0) for i in ids if isinstance(i, str)}}))


async def _reauth(websocket: WebSocket, conn: Connection, message: dict[str, Any]) -> None:
    token = message.get("token")
    try:
        user_id, _, exp = await asyncio.to_thread(
            service.check_token, websocket.app, str(token or "")
        )
    except AppError as exc:
        conn.put(("raw", {"type": "error", "code": exc.code, "message": exc.message}))
        return
    if user_id != conn.user_id:
        conn.put(
            ("raw", {"type": "error", "code": "wrong_user", "message": "a token of another user"})
        )
        return
    conn.token_exp = exp
    conn.put(("raw", {"type": "auth_ok", "expires_at": exp.isoformat()}))
    if not conn.ready and any(k in message for k in ("cursor", "seqs", "chat_cursor")):
        conn.start_live(message)


router.add_api_websocket_route("/ws", feed, name="feed")
