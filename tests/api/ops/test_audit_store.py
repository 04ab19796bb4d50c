"""The stored audit log: appended in the caller's transaction, verified, tamper caught."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.audit import log as audit_service
from server.core import appendonly
from tests.unit_of_work import unit_of_work


def drop_append_only_triggers(engine) -> None:  # noqa: ANN001
    """What an attacker with the database owner's rights would do first."""
    with engine.begin() as conn:
        for table in appendonly.APPEND_ONLY_TABLES:
            for statement in appendonly.drop_statements(table, conn.dialect.name):
                conn.execute(text(statement))


def test_record_chain_and_tamper(engine, clock):
    with unit_of_work(engine, clock=clock) as uow:
        for i in range(5):
            audit_service.record(
                uow,
                actor="usr_x",
                actor_role="operator",
                action="test.write",
                target_type="order",
                target_id=f"ord_{i}",
                ip="10.0.0.1",
                details={"i": i},
            )
            clock.advance(seconds=1)
    with unit_of_work(engine) as uow:
        result = audit_service.verify(uow)
        assert result.ok and result.checked == 5
        head = result.head
    for statement in (
        "UPDATE audit_log SET target_id = 'ord_forged' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 5",
    ):
        with Session(engine) as session, pytest.raises(IntegrityError, match="append-only"):
            session.execute(text(statement))  # the database itself refuses
    drop_append_only_triggers(engine)
    with Session(engine) as session:
        session.execute(text("UPDATE audit_log SET target_id = 'ord_forged' WHERE seq = 3"))
        session.commit()
    with unit_of_work(engine) as uow:
        result = audit_service.verify(uow)
        assert not result.ok and result.first_bad_seq == 3
        uow.session.execute(text("UPDATE audit_log SET target_id = 'ord_2' WHERE seq = 3"))
        uow.session.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    with unit_of_work(engine) as uow:
        assert audit_service.verify(uow).ok
        assert not audit_service.verify(uow, expect_head=head).ok


class _Abandoned(Exception):
    """The use case ends in an error after recording its audit entry."""


def test_rolled_back_change_leaves_no_entry(engine, clock):
    with pytest.raises(_Abandoned), unit_of_work(engine, clock=clock) as uow:
        audit_service.record(uow, actor=None, action="test.rollback")
        raise _Abandoned
    with unit_of_work(engine, clock=clock) as uow:  # undone back to the start: nothing kept
        audit_service.record(uow, actor=None, action="test.undo")
        uow.undo()
    with unit_of_work(engine) as uow:
        assert audit_service.search(uow) == []


def test_concurrent_writers_keep_one_unbroken_chain(engine, clock):
    import threading

    def writer(n: int) -> None:
        for i in range(10):
            with unit_of_work(engine, clock=clock) as uow:
                audit_service.record(
                    uow,
                    actor=f"usr_{n}",
                    actor_role="operator",
                    action="test.concurrent",
                    target_id=f"{n}:{i}",
                )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with unit_of_work(engine) as uow:
        result = audit_service.verify(uow)
    assert result.ok and result.checked == 40
