"""The unit of work: one database transaction per use case, committed once.

Every use case runs in a ``UnitOfWork`` and every service takes it first:
``service.move(uow, *, order_id=…)``. It carries what a use case needs besides its
arguments: the session, the clock, the field cipher and the settings. A request gets one
from ``server.core.uow_middleware``; a background job, the CLI and the tests open one with
``UnitOfWork.begin(runtime)``: a background round or sweep is one unit of work that
keeps each item as it goes, so one item's failure undoes only that item.

Only the unit of work commits, once: after the reply is ready and before it is sent, or
when a ``begin`` block ends. A service that must keep part of its work even if the use
case then ends in an error (a failed sign-in counted before the refusal) calls
``uow.keep()``: a checkpoint inside the transaction (a SAVEPOINT). ``uow.undo()`` goes
back to the last checkpoint; an error reply discards whatever came after it, as a
rolled-back transaction would have. So the idempotency record and the audit entry commit
with the effect, or not at all. (``session.commit()`` and ``session.rollback()`` on a unit
of work's session are the same checkpoint and undo, so a helper cannot end it early.)

Work that must wait for the commit (the order events' after-commit reactions, live-feed
pushes, waking the dispatcher or the filing job) is handed to ``uow.after_commit``: it
runs once the transaction is durable, and never if it is not.
A read-only request's session runs in a read-only transaction (no write lock, a write is
an error) and is simply closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from server.core.clock import Clock, SystemClock
from server.core.crypto import FieldCipher
from server.core.db import make_engine, mode_engine
from server.core.jobs import JobEngine
from server.core.settings import Settings

log = logging.getLogger("doorstep.uow")


class UnitOfWorkSession(Session):
    """The session of a unit of work: ``commit()`` and ``rollback()`` are checkpoints."""

    def commit(self) -> None:
        uow: UnitOfWork | None = self.info.get("uow")
        if uow is None or uow.closed:
            super().commit()
            return
        uow.checkpoint()

    def rollback(self) -> None:
        uow: UnitOfWork | None = self.info.get("uow")
        if uow is None or uow.closed:
            super().rollback()
            return
        uow.undo_to_checkpoint()


class Runtime(Protocol):
    """What a unit of work is opened from: the app's state, or a :class:`Parts` outside
    the app (the CLI, a benchmark)."""

    engine: Engine
    clock: Clock
    cipher: FieldCipher
    settings: Settings
    jobs: JobEngine


@dataclass
class Parts:
    """A runtime put together by hand (the CLI and the benchmarks have no app): its job
    queue defers (into PostgreSQL's, for the workers) and runs nothing."""

    engine: Engine
    clock: Clock
    cipher: FieldCipher
    settings: Settings
    jobs: JobEngine

    @classmethod
    def on(cls, engine: Engine, settings: Settings, *, clock: Clock | None = None) -> Parts:
        """A runtime on ``engine``, its cipher made from the settings' keys."""
        return cls(
            engine=engine,
            clock=clock or SystemClock(),
            cipher=FieldCipher.from_settings(settings.encryption_keys, settings.secret_key),
            settings=settings,
            jobs=JobEngine(settings),
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Parts:
        return cls.on(make_engine(settings.effective_database_url), settings, clock=clock)


class UnitOfWork:
    """One use case's transaction and what it runs with. ``write=False`` opens it
    read-only."""

    def __init__(self, runtime: Runtime, *, write: bool) -> None:
        self.write = write
        engine = runtime.engine
        self._engine = engine
        self.clock = runtime.clock
        # the runtime's own clock, which ``running_at`` leaves alone: the present, against
        # which a notice about a replayed past moment is judged too old to send
        self.wall_clock = runtime.clock
        self.cipher = runtime.cipher
        self.settings = runtime.settings
        self.jobs = runtime.jobs
        self.session = UnitOfWorkSession(mode_engine(engine, write=write), expire_on_commit=False)
        self.session.info["uow"] = self
        self.closed = False
        self.committed = False
        self._savepoint: SessionTransaction | None = None
        self._reached: set[SessionTransaction] = set()  # transactions that reached the database
        self._after_commit: list[Callable[[], None]] = []

    @property
    def engine(self) -> Engine:
        return self._engine

    def upgrade(self) -> None:
        """Make a read-only unit of work one that may write, before it touches the database."""
        if self.write:
            return
        if self.session.in_transaction():
            raise RuntimeError("a unit of work can only be made writable before it starts")
        self.session.bind = self._engine
        self.write = True

    @classmethod
    @contextmanager
    def begin(cls, runtime: Runtime, *, write: bool = True) -> Iterator[UnitOfWork]:
        """A unit of work outside a request: committed when the block ends, rolled back
        if it raises (a read-only one is closed)."""
        uow = cls(runtime, write=write)
        try:
            yield uow
        except BaseException:
            uow.rollback()
            raise
        if write:
            uow.commit()
        else:
            uow.close()

    @contextmanager
    def running_at(self, clock: Clock) -> Iterator[UnitOfWork]:
        """Run part of the use case on another clock: the demo's and the simulation's
        past visits, each step at its own moment (``wall_clock`` stays the present)."""
        before, self.clock = self.clock, clock
        try:
            yield self
        finally:
            self.clock = before

    # --- checkpoints ----------------------------------------------------------------------
    def flush(self) -> None:
        self.session.flush()

    def keep(self) -> None:
        """Keep what the use case did so far, even if it then ends in an error."""
        self.checkpoint()

    def undo(self) -> None:
        """Go back to the last checkpoint (the start, if none)."""
        self.undo_to_checkpoint()

    @contextmanager
    def attempt(self) -> Iterator[UnitOfWork]:
        """One step of a loop that may be refused (a placement in a dispatch round, a
        simulated customer's booking): if it raises, it alone is undone and what came
        before it stays; the error goes on to the caller."""
        self.keep()
        try:
            yield self
        except BaseException:
            self.undo()
            raise

    def checkpoint(self) -> None:
        self.session.flush()
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.commit()
        self._savepoint = self.session.begin_nested()

    def undo_to_checkpoint(self) -> None:
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()
            self._savepoint = self.session.begin_nested()
            return
        self._savepoint = None
        Session.rollback(self.session)

    def defer(self, name: str, **options: Any) -> None:
        """Defer a background job with this use case (``JobEngine.defer``)."""
        self.jobs.defer(self, name, **options)

    # --- the end ------------------------------------------------------------------------
    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work has committed (at once if it has, or
        if it is read-only and so has nothing to wait for; never if it rolls back)."""
        if self.committed or not self.write:
            callback()
        elif not self.closed:
            self._after_commit.append(callback)

    def discard_tail(self) -> None:
        """The reply is an error: drop what no checkpoint (``keep``) kept, before the unit
        of work adds its own rows (the audit entry, the idempotency record). A tail that
        never reached the database and holds no changes is simply closed."""
        savepoint = self._savepoint
        self._savepoint = None
        if savepoint is None:
            Session.rollback(self.session)
        elif savepoint.is_active:
            session = self.session
            if savepoint in self._reached or session.new or session.dirty or session.deleted:
                savepoint.rollback()
            else:
                savepoint.commit()

    def commit(self) -> None:
        """The one real COMMIT, then the work that waited for it."""
        Session.commit(self.session)
        self.closed = self.committed = True
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # the change is durable; a push or wake-up failing must not undo it
                log.exception("after-commit work failed")
        self.session.close()

    def rollback(self) -> None:
        self.closed = True
        self._after_commit.clear()
        try:
            Session.rollback(self.session)
        finally:
            self.session.close()

    def close(self) -> None:
        """End a read-only unit of work (or one that must write nothing)."""
        if not self.closed:
            self.rollback()


@event.listens_for(UnitOfWorkSession, "after_begin")
def _reached_the_database(
    session: Session, transaction: SessionTransaction, _connection: Any
) -> None:  # noqa: ANN401
    uow: UnitOfWork | None = session.info.get("uow")
    if uow is not None:
        uow._reached.add(transaction)
