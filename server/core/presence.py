"""Presence: whether a technician's app is there to hear an offer right now.

``online`` is what the technician chose (上线) and is kept in the database; it says
nothing about whether his phone still runs the app. A 20-second offer sent to a closed
app is a customer kept waiting, so dispatch offers only to technicians who are online
*and* present: whose app showed a sign of life within the presence window. The signs are
going online, a location report, the app asking for its offers or the pool (its poll), and
an open live connection (``/ws``), refreshed by its heartbeat and ended when it closes.

The store keeps each technician's last sign of life: in this process's memory (embedded
mode, where one server process runs the jobs), or in Redis when one is configured, so
every web worker and job worker writes and reads the same keys (each expires on its own
a while after the window). The rule itself (``is_present``) is pure and reads the stored
moment against the caller's clock, so it is one rule whatever the store.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from server.core.settings import Settings

REDIS_PREFIX = "doorstep:presence:"
# Redis forgets a key this many windows after its last refresh: the rule decides, the
# expiry only keeps the keys of technicians long gone from piling up.
REDIS_EXPIRY_WINDOWS = 2
REDIS_TIMEOUT_S = 2.0


# --- the rule (pure) --------------------------------------------------------------------


def is_present(last_seen: datetime | None, *, now: datetime, window_s: float) -> bool:
    """Seen less than ``window_s`` before ``now``. A sign stamped a little ahead of ``now``
    (another worker's clock) counts as present."""
    if last_seen is None:
        return False
    return now - last_seen < timedelta(seconds=window_s)


def present_among(
    last_seen: Mapping[str, datetime], *, now: datetime, window_s: float
) -> frozenset[str]:
    """The technicians of ``last_seen`` present at ``now``."""
    return frozenset(
        tid for tid, at in last_seen.items() if is_present(at, now=now, window_s=window_s)
    )


# --- the stores -------------------------------------------------------------------------


class PresenceStore(Protocol):
    def seen(self, technician_id: str, at: datetime) -> None:
        """A sign of life at ``at`` (a later sign than the stored one replaces it)."""
        ...

    def left(self, technician_id: str) -> None:
        """The app said goodbye (its last live connection here closed)."""
        ...

    def last_seen(self, technician_ids: Sequence[str]) -> dict[str, datetime]:
        """The last sign of each technician that has one."""
        ...


class MemoryPresence:
    """One process's memory: right when that process serves the apps and runs dispatch
    (embedded mode). Entries older than the window are dropped as new signs come in."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._lock = threading.Lock()
        self._seen: dict[str, datetime] = {}
        self._writes = 0

    def seen(self, technician_id: str, at: datetime) -> None:
        with self._lock:
            before = self._seen.get(technician_id)
            if before is None or at > before:
                self._seen[technician_id] = at
            self._writes += 1
            if self._writes % 1000 == 0:
                self._forget_before(at - timedelta(seconds=self.window_s))

    def left(self, technician_id: str) -> None:
        with self._lock:
            self._seen.pop(technician_id, None)

    def last_seen(self, technician_ids: Sequence[str]) -> dict[str, datetime]:
        with self._lock:
            return {tid: self._seen[tid] for tid in technician_ids if tid in self._seen}

    def _forget_before(self, cutoff: datetime) -> None:
        for tid in [t for t, at in self._seen.items() if at < cutoff]:
            del self._seen[tid]


class RedisPresence:
    """One key per technician holding his last sign (epoch seconds), expiring a while
    after the window; a read of many technicians is one ``MGET``."""

    def __init__(self, url: str, window_s: float, prefix: str = REDIS_PREFIX) -> None:
        import redis

        # a Redis that stops answering fails the caller in seconds instead of hanging it
        self._redis: Any = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self.window_s = window_s
        self.prefix = prefix
        self.expiry_s = max(1, int(window_s * REDIS_EXPIRY_WINDOWS) + 1)

    def seen(self, technician_id: str, at: datetime) -> None:
        # GREATEST would need a script; two workers refreshing the same technician within
        # a moment of each other store moments a moment apart, which the rule absorbs.
        self._redis.set(self.prefix + technician_id, f"{at.timestamp():.3f}", ex=self.expiry_s)

    def left(self, technician_id: str) -> None:
        self._redis.delete(self.prefix + technician_id)

    def last_seen(self, technician_ids: Sequence[str]) -> dict[str, datetime]:
        ids = list(technician_ids)
        if not ids:
            return {}
        values = self._redis.mget([self.prefix + tid for tid in ids])
        return {
            tid: datetime.fromtimestamp(float(raw), tz=UTC)
            for tid, raw in zip(ids, values, strict=True)
            if raw is not None
        }


# --- which store a deployment uses ------------------------------------------------------

_memory: weakref.WeakKeyDictionary[Any, MemoryPresence] = weakref.WeakKeyDictionary()
_redis: dict[tuple[str, float], RedisPresence] = {}
_stores_lock = threading.Lock()


def store_for(engine: Any, settings: Settings) -> PresenceStore:  # noqa: ANN401
    """The presence store of the deployment on ``engine``: Redis when one is configured
    (the broker's, or ``DOORSTEP_REDIS_URL``), else this process's memory for that
    database (one store per engine, so two apps in one process never mix)."""
    window = settings.presence_window_seconds
    url = settings.effective_redis_url
    with _stores_lock:
        if url:
            store = _redis.get((url, window))
            if store is None:
                store = _redis[(url, window)] = RedisPresence(url, window)
            return store
        memory = _memory.get(engine)
        if memory is None:
            memory = _memory[engine] = MemoryPresence(window)
        return memory


class _Runtime(Protocol):
    """What presence needs of a unit of work or an app's state."""

    @property
    def engine(self) -> Any: ...  # noqa: ANN401

    settings: Settings


def mark_seen(runtime: _Runtime, technician_id: str, at: datetime) -> None:
    """Record a sign of life of ``technician_id`` (not part of any transaction: the sign
    happened whether or not the request it came with succeeds)."""
    store_for(runtime.engine, runtime.settings).seen(technician_id, at)


def present(runtime: _Runtime, technician_ids: Iterable[str], now: datetime) -> frozenset[str]:
    """Those of ``technician_ids`` whose app showed a sign of life within the window."""
    ids = list(technician_ids)
    if not ids:
        return frozenset()
    settings = runtime.settings
    seen = store_for(runtime.engine, settings).last_seen(ids)
    return present_among(seen, now=now, window_s=settings.presence_window_seconds)


def last_seen(runtime: _Runtime, technician_ids: Iterable[str]) -> dict[str, datetime]:
    """The last sign of life of each of ``technician_ids`` that has one (for operators)."""
    return store_for(runtime.engine, runtime.settings).last_seen(list(technician_ids))
