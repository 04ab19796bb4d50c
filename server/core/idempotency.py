"""Idempotency keys on POSTs (ARCHITECTURE.md §2).

A POST with an ``Idempotency-Key`` header is recorded before it runs. A replay with
the same key and body gets the first reply (status and body) without running again;
the same key with another body gets 409 ``idempotency_key_reused``; a replay while the
first is still running gets 409 ``idempotency_key_in_progress``. Replies of 5xx and 401
are not kept, so the client may retry (a 401 ``token_expired`` is retried after a refresh).

* Scope: the signed-in user (a hash of who the bearer token names), else the client IP,
  plus the path, so anonymous callers (login, register) never see each other's replies.
* Body: multipart uploads are compared by their parts (names, values, file names, types,
  bytes), because the boundary changes on every retry; they may be as large as an upload.
  Other bodies are compared byte for byte and may be up to ``MAX_BODY_FOR_KEY``.
* A record still unfinished after ``idempotency_lease_seconds`` belongs to a request that
  crashed: a retry takes it over instead of being told "in progress" forever.
* The stored reply is encrypted (it holds tokens and personal data) and every record is
  purged after ``idempotency_retention_hours`` by the privacy sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

import anyio
import jwt
from cryptography.exceptions import InvalidTag
from sqlalchemy import Column, LargeBinary, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from server.core.asgi import read_body, replaying
from server.core.clock import Clock, as_utc
from server.core.errors import error_body
from server.privacy.crypto import FieldCipher

MAX_BODY_FOR_KEY = 2 * 1024 * 1024  # bodies other than multipart uploads
log = logging.getLogger("doorstep.idempotency")


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    scope_key: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    # the reply as a FieldCipher token (ASCII), never in clear
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    content_type: str | None = None
    created_at: datetime


def _caller(authorization: str, secret: str, client_ip: str) -> str:
    """Who the key belongs to: the signed-in user (so a replay after a token refresh
    is still recognised — the offline queue depends on it), else the raw header, else
    (anonymous) the client's address."""
    if not authorization:
        return f"ip:{client_ip}"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return f"header:{authorization}"
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
        )
    except jwt.PyJWTError:  # scoped by the header text; the route refuses the token anyway
        return f"header:{authorization}"
    subject = str(claims.get("sub", "")).split(":", 1)[0]
    return f"user:{subject}" if subject else f"header:{authorization}"


def _scope_key(key: str, auth: str, path: str) -> str:
    digest = hashlib.sha256(f"{auth}\n{path}\n{key}".encode()).hexdigest()
    return digest


def _is_multipart(content_type: str) -> bool:
    return content_type.lower().startswith("multipart/form-data")


async def body_digest(body: bytes, content_type: str) -> str:
    """What "the same body" means: the bytes, except for multipart, where a retry of the
    same upload comes with a new random boundary — there the parsed parts count."""
    if _is_multipart(content_type):
        digest = await _multipart_digest(body, content_type)
        if digest is not None:
            return digest
    return hashlib.sha256(body).hexdigest()


