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
import logging
from collections.abc import Callable
from typing import Any, Protocol

import anyio
from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from server.core import idempotency
from server.core.asgi import HeldReply, read_body, replaying
from server.core.db import REQUEST_SLOTS, is_busy
from server.core.errors import BUSY_CODE, BUSY_HEADERS, BUSY_MESSAGE, BUSY_STATUS
from server.core.uow import UnitOfWork

log = logging.getLogger("doorstep.uow")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Writer = Callable[[UnitOfWork], None]
# Looks up who a request's credentials name (in the hop that opens a write's unit of work);
# what it returns is left in the request state as ``caller`` for the auth dependency.
CallerLoader = Callable[[UnitOfWork, dict[str, Any]], Any]


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


class UnitOfWorkMiddleware:
    def __init__(
        self,
        app,  # noqa: ANN001
        *,
        hooks: tuple[RequestHook, ...] = (),
        load_caller: CallerLoader | None = None,
        prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.hooks = hooks
        self.load_caller = load_caller
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
        await slots.acquire()
        admitted = True
        uow = UnitOfWork(scope["app"].state, write=False)
        state = scope.setdefault("state", {})
        state["uow"] = uow
        state["writer_gate"] = writer_gate(scope["app"])
        held = HeldReply()
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
            await idempotency.refuse(
                send,
                413,
                "payload_too_large",
                "request body too large",
                {"max_bytes": settings.max_request_bytes},
            )
            return
        key = idempotency.RequestKey.of(scope, headers) if scope["method"] == "POST" else None
        if key is not None and key.problem:
            await idempotency.refuse(send, *key.problem)
            return
        if key is not None:
            await key.hash_body(body, content_type)
            if key.problem:
                await idempotency.refuse(send, *key.problem)
                return
        gate = writer_gate(scope["app"])
        assert self._slots is not None
        async with self._slots:
            if gate is not None:
                await gate.acquire()
            try:
                uow = UnitOfWork(state, write=True)
                scope.setdefault("state", {})["uow"] = uow
                reply = HeldReply()
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
        reply: HeldReply,  # noqa: ANN001
        send: Callable[[dict[str, Any]], Any],
        key: idempotency.RequestKey | None,
    ) -> HeldReply:
        """The app in ``uow``; then, if it may write, the one commit (with the key's record
        and the hooks' rows) or the rollback. Returns the reply to send when held."""
        state = scope["app"].state
        try:
            if uow.write:
                earlier = await anyio.to_thread.run_sync(self._open, uow, scope, key)
                if earlier is not None and key is not None:
                    await anyio.to_thread.run_sync(uow.close)
                    return await key.answer_from(earlier, state.cipher)
            hooks = self.hooks if uow.write else ()
            tokens = [hook.start(scope) for hook in hooks]
            try:
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
            return HeldReply.error(
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

    def _open(
        self, uow: UnitOfWork, scope: dict[str, Any], key: idempotency.RequestKey | None
    ) -> idempotency.KeptReply | None:
        """A write's first hop: the key's earlier reply, if any; else the caller, looked up
        now rather than in a hop of its own."""
        if key is not None:
            earlier = idempotency.find(uow.session, key.scope_key)
            if earlier is not None:
                return earlier
        if self.load_caller is not None:
            scope.setdefault("state", {})["caller"] = self.load_caller(uow, scope)
        return None

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
        reply: HeldReply,
        key: idempotency.RequestKey | None,
        writers: list[Writer | None],
    ) -> None:
        if reply.status >= 400:  # an error reply keeps only what the use case kept
            uow.discard_tail()
        for write in writers:
            if write is not None:
                write(uow)
        if key is not None and idempotency.keeps_reply(reply.status):
            key.keep(uow.session, reply)
        uow.commit()

    async def _answer_as_first(self, state: Any, key: idempotency.RequestKey) -> HeldReply:  # noqa: ANN401
        uow = UnitOfWork(state, write=False)
        try:
            earlier = await anyio.to_thread.run_sync(
                functools.partial(idempotency.find, drop_unfinished=False),
                uow.session,
                key.scope_key,
            )
        finally:
            await anyio.to_thread.run_sync(uow.close)
        if earlier is None:
            return HeldReply.error(
                409, "conflict", "someone else changed this at the same time; reload and retry"
            )
        return await key.answer_from(earlier, state.cipher)


def _busy_reply() -> HeldReply:
    return HeldReply.error(
        BUSY_STATUS,
        BUSY_CODE,
        BUSY_MESSAGE,
        headers=[(k.lower().encode(), v.encode()) for k, v in BUSY_HEADERS.items()],
    )
