"""Engine and session handling.

SQLite (the default) runs with WAL and foreign keys on. A transaction that may write
starts with BEGIN IMMEDIATE (the write lock up front: no lost updates); a read-only one
(``mode_engine(engine, write=False)``) with a plain BEGIN under ``PRAGMA query_only``, so
it never takes the write lock and a stray write fails loudly. Requests reach the write
lock one at a time through the writer gate (``server.core.uow_middleware``); the busy
timeout is for background work and other processes. PostgreSQL by URL; read-only
transactions are ``BEGIN READ ONLY``. A use case commits once (``server.core.uow``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

# Connections a process may hold: the requests admitted at once (``REQUEST_SLOTS``) stay
# below both the pool and the threadpool (40), so an admitted request never waits for a
# connection or a thread that another admitted request needs to finish. Few are admitted:
# the work is Python on one core per worker, and more threads only fight for the GIL
# (bench/load.py: 6 served 20-35 % more bookings than 24, with a third of the tail).
POOL_SIZE, POOL_OVERFLOW = 20, 10
REQUEST_SLOTS = 6
BUSY_TIMEOUT_MS = 15000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per request thread (FastAPI runs sync endpoints on up to 40): a
        # burst waits on SQLite's own write lock (busy_timeout below), not on the pool.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=10,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            # The driver's own transaction handling is switched off so that BEGIN
            # IMMEDIATE below takes the write lock up front: no lost updates.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            read_only = conn.get_execution_options().get("doorstep_read_only", False)
            state = conn.connection.info  # per DB-API connection: toggle only on change
            if state.get("query_only") != read_only:
                conn.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                state["query_only"] = read_only
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=10,
    )


_modes: weakref.WeakKeyDictionary[Engine, dict[bool, Engine]] = weakref.WeakKeyDictionary()


def mode_engine(engine: Engine, *, write: bool) -> Engine:
    """The engine for transactions that may write, or for read-only ones (same pool)."""
    modes = _modes.get(engine)
    if modes is None:
        read_options: dict[str, Any] = {"doorstep_read_only": True}
        if engine.dialect.name == "postgresql":
            read_options["postgresql_readonly"] = True
        modes = {True: engine, False: engine.execution_options(**read_options)}
        _modes[engine] = modes
    return modes[write]


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only session outside a request (the live feed's lookups)."""
    with Session(mode_engine(engine, write=False), expire_on_commit=False) as session:
        yield session


def is_busy(exc: BaseException) -> bool:
    """The database could not serve in time (a lock or a pool wait ran out, a
    serialization failure or deadlock was detected): worth a retry, not a bug."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    markers = (
        "database is locked",
        "database table is locked",
        "lock timeout",
        "could not serialize",
        "deadlock detected",
        "canceling statement due to",
    )
    return any(marker in text for marker in markers)


def insert_if_absent(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: rows that another transaction may be creating at the
    same moment (a ledger account on its first posting) are created once, without the
    loser of the race failing on the unique key."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(rows).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(rows).on_conflict_do_nothing())
    else:
        raise ValueError(f"unsupported database: {dialect} (SQLite and PostgreSQL are)")