async def _multipart_digest(body: bytes, content_type: str) -> str | None:
    async def stream():  # noqa: ANN202
        yield body

    try:
        form = await MultiPartParser(Headers({"content-type": content_type}), stream()).parse()
    except MultiPartException:
        return None  # malformed: compared byte for byte, and the route refuses it anyway
    digest = hashlib.sha256(b"multipart/form-data\n")
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data_hash = hashlib.sha256(await value.read()).hexdigest()
                part = ["file", name, value.filename, value.content_type, data_hash]
            else:
                part = ["field", name, value]
            digest.update(json.dumps(part).encode() + b"\n")  # JSON escapes "\n": parts stay apart
    finally:
        await form.close()
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Pure ASGI middleware (it must buffer the reply to store it)."""

    def __init__(  # noqa: ANN001
        self, app, engine_getter, clock_getter, settings_getter, cipher_getter
    ) -> None:
        self.app = app
        self._engine = engine_getter
        self._clock = clock_getter
        self._settings = settings_getter
        self._cipher = cipher_getter

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
            await _refuse(send, 400, "bad_idempotency_key", "Idempotency-Key is too long")
            return

        settings = self._settings()
        content_type = headers.get("content-type", "")
        limit = settings.max_request_bytes if _is_multipart(content_type) else MAX_BODY_FOR_KEY
        body = await read_body(receive, limit)
        if body is None:
            await _refuse(send, 413, "payload_too_large", "request body too large",
                          {"max_bytes": limit})
            return
        client = scope.get("client")
        caller = _caller(headers.get("authorization", ""), settings.secret_key,
                         client[0] if client else "unknown")
        scope_key = _scope_key(key, caller, scope["path"])
        body_hash = await body_digest(body, content_type)
        engine = self._engine()
        clock: Clock = self._clock()
        cipher = self._cipher()
        lease = timedelta(seconds=settings.idempotency_lease_seconds)

        # Database work runs in a worker thread: a blocking wait for SQLite's write lock
        # on the event loop would stall the very requests that hold the lock.
        outcome, existing = await anyio.to_thread.run_sync(
            _claim, engine, scope_key, body_hash, clock.now(), lease
        )
        if outcome == "gone":  # deleted meanwhile after a 5xx: treat as in progress
            await _refuse(send, 409, "idempotency_key_in_progress", "retry shortly")
            return
        if outcome == "reused":
            await _refuse(send, 409, "idempotency_key_reused",
                          "this Idempotency-Key was used with another body")
            return
        if outcome == "in_progress":
            await _refuse(send, 409, "idempotency_key_in_progress",
                          "the first request is still running")
            return
        if outcome == "replay":
            await _replay(send, existing, cipher)
            return

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
            await self.app(scope, replaying(body, receive), capture_send)
        finally:
            status = status_holder.get("status", 500)
            sealed = cipher.encrypt_bytes(b"".join(chunks)).encode("ascii")
            await anyio.to_thread.run_sync(_finish, engine, scope_key, status, sealed,
                                           status_holder.get("content_type"))


async def _replay(send, record: IdempotencyRecord, cipher: FieldCipher) -> None:  # noqa: ANN001
    try:
        token = (record.response_body or b"").decode("ascii")
        reply = cipher.decrypt_bytes(token) if token else b""
    except (KeyError, ValueError, InvalidTag):  # its key was retired before the record expired
        log.warning("a stored idempotent reply cannot be decrypted")
        await _refuse(send, 409, "idempotency_reply_unavailable",
                      "this request was already processed; its reply is no longer available")
        return
    await send(
        {
            "type": "http.response.start",
            "status": record.status_code,
            "headers": [
                (b"content-type", (record.content_type or "application/json").encode()),
                (b"idempotent-replay", b"true"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": reply})


def _claim(  # noqa: ANN001
    engine, scope_key: str, request_hash: str, now: datetime, lease: timedelta
) -> tuple[str, IdempotencyRecord | None]:
    """Record the key, or say what the earlier request with it became."""
    with Session(engine) as session:
        try:
            session.add(IdempotencyRecord(scope_key=scope_key, request_hash=request_hash,
                                          created_at=now))
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
                if now - as_utc(existing.created_at) < lease:
                    return "in_progress", existing
                # Abandoned by a request that crashed: take it over. The update is
                # conditional on the row as read, so of two retries only one runs.
                taken = session.exec(
                    update(IdempotencyRecord)
                    .where(
                        IdempotencyRecord.scope_key == scope_key,
                        IdempotencyRecord.status_code.is_(None),
                        IdempotencyRecord.created_at == existing.created_at,
                    )
                    .values(created_at=now)
                ).rowcount
                session.commit()
                return ("new", None) if taken else ("in_progress", existing)
            session.expunge(existing)
            return "replay", existing


def purge_older_than(*, session: Session, before: datetime) -> int:
    """Retention: forget keys recorded before ``before`` (the caller commits)."""
    result = session.exec(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return result.rowcount or 0


def _finish(  # noqa: ANN001
    engine, scope_key: str, status: int, sealed_body: bytes, content_type: str | None
) -> None:
    """Keep the (encrypted) reply, or forget the key when nothing happened: after a 5xx
    or a 401 a retry (after a token refresh) must run."""
    with Session(engine) as session:
        if status >= 500 or status == 401:
            session.exec(delete(IdempotencyRecord).where(IdempotencyRecord.scope_key == scope_key))
        else:
            record = session.get(IdempotencyRecord, scope_key)
            if record is not None:
                record.status_code = status
                record.response_body = sealed_body
                record.content_type = content_type
                session.add(record)
        session.commit()


async def _refuse(send, status: int, code: str, message: str, details: dict | None = None) -> None:  # noqa: ANN001
    data = json.dumps(error_body(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})
