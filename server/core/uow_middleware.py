"""Every API request runs in one unit of work (``server.core.uow``).

* Admission: at most ``REQUEST_SLOTS`` requests hold a database session at once, fewer
  than the pool's connections and the threadpool's threads, so an admitted request can
  always finish (no request waits on a connection that a request waiting on a thread
  holds).
* Reads (GET, HEAD, OPTIONS, except staff reads, which may be audited) run read-only:
  on SQLite they never take the write lock, so a queue of writers never stalls them.
* Writes: the body is read first; on SQLite they then pass one at a time through the
  process's writer gate (an ``asyncio.Lock``: writers queue on the event loop, in order,
  instead of 40 threads polling SQLite's lock). The reply is buffered; the idempotency
  record and the staff audit entry are added to the same transaction, which commits once;
  only then is the reply sent. A lock or pool wait that runs out is 503 ``busy`` with
  ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

import anyio
from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from server.core import idempotency
from server.core.asgi import read_body, replaying
from server.core.db import REQUEST_SLOTS, is_busy
from server.core.errors import error_body
from server.core.uow import UnitOfWork

log = logging.getLogger("doorstep.uow")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = 1
Writer = Callable[[Session], None]


def writer_gate(app: Any) -> asyncio.Lock | None:  # noqa: ANN401
    """SQLite's writers of this process queue here, in order, on the event loop (requests
    and the dispatch rounds alike); None on PostgreSQL, whose row locks suffice."""
    if app.state.engine.dialect.name != "sqlite":
        return None
    gate = getattr(app.state, "writer_gate", None)
    if gate is None:
        gate = app.state.writer_gate = asyncio.Lock()
    return gate


async def _may_write(request: Request) -> None:
    """Before anything reads: make this GET's unit of work one that may write (on SQLite,
    after the writer gate)."""
    state = request.scope["state"]
    uow: UnitOfWork = state["uow"]
    if uow.write:
        return
    gate: asyncio.Lock | None = state.get("writer_gate")
    if gate is not None:
        await gate.acquire()
        state["writer_gate_held"] = True
    uow.upgrade()


# A GET that may write (a record made on first read: a technician's profile, a virtual
# number) says so: ``@router.get(..., dependencies=[MAY_WRITE])``. Route dependencies run
# before the others, so the switch happens before the request touches the database.
MAY_WRITE = Depends(_may_write)


class RequestHook(Protocol):
    """Something a request's transaction must carry besides the use case (the audit net)."""

    def needs_write(self, scope: dict[str, Any]) -> bool: ...

    def start(self, scope: dict[str, Any]) -> Any: ...  # noqa: ANN401

    def finish(self, scope: dict[str, Any], token: Any, status: int) -> Writer | None: ...  # noqa: ANN401


class _Reply:
    """The app's reply, held until the transaction behind it has committed."""

    def __init__(self) -> None:
        self.start: dict[str, Any] | None = None
        self.chunks: list[bytes] = []

    async def capture(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return self.start["status"] if self.start else 500

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: bytes) -> str | None:
        for key, value in (self.start or {}).get("headers", []):
            if key.lower() == name:
                return value.decode("latin-1")
        return None

    async def send_to(self, send: Callable[[dict[str, Any]], Any]) -> None:
        assert self.start is not None
        await send(self.start)
        await send({"type": "http.response.body", "body": self.body})


