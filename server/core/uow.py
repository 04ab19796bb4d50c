"""The unit of work: one database transaction per use case, committed once.

A request that may write gets a ``UnitOfWork`` (made by ``server.core.uow_middleware``):
its session is the one every dependency and service of that request uses, and only the
unit of work commits it, once, after the reply is ready and before it is sent. What a
service calls ``session.commit()`` is a checkpoint inside that transaction (a SAVEPOINT):
``session.rollback()`` undoes back to the last checkpoint, and an error reply discards
whatever came after it, as a rolled-back transaction would have. So the idempotency
record and the audit entry commit with the effect, or not at all.

Work that must wait for the commit (live-feed pushes, waking the dispatcher) is handed to
``after_commit``: it runs once the transaction is durable, and never if it is not.
A read-only request's session runs in a read-only transaction (no write lock, a write is
an error) and is simply closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from server.core.db import mode_engine

log = logging.getLogger("doorstep.uow")

_current: ContextVar[UnitOfWork | None] = ContextVar("doorstep_unit_of_work", default=None)


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


class UnitOfWork:
    """One use case's transaction. ``write=False`` opens it read-only."""

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self.write = write
        self._engine = engine
        self.session = UnitOfWorkSession(mode_engine(engine, write=write), expire_on_commit=False)
        self.session.info["uow"] = self
        self.closed = False
        self._savepoint: SessionTransaction | None = None
        self._reached: set[SessionTransaction] = set()  # transactions that reached the database
        self._after_commit: list[Callable[[], None]] = []

    def upgrade(self) -> None:
        """Make a read-only unit of work one that may write, before it touches the database."""
        if self.write:
            return
        if self.session.in_transaction():
            raise RuntimeError("a unit of work can only be made writable before it starts")
        self.session.bind = self._engine
        self.write = True

    # --- checkpoints (what services still call commit and rollback) -------------------
    def checkpoint(self) -> None:
        """Keep what the use case did so far, even if it ends in an error reply."""
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

    # --- the end ------------------------------------------------------------------------
    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def discard_tail(self) -> None:
        """Drop what no checkpoint kept (the reply is an error, or the use case wrote
        something it did not mean to keep), before the unit of work adds its own rows.
        A tail that never reached the database and holds no changes is simply closed: the
        usual case, a use case whose last act was its commit."""
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
        self.closed = True
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

    # --- the current unit of work ---------------------------------------------------------
    @contextmanager
    def bound(self) -> Iterator[UnitOfWork]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)


@event.listens_for(UnitOfWorkSession, "after_begin")
def _reached_the_database(
    session: Session, transaction: SessionTransaction, _connection: Any
) -> None:  # noqa: ANN401
    uow: UnitOfWork | None = session.info.get("uow")
    if uow is not None:
        uow._reached.add(transaction)


def current() -> UnitOfWork | None:
    return _current.get()


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current unit of work commits; at once outside one (a
    background job or the CLI, which have committed when they call this)."""
    uow = _current.get()
    if uow is None or uow.closed or not uow.write:
        callback()
        return
    uow.after_commit(callback)
