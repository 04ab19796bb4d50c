"""Payouts: the daily scheduled batch at the set local time, ledger accounts opened by
racing first postings, and a payout paying only what was earned before the cut-off."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from server.core.uow import UnitOfWork
from server.payments import service as payments_service
from tests.api.payment_steps import finish, pay, relogin, to_service, trial
from tests.unit_of_work import unit_of_work


def test_scheduled_payouts_run_once_a_day_at_the_set_local_time(api):
    """The background task's one iteration with an injected clock: T+1 by local day, at
    ``payments.payout_time`` (city time), once a day whatever the number of runs."""
    from datetime import UTC, datetime

    from server.core.clock import FrozenClock

    customer = api.register("customer")
    tech = api.register("technician")
    finance = api.staff("finance")
    operator = api.staff("operator")
    tz = api.app.state.settings.timezone  # Asia/Shanghai, UTC+8

    def run_at(when: datetime):  # noqa: ANN202
        with unit_of_work(api.app, clock=FrozenClock(when)) as uow:
            batch = payments_service.run_scheduled_payouts(uow, timezone=tz)
            return None if batch is None else (batch.scheduled_for, batch.lines_count, batch.total)

    r = api.put("/ops/settings", operator, json={"rules": {"payments": {"payout_time": "25:00"}}})
    assert r.status_code == 422
    r = api.put("/ops/settings", operator, json={"rules": {"payments": {"payout_time": "09:30"}}})
    assert r.status_code == 200, r.text

    # earned on 1 June (10:00 local, the test clock's start)
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    started = to_service(api, customer, tech, oid)
    assert finish(api, tech, oid, started["sop"]).status_code == 200
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    share = order["total"] - order["total"] * 15 // 100
    payable = f"payable:technician:{tech['user']['id']}"
    assert trial(api, finance)[payable] == -share

    june_1, june_2 = date(2026, 6, 1), date(2026, 6, 2)
    # 1 June 23:00 local: today's batch runs, but what was earned today waits for tomorrow
    assert run_at(datetime(2026, 6, 1, 15, 0, tzinfo=UTC)) == (june_1, 0, 0)
    assert run_at(datetime(2026, 6, 1, 15, 30, tzinfo=UTC)) is None  # the day's batch is done
    # 2 June 09:00 local: before the set time, nothing
    assert run_at(datetime(2026, 6, 2, 1, 0, tzinfo=UTC)) is None
    # 2 June 09:30 local: T+1, yesterday's earnings go out
    assert run_at(datetime(2026, 6, 2, 1, 30, tzinfo=UTC)) == (june_2, 1, share)
    balances = trial(api, finance)
    assert balances.get(payable, 0) == 0 and balances["payouts:sent"] == -share
    # again the same day (another worker, a restart): books nothing
    assert run_at(datetime(2026, 6, 2, 1, 31, tzinfo=UTC)) is None
    assert run_at(datetime(2026, 6, 2, 15, 59, tzinfo=UTC)) is None  # 23:59 local
    assert trial(api, finance)["payouts:sent"] == -share
    batches = api.get("/ops/payouts", finance).json()
    assert [(b["scheduled_for"], b["lines_count"]) for b in batches] == [
        ("2026-06-02", 1),
        ("2026-06-01", 0),
    ]
    assert batches[0]["lines"] == [{"technician_id": tech["user"]["id"], "amount": share}]

    # switched off: nothing runs
    off = {"rules": {"payments": {"payout_schedule_enabled": False}}}
    r = api.put("/ops/settings", operator, json=off)
    assert r.status_code == 200
    assert run_at(datetime(2026, 6, 3, 2, 0, tzinfo=UTC)) is None


def test_two_first_postings_to_a_new_account_race_without_a_conflict(api):
    """Two payments through a provider the ledger has never seen, at once: the account row
    is created by one, the other waits and books (it used to fail on the unique key)."""
    import threading

    from server.payments import ledger

    engine = api.app.state.engine

    def book(uow: UnitOfWork, key: str, amount: int) -> None:
        payments_service.post(
            uow,
            kind="payment",
            dedupe_key=key,
            lines=ledger.payment_received(provider="racepay", order_id=key, amount=amount),
        )

    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with unit_of_work(api.app) as other:
                book(other, "race_b", 50)
            outcome["ok"] = True
        except Exception as exc:  # reported below, the assertion says what went wrong
            outcome["error"] = exc

    first = UnitOfWork(api.app.state, write=True)
    book(first, "race_a", 100)  # holds the new account row, not committed yet
    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)  # the second is now waiting on the first
    first.commit()
    thread.join(timeout=20)
    assert outcome.get("ok"), outcome
    with Session(engine) as s:
        assert payments_service.balance(s, ledger.cash("racepay")) == 150


def _completed(api, customer, tech) -> int:
    """One order done and confirmed: the technician's share, now owed."""
    order = api.order(customer, units=3)
    pay(api, customer, order["id"])
    started = to_service(api, customer, tech, order["id"])
    assert finish(api, tech, order["id"], started["sop"]).status_code == 200
    assert api.post(f"/orders/{order['id']}/confirm", customer).status_code == 200
    return order["total"] - order["total"] * 15 // 100


def test_a_payout_pays_only_what_was_earned_before_the_days_cutoff_however_often_it_runs(api):
    """T+1 by calendar day: money earned today waits for tomorrow's batch even when today's
    batch has already run (a payout booked after the cut-off is not earnings after it)."""
    customer, tech = api.register("customer"), api.register("technician")
    yesterday = _completed(api, customer, tech)
    api.app.state.clock.advance(days=1)
    finance = api.staff("finance")
    relogin(api, tech)
    relogin(api, customer)
    r = api.post("/ops/payouts/run", finance)
    assert r.json()["lines"] == [{"technician_id": tech["user"]["id"], "amount": yesterday}]

    today = _completed(api, customer, tech)  # after today's batch
    for _again in range(2):
        assert api.post("/ops/payouts/run", finance).json()["lines_count"] == 0
    earnings = api.get("/technician/earnings", tech).json()
    assert earnings["balance"] == today and earnings["available"] == 0
    r = api.post(
        "/technician/withdrawals", tech, json={"amount": today, "bank_account": "6222 0000 1234"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_balance"

    api.app.state.clock.advance(days=1)
    finance = api.staff("finance")
    relogin(api, tech)
    r = api.post("/ops/payouts/run", finance)
    assert r.json()["lines"] == [{"technician_id": tech["user"]["id"], "amount": today}]
    assert trial(api, finance).get(f"payable:technician:{tech['user']['id']}", 0) == 0
