"""Money races on PostgreSQL, played step by step: a first transaction holds its locks
while a second one arrives; the test waits until the second is seen waiting on a lock
(``pg_stat_activity``), lets the first commit, and checks what the second did.

SQLite needs none of this: every writing transaction there begins IMMEDIATE, so writers
never overlap (tests/scale runs the same races through a real server on both).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from server.auth.models import User
from server.core.uow import UnitOfWork
from server.payments import ledger
from server.payments import service as payments_service
from server.payments.models import Payment, PaymentCreate, SandboxCharge
from server.payments.providers import SandboxProvider
from tests.conftest import PG_URL
from tests.unit_of_work import unit_of_work

pytestmark = [
    pytest.mark.parametrize("db_kind", ["postgresql"]),
    pytest.mark.skipif(not PG_URL, reason="needs DOORSTEP_TEST_DATABASE_URL"),
]
LOCK_WAIT_LIMIT_S = 30


def _someone_waits_on_a_lock(engine) -> bool:  # noqa: ANN001
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
        )


class UseCase:
    """One use case's transaction, as a request runs it (``server.core.uow``): the
    service works in the unit of work, and nothing is durable before ``finish`` commits
    it (the reply was a success)."""

    def __init__(self, runtime) -> None:  # noqa: ANN001
        self.uow = UnitOfWork(runtime, write=True)

    def run(self, work: Callable[[UnitOfWork], object]) -> object:
        try:
            return work(self.uow)
        except BaseException:
            self.uow.rollback()
            raise

    def finish(self) -> None:
        self.uow.commit()


def _second_arrives(
    runtime,  # noqa: ANN001
    work: Callable[[UnitOfWork], object],
) -> tuple[Future, ThreadPoolExecutor]:
    """Start ``work`` as its own use case on a thread, and return once it waits on a lock
    held by the caller's open transaction (or has already finished: it did not wait)."""
    engine = runtime.engine

    def run() -> object:
        use_case = UseCase(runtime)
        result = use_case.run(work)
        use_case.finish()
        return result

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    deadline = time.monotonic() + LOCK_WAIT_LIMIT_S
    while not future.done() and not _someone_waits_on_a_lock(engine):
        assert time.monotonic() < deadline, "the second transaction neither waited nor finished"
        time.sleep(0.01)
    return future, pool


@pytest.fixture
def refunds_sent(monkeypatch) -> Iterator[list[int]]:  # noqa: ANN001
    """Every refund the provider was asked for (a real provider's refund is an HTTP call
    that no rollback undoes)."""
    sent: list[int] = []
    lock = threading.Lock()
    original = SandboxProvider.refund

    def counting(self, uow, **kwargs):  # noqa: ANN001, ANN202
        with lock:
            sent.append(kwargs["amount"])
        return original(self, uow, **kwargs)

    monkeypatch.setattr(SandboxProvider, "refund", counting)
    yield sent


def _signed_success(api, payment_id: str) -> tuple[bytes, dict[str, str]]:  # noqa: ANN001
    provider = SandboxProvider(api.app.state.settings.sandbox_webhook_secret)
    with unit_of_work(api.app) as uow:
        payment = uow.session.get(Payment, payment_id)
        charge = provider.settle(uow, provider_ref=payment.provider_ref, succeed=True)
        body = json.dumps(
            {
                "id": f"evt_{payment_id}",
                "type": "payment.succeeded",
                "data": {
                    "provider_ref": charge.ref,
                    "payment_id": payment_id,
                    "amount": charge.amount,
                },
            }
        ).encode()
    return body, provider.signed_headers(body, api.app.state.clock.now())


def test_a_duplicate_webhook_arriving_at_the_same_moment_never_reaches_the_provider_refund(
    api, refunds_sent
):
    """A charge the customer abandoned (then paid anyway) succeeds after the order was
    paid another way: it is refunded at once, and its duplicate delivered at the same
    moment refunds nothing more."""
    customer = api.register("customer")
    order = api.order(customer)
    first = api.post(f"/orders/{order['id']}/payments", customer, json={"method": "wechat"}).json()
    second = api.post(f"/orders/{order['id']}/payments", customer, json={"method": "alipay"}).json()
    r = api.post(f"/sandbox/payments/{second['payment_id']}/approve", customer)
    assert r.json()["webhook_outcomes"] == ["order_paid"], r.text
    body, headers = _signed_success(api, first["payment_id"])
    state, engine = api.app.state, api.app.state.engine

    def deliver(uow: UnitOfWork) -> str:
        return payments_service.handle_webhook(
            uow, provider_name="sandbox", body=body, headers=headers
        )

    first_delivery = UseCase(state)
    assert first_delivery.run(deliver) == "late_refunded"
    duplicate, pool = _second_arrives(state, deliver)
    first_delivery.finish()
    assert duplicate.result(timeout=LOCK_WAIT_LIMIT_S) == "duplicate"
    pool.shutdown()
    assert refunds_sent == [order["total"]]
    with Session(engine) as s:
        assert (
            s.get(SandboxCharge, s.get(Payment, first["payment_id"]).provider_ref).refunded
            == order["total"]
        )


def test_two_checkouts_of_one_order_at_the_same_moment_open_one_charge(api):
    customer = api.register("customer")
    order = api.order(customer)
    state, engine = api.app.state, api.app.state.engine

    def checkout(uow: UnitOfWork) -> str:
        user = uow.session.get(User, customer["user"]["id"])
        return payments_service.create_payment(
            uow,
            order_id=order["id"],
            user=user,
            body=PaymentCreate(provider="sandbox", method="wechat"),
        ).id

    first_checkout = UseCase(state)
    first = first_checkout.run(checkout)
    second, pool = _second_arrives(state, checkout)
    first_checkout.finish()
    assert second.result(timeout=LOCK_WAIT_LIMIT_S) == first
    pool.shutdown()
    with Session(engine) as s:
        payments = s.exec(select(Payment).where(Payment.order_id == order["id"])).all()
        charges = s.exec(select(SandboxCharge).where(SandboxCharge.payment_id == first)).all()
    assert [(p.id, p.status) for p in payments] == [(first, "pending")]
    assert len(charges) == 1


def test_entries_update_their_accounts_in_one_order_whatever_order_their_lines_are_in(api):
    """Two entries over the same accounts, lines in opposite orders, lock the accounts'
    rows in the same order (the one that deadlocked concurrent approvals)."""
    engine = api.app.state.engine
    seen: list[str] = []

    def watch(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE LEDGER_ACCOUNT"):
            seen.append(next(v for v in parameters.values() if isinstance(v, str)))

    accounts = ["cash:provider:lockpay", "escrow:order:o_lock", "payable:technician:t_lock"]
    event.listen(engine, "before_cursor_execute", watch)
    try:
        with unit_of_work(api.app) as uow:
            for n, lines in enumerate(
                [
                    ledger.entry((accounts[2], -30), (accounts[1], -70), (accounts[0], 100)),
                    ledger.entry((accounts[0], -100), (accounts[1], 70), (accounts[2], 30)),
                ]
            ):
                seen.clear()
                payments_service.post(uow, kind="test", dedupe_key=f"lock-order-{n}", lines=lines)
                assert seen == sorted(accounts), seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)
