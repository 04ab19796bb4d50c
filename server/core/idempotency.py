"""Idempotency keys on POSTs (ARCHITECTURE.md §2).

A POST with an ``Idempotency-Key`` header is answered once: its record (the status and
the encrypted reply) is written in the same transaction as the effect, by the unit of
work (``server.core.uow_middleware``), so no crash can keep one without the other. A
replay with the same key and body gets the first reply without running again; the same
key with another body gets 409 ``idempotency_key_reused``. Two copies sent at once: on
SQLite they queue at the writer gate and the second finds the first's record; on
PostgreSQL the second's INSERT waits on the first's key, fails when it commits, and the
second's whole transaction is rolled back and answered with the first's reply. Replies
of 5xx and 401 are not kept, so the client may retry (a 401 ``token_expired`` is retried
after a refresh).

* Scope: the signed-in user (a hash of who the bearer token names), else the client IP,
  plus the path, so anonymous callers (login, register) never see each other's replies.
* Body: multipart uploads are compared by their parts (names, values, file names, types,
  bytes), because the boundary changes on every retry; they may be as large as an upload.
  Other bodies are compared byte for byte and may be up to ``MAX_BODY_FOR_KEY``.
* The stored reply is encrypted (it holds tokens and personal data) and every record is
  purged after ``idempotency_retention_hours`` by the privacy sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.exceptions import InvalidTag
from sqlalchemy import Column, LargeBinary, bindparam, delete, insert, select
from sqlmodel import Field, Session, SQLModel, col
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from server.core.asgi import HeldReply
from server.core.crypto import FieldCipher
from server.core.security import signed_claims
from server.core.uow import UnitOfWork

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


def caller_of(authorization: str, secret: str, client_ip: str) -> str:
    """Who the key belongs to: the signed-in user (so a replay after a token refresh
    is still recognised — the offline queue depends on it), else the raw header, else
    (anonymous) the client's address."""
    if not authorization:
        return f"ip:{client_ip}"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return f"header:{authorization}"
    try:
        claims = signed_claims(token, secret)
    except jwt.PyJWTError:  # scoped by the header text; the route refuses the token anyway
        return f"header:{authorization}"
    subject = str(claims.get("sub", "")).split(":", 1)[0]
    return f"user:{subject}" if subject else f"header:{authorization}"


def scope_key_of(key: str, auth: str, path: str) -> str:
    digest = hashlib.sha256(f"{auth}\n{path}\n{key}".encode()).hexdigest()
    return digest


def is_multipart(content_type: str) -> bool:
    return content_type.lower().startswith("multipart/form-data")


async def body_digest(body: bytes, content_type: str) -> str:
    """What "the same body" means: the bytes, except for multipart, where a retry of the
    same upload comes with a new random boundary — there the parsed parts count."""
    if is_multipart(content_type):
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


async def replay(send, record: KeptReply, cipher: FieldCipher) -> None:  # noqa: ANN001
    try:
        token = (record.response_body or b"").decode("ascii")
        reply = cipher.decrypt_bytes(token) if token else b""
    except (KeyError, ValueError, InvalidTag):  # its key was retired before the record expired
        log.warning("a stored idempotent reply cannot be decrypted")
        await refuse(
            send,
            409,
            "idempotency_reply_unavailable",
            "this request was already processed; its reply is no longer available",
        )
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


def purge_older_than(uow: UnitOfWork, *, before: datetime) -> int:
    """Retention: forget keys recorded before ``before`` (in the caller's unit of work)."""
    session = uow.session
    result = session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < before)
    )
    return result.rowcount or 0


async def refuse(send, status: int, code: str, message: str, details: dict | None = None) -> None:  # noqa: ANN001
    await HeldReply.error(status, code, message, details).send_to(send)


@dataclass(frozen=True)
class KeptReply:
    """A key's finished record: what the first request was and what it answered."""

    request_hash: str
    status_code: int
    response_body: bytes | None
    content_type: str | None


# Statements built once (building one costs more than running it): every POST runs both.
_record = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_FIND = select(
    _record.c.request_hash, _record.c.status_code, _record.c.response_body, _record.c.content_type
).where(_record.c.scope_key == bindparam("key"))
_DROP = delete(_record).where(_record.c.scope_key == bindparam("key"))
_KEEP = insert(_record)


def find(session: Session, scope_key: str, *, drop_unfinished: bool = True) -> KeptReply | None:
    """The finished record for this key, if any. (An unfinished one can only be left from
    before records were written with their effect: it is dropped, and the request runs.)"""
    row = session.connection().execute(_FIND, {"key": scope_key}).first()
    if row is None:
        return None
    if row.status_code is None:
        if drop_unfinished:
            session.connection().execute(_DROP, {"key": scope_key})
        return None
    return KeptReply(row.request_hash, row.status_code, row.response_body, row.content_type)


def keep(
    session: Session,
    *,
    scope_key: str,
    request_hash: str,
    status: int,
    reply: bytes,
    content_type: str | None,
    cipher: FieldCipher,
    now: datetime,
) -> None:
    """Write the key's record in the caller's transaction (the one with the effect)."""
    session.connection().execute(
        _KEEP,
        {
            "scope_key": scope_key,
            "request_hash": request_hash,
            "status_code": status,
            "response_body": cipher.encrypt_bytes(reply).encode("ascii"),
            "content_type": content_type,
            "created_at": now,
        },
    )


def keeps_reply(status: int) -> bool:
    """5xx and 401 are not kept: the client retries (after a token refresh)."""
    return status < 500 and status != 401


class RequestKey:
    """The ``Idempotency-Key`` of one POST: whose, for which path, for which body."""

    def __init__(self, scope: dict[str, Any], key: str, caller: str) -> None:
        self.scope_key = scope_key_of(key, caller, scope["path"])
        self.request_hash = ""
        self.problem: tuple[int, str, str] | None = None
        self._clock = scope["app"].state.clock
        self._cipher = scope["app"].state.cipher

    @classmethod
    def of(cls, scope: dict[str, Any], headers: dict[str, str]) -> RequestKey | None:
        key = headers.get("idempotency-key")
        if not key:
            return None
        settings = scope["app"].state.settings
        client = scope.get("client")
        caller = caller_of(
            headers.get("authorization", ""),
            settings.secret_key,
            client[0] if client else "unknown",
        )
        made = cls(scope, key, caller)
        if len(key) > 200:
            made.problem = (400, "bad_idempotency_key", "Idempotency-Key is too long")
        return made

    async def hash_body(self, body: bytes, content_type: str) -> None:
        if not is_multipart(content_type) and len(body) > MAX_BODY_FOR_KEY:
            self.problem = (413, "payload_too_large", "request body too large")
            return
        self.request_hash = await body_digest(body, content_type)

    async def answer_from(self, earlier: KeptReply, cipher: Any) -> HeldReply:  # noqa: ANN401
        reply = HeldReply()
        if earlier.request_hash != self.request_hash:
            await refuse(
                reply.capture,
                409,
                "idempotency_key_reused",
                "this Idempotency-Key was used with another body",
            )
        else:
            await replay(reply.capture, earlier, cipher)
        return reply

    def keep(self, session: Session, reply: HeldReply) -> None:
        keep(
            session,
            scope_key=self.scope_key,
            request_hash=self.request_hash,
            status=reply.status,
            reply=reply.body,
            content_type=reply.header(b"content-type"),
            cipher=self._cipher,
            now=self._clock.now(),
        )
