"""The offline queue: every action the technician takes is written here first.

Why a queue and not "try, then give up": technicians work in basements, lifts and old
buildings with no signal. An action is stored (SQLite in the app's data folder) with the
device time it happened and an idempotency key *before* it is sent; it is replayed in
order when the connection returns. The server's idempotency layer makes a replay of an
action that did reach it harmless (same key, same reply). A replay the server refuses
(the order was cancelled meanwhile) is kept as ``rejected`` and shown to the technician
until they acknowledge it — never dropped.

The same file keeps a small key/value cache (last known orders, session) so the app
can show the day's jobs with no signal. A server reply (a model of ``client.models``) is
kept as its JSON (``model_dump(mode="json")``), in the cache and as an action's result,
and read back with ``model_validate``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from client.api import ApiError, NetworkError

log = logging.getLogger("technician_app")
M = TypeVar("M", bound=BaseModel)

PENDING = "pending"
SYNCED = "synced"
REJECTED = "rejected"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    order_id TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    blob BLOB,
    idempotency_key TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    error_details TEXT,
    result TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    synced_at TEXT
);
CREATE INDEX IF NOT EXISTS action_status ON action(status, id);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class QueuedAction:
    id: int
    kind: str
    order_id: str | None
    params: dict[str, Any]
    idempotency_key: str
    occurred_at: datetime
    status: str = PENDING
    attempts: int = 0
    blob: bytes | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_details: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    acknowledged: bool = False

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> QueuedAction:
        return cls(
            id=row["id"],
            kind=row["kind"],
            order_id=row["order_id"],
            params=json.loads(row["params"] or "{}"),
            idempotency_key=row["idempotency_key"],
            occurred_at=datetime.fromisoformat(row["occurred_at"]),
            status=row["status"],
            attempts=row["attempts"],
            blob=row["blob"],
            error_code=row["error_code"],
            error_message=row["error_message"],
            error_details=json.loads(row["error_details"] or "{}"),
            result=json.loads(row["result"]) if row["result"] else None,
            acknowledged=bool(row["acknowledged"]),
        )


@dataclass
class ReplayReport:
    synced: list[QueuedAction] = field(default_factory=list)
    rejected: list[QueuedAction] = field(default_factory=list)
    stopped_offline: bool = False  # a network error stopped the replay; the rest stays queued

    @property
    def remaining(self) -> bool:
        return self.stopped_offline


Performer = Callable[[QueuedAction], Awaitable[Any]]


class OfflineQueue:
    """SQLite-backed, ordered, durable. Safe to open on every app start."""

    def __init__(self, path: Path | str | None) -> None:
        """``path=None``: a queue in memory (a web session before anyone signs in)."""
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path if self.path is not None else ":memory:",
            check_same_thread=False,
            isolation_level=None,
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        # told after each change to the actions (the app marks its sync store)
        self.on_change: Callable[[], None] | None = None

    def _change(self, sql: str, args: tuple) -> int:
        """One write to the actions; returns the rows it changed."""
        with self._lock:
            count = self._db.execute(sql, args).rowcount
        if count and self.on_change is not None:
            self.on_change()
        return count

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- the queue --------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        *,
        order_id: str | None = None,
        params: dict[str, Any] | None = None,
        blob: bytes | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> QueuedAction:
        key = idempotency_key or uuid.uuid4().hex
        when = occurred_at or utcnow()
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO action (kind, order_id, params, blob, idempotency_key, occurred_at) "
                "VALUES (?,?,?,?,?,?)",
                (
                    kind,
                    order_id,
                    json.dumps(params or {}, ensure_ascii=False),
                    blob,
                    key,
                    when.isoformat(),
                ),
            )
            row_id = cur.lastrowid
        if self.on_change is not None:
            self.on_change()
        if row_id is None:  # sqlite3 sets it after every INSERT that wrote a row
            raise sqlite3.DatabaseError(f"queued action {kind!r} was not stored")
        return self.get(row_id)

    def get(self, action_id: int) -> QueuedAction:
        with self._lock:
            row = self._db.execute("SELECT * FROM action WHERE id = ?", (action_id,)).fetchone()
        if row is None:
            raise KeyError(action_id)
        return QueuedAction.from_row(row)

    def _select(self, where: str, args: tuple = ()) -> list[QueuedAction]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM action WHERE {where} ORDER BY id", args
            ).fetchall()
        return [QueuedAction.from_row(r) for r in rows]

    def pending(self) -> list[QueuedAction]:
        return self._select("status = ?", (PENDING,))

    def last_pending(self) -> QueuedAction | None:
        """The newest action still waiting to be sent."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM action WHERE status = ? ORDER BY id DESC LIMIT 1", (PENDING,)
            ).fetchone()
        return QueuedAction.from_row(row) if row else None

    def update_params(self, action_id: int, params: dict[str, Any]) -> bool:
        """Change what a not-yet-attempted action will send (location points are batched
        this way). False when it was attempted meanwhile: its idempotency key is then
        bound to what was sent."""
        return (
            self._change(
                "UPDATE action SET params = ? WHERE id = ? AND status = ? AND attempts = 0",
                (json.dumps(params, ensure_ascii=False), action_id, PENDING),
            )
            == 1
        )

    def rejected(self, *, include_acknowledged: bool = False) -> list[QueuedAction]:
        if include_acknowledged:
            return self._select("status = ?", (REJECTED,))
        return self._select("status = ? AND acknowledged = 0", (REJECTED,))

    def all(self) -> list[QueuedAction]:
        return self._select("1 = 1")

    def mark_synced(self, action_id: int, result: Any = None) -> None:
        """``result``: the server's reply, a model kept as its JSON."""
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        self._change(
            "UPDATE action SET status = ?, result = ?, synced_at = ?, "
            "attempts = attempts + 1, blob = NULL WHERE id = ?",
            (
                SYNCED,
                json.dumps(result, ensure_ascii=False, default=str) if result is not None else None,
                utcnow().isoformat(),
                action_id,
            ),
        )

    def mark_rejected(
        self, action_id: int, *, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        self._change(
            "UPDATE action SET status = ?, error_code = ?, error_message = ?, "
            "error_details = ?, attempts = attempts + 1 WHERE id = ?",
            (
                REJECTED,
                code,
                message,
                json.dumps(details or {}, ensure_ascii=False, default=str),
                action_id,
            ),
        )

    def mark_attempt(self, action_id: int, *, message: str) -> None:
        self._change(
            "UPDATE action SET attempts = attempts + 1, error_message = ? WHERE id = ?",
            (message, action_id),
        )

    def acknowledge(self, action_id: int) -> None:
        """The technician has seen a rejection; it stays in the log, off the banner."""
        self._change(
            "UPDATE action SET acknowledged = 1 WHERE id = ? AND status = ?",
            (action_id, REJECTED),
        )

    async def replay(self, perform: Performer) -> ReplayReport:
        """Send pending actions oldest first. A network error (or a retryable server
        error) stops the replay and keeps the rest queued; a refusal marks the action
        rejected and the replay goes on with the next one."""
        report = ReplayReport()
        for action in self.pending():
            try:
                result = await perform(action)
            except NetworkError as exc:
                self.mark_attempt(action.id, message=str(exc))
                report.stopped_offline = True
                break
            except ApiError as exc:
                if exc.retryable:
                    self.mark_attempt(action.id, message=str(exc))
                    report.stopped_offline = True
                    break
                self.mark_rejected(
                    action.id, code=exc.code, message=exc.message, details=exc.details
                )
                report.rejected.append(self.get(action.id))
                continue
            self.mark_synced(action.id, result)
            report.synced.append(self.get(action.id))
        return report

    # -- the cache --------------------------------------------------------------------

    def cache_set(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO cache (key, value, updated_at) VALUES (?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (key, json.dumps(value, ensure_ascii=False, default=str), utcnow().isoformat()),
            )

    def cache_get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def cache_delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM cache WHERE key = ?", (key,))

    # -- models in the cache: their JSON, validated on the way back ---------------------

    def cache_model(self, key: str, model: BaseModel) -> None:
        self.cache_set(key, model.model_dump(mode="json"))

    def cached_model(self, key: str, model: type[M]) -> M | None:
        """The model kept under ``key``; None when there is none or it no longer reads
        (kept by an older app): the next load from the server replaces it."""
        return _read(model, self.cache_get(key), key)

    def cache_models(self, key: str, models: dict[str, M]) -> None:
        self.cache_set(key, {k: m.model_dump(mode="json") for k, m in models.items()})

    def cached_models(self, key: str, model: type[M]) -> dict[str, M]:
        """The models kept under ``key`` by id, without those that no longer read."""
        stored = self.cache_get(key) or {}
        read = {k: _read(model, v, f"{key}/{k}") for k, v in stored.items()}
        return {k: m for k, m in read.items() if m is not None}


def _read(model: type[M], data: Any, where: str) -> M | None:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        log.info("cached %s dropped: %s", where, exc)
        return None
