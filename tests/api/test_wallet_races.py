"""储值余额 races on PostgreSQL: two orders paid from one balance at the same moment, the
balance enough for one. The second waits on the wallet's row, then finds it short."""

from __future__ import annotations

import pytest

from server.auth.models import User
from server.core.errors import Conflict
from server.core.uow import UnitOfWork
from server.payments import ledger
from server.payments import service as payments_service
from server.payments.models import PaymentCreate
from tests.api.test_money_races import LOCK_WAIT_LIMIT_S, UseCase, _second_arrives
from tests.api.test_wallet import top_up, wallet
from tests.conftest import PG_URL
from tests.unit_of_work import unit_of_work

pytestmark = [
    pytest.mark.parametrize("db_kind", ["postgresql"]),
    pytest.mark.skipif(not PG_URL, reason="needs DOORSTEP_TEST_DATABASE_URL"),
]


def test_two_orders_paid_from_one_balance_at_once_spend_it_once(api):
    customer = api.register("customer")
    first_order, second_order = api.order(customer), api.order(customer)
    assert first_order["total"] == second_order["total"]
    top_up(api, customer, first_order["total"] + first_order["total"] // 2)
    state = api.app.state

    def pay(order_id: str):  # noqa: ANN202
        def work(uow: UnitOfWork) -> str:
            user = uow.session.get(User, customer["user"]["id"])
            return payments_service.create_payment(
                uow,
                order_id=order_id,
                user=user,
                body=PaymentCreate(provider="wallet", method="balance"),
            ).id

        return work

    first = UseCase(state)
    first.run(pay(first_order["id"]))
    second, pool = _second_arrives(state, pay(second_order["id"]))
    first.finish()
    with pytest.raises(Conflict) as refused:
        second.result(timeout=LOCK_WAIT_LIMIT_S)
    pool.shutdown()
    assert refused.value.code == "wallet_balance_short"
    assert wallet(api, customer)["balance"] == first_order["total"] // 2
    with unit_of_work(api.app) as uow:
        account = ledger.wallet(customer["user"]["id"])
        assert payments_service.balance(uow.session, account) == first_order["total"] // 2
