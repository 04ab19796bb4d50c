"""Any sequence of pay / cancel / work / confirm / complain-and-refund / payout, driven
through the real HTTP API, keeps the books right (hypothesis stateful test).

After every step: the trial balance is zero; no guarded account (escrow, technician
payable, deferred card money, provider cash) is negative on its normal side; an order
that is over (COMPLETED or CANCELLED) holds nothing in escrow; what a technician was paid
out never exceeds what they earned. The pure rules have their own properties in
tests/unit/test_ledger.py; this one exercises the service, the webhooks and the routes.
"""

from __future__ import annotations

import itertools
import shutil

from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from server.app import create_app
from server.core.clock import FrozenClock
from server.core.db import make_engine
from server.payments import ledger
from tests.api.payment_steps import finish, pay, to_service
from tests.conftest import Api

HOURS_AHEAD = (1, 5, 30)  # inside 2 h (30% fee), the middle band, over 24 h (free)
PICK = st.integers(min_value=0, max_value=99)


def test_any_sequence_of_money_moves_keeps_the_books(sqlite_template, settings, tmp_path):  # noqa: ANN001
    examples = itertools.count()
    lenient = settings.model_copy(
        update={"login_attempts_per_phone": 1000, "login_attempts_per_ip": 1000}
    )  # daily re-logins

    class Books(RuleBasedStateMachine):
        """Each example on a fresh copy of the database, so a replay meets the same state."""

        def __init__(self) -> None:
            super().__init__()
            path = tmp_path / f"books-{next(examples)}.db"
            shutil.copyfile(sqlite_template, path)
            self.engine = make_engine(f"sqlite:///{path}")
            app = create_app(lenient, clock=FrozenClock(), engine=self.engine)
            self.client = TestClient(app)
            self.client.__enter__()
            self.api = api = Api(self.client)
            self.customer = api.register("customer", "钱女士")
            self.tech = api.register("technician", "孙师傅")
            self.support, self.finance = api.staff("support"), api.staff("finance")
            self.status: dict[str, str] = {}  # order id -> status, as the server last said

        def teardown(self) -> None:
            self.client.__exit__(None, None, None)
            self.engine.dispose()

        def _refresh(self) -> None:
            for order_id in self.status:
                r = self.api.get(f"/orders/{order_id}", self.customer)
                self.status[order_id] = r.json()["status"]

        def _pick(self, pick: int, *states: str) -> str:
            matching = [o for o, now in self.status.items() if not states or now in states]
            return matching[pick % len(matching)]

        def _has(*states: str):  # noqa: ANN202, N805
            """Rules run only when an order is in one of ``states`` (no wasted steps)."""
            return precondition(lambda self: any(s in states for s in self.status.values()))

        @initialize()
        def one_order_done(self) -> None:
            """Start with a finished visit, so short runs reach confirmation and complaints."""
            self.book(26)
            self.pay(0)
            self.work(0)

        @rule(hours=st.sampled_from(HOURS_AHEAD))
        def book(self, hours: int) -> None:
            self.status[self.api.order(self.customer, hours_ahead=hours)["id"]] = "PENDING_PAYMENT"

        @_has("PENDING_PAYMENT")
        @rule(pick=PICK)
        def pay(self, pick: int) -> None:
            pay(self.api, self.customer, self._pick(pick, "PENDING_PAYMENT"))
            self._refresh()

        @precondition(lambda self: self.status)
        @rule(pick=PICK)
        def cancel(self, pick: int) -> None:
            order_id = self._pick(pick)
            quote = self.api.get(f"/orders/{order_id}/cancellation-quote", self.customer)
            if quote.status_code != 200:
                assert quote.status_code == 409, quote.text
                return
            r = self.api.post(
                f"/orders/{order_id}/cancel",
                self.customer,
                json={"reason": "改期", "expected_fee": quote.json()["fee"]},
            )
            assert r.status_code in (200, 409), r.text
            self._refresh()

        @_has("PENDING_DISPATCH")
        @rule(pick=PICK)
        def work(self, pick: int) -> None:
            order_id = self._pick(pick, "PENDING_DISPATCH")
            order = to_service(self.api, self.customer, self.tech, order_id)
            assert finish(self.api, self.tech, order["id"], order["sop"]).status_code == 200
            self._refresh()

        @_has("AWAITING_CONFIRMATION")
        @rule(pick=PICK)
        def confirm(self, pick: int) -> None:
            order_id = self._pick(pick, "AWAITING_CONFIRMATION")
            r = self.api.post(f"/orders/{order_id}/confirm", self.customer)
            assert r.status_code == 200, r.text
            self._refresh()

        @_has("AWAITING_CONFIRMATION")
        @rule(pick=PICK, share=st.integers(min_value=1, max_value=100))
        def complain_and_refund(self, pick: int, share: int) -> None:
            order_id = self._pick(pick, "AWAITING_CONFIRMATION")
            r = self.api.post(
                f"/orders/{order_id}/complaints",
                self.customer,
                json={"category": "quality", "text": "没擦干净", "photo_file_ids": []},
            )
            assert r.status_code == 201, r.text
            total = self.api.get(f"/orders/{order_id}", self.customer).json()["total"]
            amount = max(1, total * share // 100)
            outcome = "refund_full" if share == 100 else "refund_partial"
            body = {"outcome": outcome, "note": "核实属实"}
            if outcome == "refund_partial":
                body["amount"] = amount
            r = self.api.post(f"/ops/complaints/{r.json()['id']}/resolve", self.support, json=body)
            assert r.status_code == 200, r.text
            self._refresh()

        @rule()
        def next_day_payouts(self) -> None:
            self.api.app.state.clock.advance(days=1, hours=1)
            for user, password in (
                (self.customer, "correct horse"),
                (self.tech, "correct horse"),
                (self.support, "staff password"),
                (self.finance, "staff password"),
            ):
                user.update(self.api.login(user, password=password))  # tokens are short-lived
            r = self.api.post("/ops/payouts/run", self.finance)
            assert r.status_code in (200, 201), r.text
            self._refresh()  # a day later, orders waiting for confirmation may auto-confirm

        @invariant()
        def books_balance(self) -> None:
            r = self.api.get("/ops/ledger/trial-balance", self.finance)
            assert r.status_code == 200, r.text
            books = r.json()
            assert books["difference"] == 0 and books["total_debit"] == books["total_credit"]
            balances = {row["account"]: row["balance"] for row in books["accounts"]}
            negative = {
                account: amount
                for account, amount in balances.items()
                if ledger.is_guarded(account) and ledger.natural(account, amount) < 0
            }
            assert not negative, negative
            for order_id, status in self.status.items():
                if status in ("COMPLETED", "CANCELLED"):
                    held = balances.get(ledger.escrow(order_id), 0)
                    assert held == 0, (order_id, status, held)

    Books.TestCase.settings = hypothesis_settings(
        max_examples=5,
        stateful_step_count=8,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(Books, settings=Books.TestCase.settings)