class UnitOfWorkMiddleware:
    def __init__(self, app, *, hooks: tuple[RequestHook, ...] = (), prefix: str = "/api/") -> None:  # noqa: ANN001
        self.app = app
        self.hooks = hooks
        self.prefix = prefix
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(REQUEST_SLOTS)
        write = scope["method"] not in SAFE_METHODS or any(h.needs_write(scope) for h in self.hooks)
        if write:
            await self._write(scope, receive, send)
        else:
            await self._read(scope, receive, send)

    # --- reads ----------------------------------------------------------------------------
    async def _read(self, scope, receive, send) -> None:  # noqa: ANN001
        """Read-only, the reply streamed as it comes: the transaction ends and the slot is
        freed as the reply starts, so a slow client (a photo to a phone on 3G) holds
        neither. Unless the route asked to write (``MAY_WRITE``): then as a write, the
        reply held until the commit."""
        slots = self._slots
        assert slots is not None
        engine = scope["app"].state.engine
        await slots.acquire()
        admitted = True
        uow = UnitOfWork(engine, write=False)
        state = scope.setdefault("state", {})
        state["uow"] = uow
        state["writer_gate"] = writer_gate(scope["app"])
        held = _Reply()
        streamed = False

        async def stream_or_hold(message: dict[str, Any]) -> None:
            nonlocal streamed, admitted
            if uow.write:
                await held.capture(message)
                return
            if not streamed:
                streamed = True
                await self._end(uow, uow.close)
                slots.release()
                admitted = False
            await send(message)

        try:
            reply = await self._run(scope, receive, uow, held, stream_or_hold, key=None)
        finally:
            if state.pop("writer_gate_held", False):
                state["writer_gate"].release()
            if admitted:
                slots.release()
        if uow.write or (reply is not held and not streamed):
            await reply.send_to(send)

    # --- writes ---------------------------------------------------------------------------
    async def _write(self, scope, receive, send) -> None:  # noqa: ANN001
        state = scope["app"].state
        settings = state.settings
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        body = await read_body(receive, settings.max_request_bytes)
        if body is None:
            await _refuse(
                send,
                413,
                "payload_too_large",
                "request body too large",
                {"max_bytes": settings.max_request_bytes},
            )
            return
        key = _IdempotencyKey.of(scope, headers) if scope["method"] == "POST" else None
        if key is not None and key.problem:
            await _refuse(send, *key.problem)
            return
        if key is not None:
            await key.hash_body(body, content_type)
            if key.problem:
                await _refuse(send, *key.problem)
                return
        engine = state.engine
        gate = writer_gate(scope["app"])
        assert self._slots is not None
        async with self._slots:
            if gate is not None:
                await gate.acquire()
            try:
                uow = UnitOfWork(engine, write=True)
                scope.setdefault("state", {})["uow"] = uow
                reply = _Reply()
                reply = await self._run(
                    scope, replaying(body, receive), uow, reply, reply.capture, key
                )
            finally:
                if gate is not None:
                    gate.release()
        await reply.send_to(send)

    async def _run(
        self,
        scope,
        receive,
        uow: UnitOfWork,
        reply: _Reply,  # noqa: ANN001
        send: Callable[[dict[str, Any]], Any],
        key: _IdempotencyKey | None,
    ) -> _Reply:
        """The app in ``uow``; then, if it may write, the one commit (with the key's record
        and the hooks' rows) or the rollback. Returns the reply to send when held."""
        state = scope["app"].state
        try:
            if key is not None:
                earlier = await anyio.to_thread.run_sync(
                    idempotency.find, uow.session, key.scope_key
                )
                if earlier is not None:
                    await anyio.to_thread.run_sync(uow.close)
                    return await key.answer_from(earlier, state.cipher)
            hooks = self.hooks if uow.write else ()
            tokens = [hook.start(scope) for hook in hooks]
            try:
                with uow.bound():
                    await self.app(scope, receive, send)
            finally:
                writers = [
                    hook.finish(scope, token, reply.status)
                    for hook, token in zip(hooks, tokens, strict=True)
                ]
            if not uow.write:
                await self._end(uow, uow.close)
            elif reply.status >= 500:
                await self._end(uow, uow.rollback)
            else:
                await anyio.to_thread.run_sync(self._commit, uow, reply, key, writers)
            return reply
        except IntegrityError:
            await anyio.to_thread.run_sync(uow.rollback)
            if key is not None:  # another copy of this request committed first
                return await self._answer_as_first(state, key)
            return _error_reply(
                409, "conflict", "someone else changed this at the same time; reload and retry"
            )
        except (OperationalError, PoolTimeout) as exc:
            await anyio.to_thread.run_sync(uow.rollback)
            if not is_busy(exc):
                raise
            log.warning("database busy at commit: %s %s", scope["method"], scope["path"])
            return _busy_reply()
        except BaseException:
            await anyio.to_thread.run_sync(uow.rollback)
            raise

    @staticmethod
    async def _end(uow: UnitOfWork, end: Callable[[], None]) -> None:
        """Close or roll back: in a thread only when there is a transaction to end."""
        if uow.session.in_transaction():
            await anyio.to_thread.run_sync(end)
        else:
            end()

    def _commit(
        self,
        uow: UnitOfWork,
        reply: _Reply,
        key: _IdempotencyKey | None,
        writers: list[Writer | None],
    ) -> None:
        uow.discard_tail()
        for write in writers:
            if write is not None:
                write(uow.session)
        if key is not None and idempotency.keeps_reply(reply.status):
            key.keep(uow.session, reply)
        uow.commit()

    async def _answer_as_first(self, state: Any, key: _IdempotencyKey) -> _Reply:  # noqa: ANN401
        uow = UnitOfWork(state.engine, write=False)
        try:
            earlier = await anyio.to_thread.run_sync(
                functools.partial(idempotency.find, drop_unfinished=False),
                uow.session,
                key.scope_key,
            )
        finally:
            await anyio.to_thread.run_sync(uow.close)
        if earlier is None:
            return _error_reply(
                409, "conflict", "someone else changed this at the same time; reload and retry"
            )
        return await key.answer_from(earlier, state.cipher)


