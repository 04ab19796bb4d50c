"""Idempotency keys on POSTs (ARCHITECTURE.md §2).

A POST with an ``Idempotency-Key`` header is recorded before it runs. A replay with
the same key and body gets the first reply (status and body) without running again;
the same key with another body gets 409 ``idempotency_key_reused``; a replay while the
first is still running gets 409 ``idempotency_key_in_progress``. Keys are scoped to the
caller (a hash of the Authorization header) and the path. Replies of 5xx and 401 are
not kept, so the client may retry (a 401 ``token_expired`` is retried after a refresh).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import anyio
import jwt
from sqlalchemy import Column, LargeBinary, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from server.core.clock import Clock
from server.core.errors import error_body

MAX_BODY_FOR_KEY = 2 * 1024 * 1024


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    scope_key: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    content_type: str | None = None
    created_at: datetime


def _caller(authorization: str, secret: str) -> str:
    """Who the key belongs to: the signed-in user (so a replay after a token refresh
    is still recognised — the offline queue depends on it), else the raw header."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return f"header:{authorization}"
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError:  # scoped by the header text; the route refuses the token anyway
        return f"header:{authorization}"
    subject = str(claims.get("sub", "")).split(":", 1)[0]
    return f"user:{subject}" if subject else f"header:{authorization}"


def _scope_key(key: str, auth: str, path: str) -> str:
    digest = hashlib.sha256(f"{auth}\n{path}\n{key}".encode()).hexdigest()
    return digest


class IdempotencyMiddleware:
    """Pure ASGI middleware (it must buffer the reply to store it)."""

    def __init__(self, app, engine_getter, clock_getter, secret_getter=lambda: "") -> None:  # noqa: ANN001
        self.app = app
        self._engine = engine_getter
        self._secret = secret_getter
        self._clock = clock_getter

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            await _send_json(send, 400, error_body("bad_idempotency_key", "Idempotency-Key is too long"))
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_FOR_KEY:
                await _send_json(send, 413, error_body("payload_too_large", "request body too large"))
                return
        request_hash = hashlib.sha256(body).hexdigest()
        scope_key = _scope_key(key, _caller(headers.get("authorization", ""), self._secret()), scope["path"])
        engine = self._engine()
        clock: Clock = self._clock()

        # Database work runs in a worker thread: a blocking wait for SQLite's write lock
        # on the event loop would stall the very requests that hold the lock.
        outcome, existing = await anyio.to_thread.run_sync(_claim, engine, scope_key, request_hash, clock.now())
        if outcome == "gone":  # deleted meanwhile after a 5xx: treat as in progress
            await _send_json(send, 409, error_body("idempotency_key_in_progress", "retry shortly"))
            return
        if outcome == "reused":
            await _send_json(
                send,
                409,
                error_body("idempotency_key_reused", "this Idempotency-Key was used with another body"),
            )
            return
        if outcome == "in_progress":
            await _send_json(
                send, 409, error_body("idempotency_key_in_progress", "the first request is still running")
            )
            return
        if outcome == "replay":
            await send(
                {
                    "type": "http.response.start",
                    "status": existing.status_code,
                    "headers": [
                        (b"content-type", (existing.content_type or "application/json").encode()),
                        (b"idempotent-replay", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": existing.response_body or b""})
            return

        replayed = False

        async def replay_receive():  # noqa: ANN202
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status_holder: dict = {}
        chunks: list[bytes] = []

        async def capture_send(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        status_holder["content_type"] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            status = status_holder.get("status", 500)
            await anyio.to_thread.run_sync(_finish, engine, scope_key, status, b"".join(chunks),
                                           status_holder.get("content_type"))


def _claim(engine, scope_key: str, request_hash: str, now: datetime) -> tuple[str, IdempotencyRecord | None]:  # noqa: ANN001
    """Record the key, or say what the earlier request with it became."""
    with Session(engine) as session:
        try:
            session.add(IdempotencyRecord(scope_key=scope_key, request_hash=request_hash, created_at=now))
            session.commit()
            return "new", None
        except IntegrityError:
            session.rollback()
            existing = session.get(IdempotencyRecord, scope_key)
            if existing is None:
                return "gone", None
            if existing.request_hash != request_hash:
                return "reused", existing
            if existing.status_code is None:
                return "in_progress", existing
            session.expunge(existing)
            return "replay", existing


def _finish(engine, scope_key: str, status: int, body: bytes, content_type: str | None) -> None:  # noqa: ANN001
    with Session(engine) as session:
        if status >= 500 or status == 401:  # nothing happened: a retry (after a token refresh) must run
            session.exec(delete(IdempotencyRecord).where(IdempotencyRecord.scope_key == scope_key))
        else:
            record = session.get(IdempotencyRecord, scope_key)
            if record is not None:
                record.status_code = status
                record.response_body = body
                record.content_type = content_type
                session.add(record)
        session.commit()


async def _send_json(send, status: int, payload: dict) -> None:  # noqa: ANN001
    data = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})
