"""The audit log: who did what to which record, when and from where.

Any domain records a sensitive staff read or write with::

    from server.audit import log as audit_service
    audit_service.record(uow, actor=user, action="technician.verify",
                         target_type="technician", target_id=tech_id, ip=client_ip(request),
                         details={"decision": "approved"})

``record`` adds the entry to the caller's unit of work: the entry
lands if and only if the change it describes lands. Entries are append-only and hash
chained (``server.audit.chain``); ``doorstep audit verify`` re-checks the chain.
Never put plaintext phone numbers or addresses in ``details``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar, Token
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from server.audit import chain as auditchain
from server.audit.models import AuditEntry, AuditRead
from server.auth.models import User
from server.core.clock import SystemClock, as_utc
from server.core.ids import new_id
from server.core.uow import UnitOfWork

_PG_LOCK_KEY = 0x0D00_A0D1  # advisory lock that serialises appends on PostgreSQL
# entries recorded while serving the current request (see audit_middleware); a list so the
# copy of the context a threadpool endpoint runs in still appends to the same object
_request_entries: ContextVar[list[str] | None] = ContextVar("audit_request_entries", default=None)
# the caller's address, so an entry made deep in a domain service still says where from
_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)


def begin_request(ip: str | None = None) -> tuple[Token, Token]:
    return _request_entries.set([]), _request_ip.set(ip)


def end_request(tokens: tuple[Token, Token]) -> bool:
    """True when the request recorded at least one entry itself."""
    entries = _request_entries.get()
    _request_entries.reset(tokens[0])
    _request_ip.reset(tokens[1])
    return bool(entries)


def _lock_chain(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    # SQLite: every write transaction already holds the database lock (BEGIN IMMEDIATE)


def _head(session: Session) -> AuditEntry | None:
    return session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()


def _as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "ip": entry.ip,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def record(
    uow: UnitOfWork,
    *,
    actor: User | str | None,
    action: str,
    target_type: str = "",
    target_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
    actor_role: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (no commit). ``actor`` None = the system."""
    session = uow.session
    clock = uow.clock
    actor_id: str | None
    role: str | None
    if isinstance(actor, User):
        actor_id, role = actor.id, actor.role
    else:
        actor_id, role = actor, actor_role or ("system" if actor is None else None)
    _lock_chain(session)
    head = _head(session)
    prev_hash = head.hash if head else auditchain.GENESIS
    at = as_utc((clock or SystemClock()).now())
    entry = AuditEntry(
        seq=(head.seq + 1) if head else 1,
        id=new_id("aud"),
        at=at,
        actor_id=actor_id,
        actor_role=role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip or _request_ip.get(),
        details=_jsonable(details or {}),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = auditchain.entry_hash(prev_hash, _as_dict(entry))
    session.add(entry)
    session.flush()
    pending = _request_entries.get()
    if pending is not None:
        pending.append(entry.id)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def iter_entries(uow: UnitOfWork, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    session = uow.session
    last = 0
    while True:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.seq > last)
            .order_by(col(AuditEntry.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _as_dict(row)
        last = rows[-1].seq


def verify(uow: UnitOfWork, *, expect_head: str | None = None) -> auditchain.VerifyResult:
    return auditchain.verify(iter_entries(uow), expect_head=expect_head)


def search(
    uow: UnitOfWork,
    *,
    actor_id: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditRead]:
    session = uow.session
    query = select(AuditEntry)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(col(AuditEntry.action).startswith(action))
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    if before_seq:
        query = query.where(AuditEntry.seq < before_seq)
    rows = session.exec(
        query.order_by(col(AuditEntry.seq).desc()).limit(max(1, min(limit, 500)))
    ).all()
    return [
        AuditRead(
            **{k: v for k, v in _as_dict(r).items() if k != "prev_hash"} | {"at": as_utc(r.at)}
        )
        for r in rows
    ]


def record_read(
    uow: UnitOfWork,
    *,
    actor: User,
    action: str,
    target_type: str = "",
    target_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A sensitive read by staff: recorded in the read's unit of work (the audit net
    makes it writable)."""
    record(
        uow,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details,
    )