class _IdempotencyKey:
    """The ``Idempotency-Key`` of one POST: whose, for which path, for which body."""

    def __init__(self, scope: dict[str, Any], key: str, caller: str) -> None:
        self.scope_key = idempotency.scope_key_of(key, caller, scope["path"])
        self.request_hash = ""
        self.problem: tuple[int, str, str] | None = None
        self._clock = scope["app"].state.clock
        self._cipher = scope["app"].state.cipher

    @classmethod
    def of(cls, scope: dict[str, Any], headers: dict[str, str]) -> _IdempotencyKey | None:
        key = headers.get("idempotency-key")
        if not key:
            return None
        settings = scope["app"].state.settings
        client = scope.get("client")
        caller = idempotency.caller_of(
            headers.get("authorization", ""),
            settings.secret_key,
            client[0] if client else "unknown",
        )
        made = cls(scope, key, caller)
        if len(key) > 200:
            made.problem = (400, "bad_idempotency_key", "Idempotency-Key is too long")
        return made

    async def hash_body(self, body: bytes, content_type: str) -> None:
        if not idempotency.is_multipart(content_type) and len(body) > idempotency.MAX_BODY_FOR_KEY:
            self.problem = (413, "payload_too_large", "request body too large")
            return
        self.request_hash = await idempotency.body_digest(body, content_type)

    async def answer_from(self, earlier: idempotency.IdempotencyRecord, cipher: Any) -> _Reply:  # noqa: ANN401
        reply = _Reply()
        if earlier.request_hash != self.request_hash:
            await idempotency.refuse(
                reply.capture,
                409,
                "idempotency_key_reused",
                "this Idempotency-Key was used with another body",
            )
        else:
            await idempotency.replay(reply.capture, earlier, cipher)
        return reply

    def keep(self, session: Session, reply: _Reply) -> None:
        idempotency.keep(
            session,
            scope_key=self.scope_key,
            request_hash=self.request_hash,
            status=reply.status,
            reply=reply.body,
            content_type=reply.header(b"content-type"),
            cipher=self._cipher,
            now=self._clock.now(),
        )


def _error_reply(
    status: int, code: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> _Reply:
    reply = _Reply()
    data = json.dumps(error_body(code, message)).encode()
    reply.start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            *(headers or []),
        ],
    }
    reply.chunks = [data]
    return reply


def _busy_reply() -> _Reply:
    return _error_reply(
        503,
        "busy",
        "the service is busy; retry shortly",
        [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
    )


async def _refuse(send, status: int, code: str, message: str, details: dict | None = None) -> None:  # noqa: ANN001
    await idempotency.refuse(send, status, code, message, details)
