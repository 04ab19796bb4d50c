"""Technicians' money going out: payout batches (run by finance, or daily on the T+n
schedule whose background loop the app starts), withdrawals to a bank account, and the
earnings statement. What may go out is what matured before the day's cut-off."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import User
from server.catalog.models import Service
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, Unprocessable
from server.core.ids import new_id
from server.core.money import Money
from server.core.uow import UnitOfWork
from server.orders.models import Order
from server.payments import ledger
from server.payments.common import current_rules
from server.payments.journal import balance, post
from server.payments.models import (
    JournalEntry,
    JournalLine,
    LedgerAccount,
    PayoutBatch,
    PayoutLine,
    Withdrawal,
)

log = logging.getLogger("doorstep.payments")


def _matured(session: Session, technician_id: str, cutoff: datetime) -> Money:
    """What a technician may take out now: their balance, less what they earned after the
    cut-off (T+1: money earned today is paid tomorrow). Only earnings count as "after":
    money that left after the cut-off (an earlier batch today, a withdrawal, a clawback)
    has already lowered the balance."""
    account = ledger.payable(technician_id)
    current = balance(session, account)
    earned_after = (
        session.execute(
            select(func.sum(JournalLine.amount)).where(
                JournalLine.account == account,
                JournalLine.created_at > cutoff,
                JournalLine.amount < 0,
            )
        ).scalar_one_or_none()
        or 0
    )  # credits: owed to them
    return max(0, current - ledger.natural(account, int(earned_after)))


def payout_cutoff(uow: UnitOfWork, *, now: datetime, timezone: str) -> datetime:
    """Today's cut-off in the city's calendar (T+n): the same instant for every batch,
    withdrawal and "available" figure of the day, however often they run."""
    local_day = now.astimezone(ZoneInfo(timezone)).date()
    return scheduled_cutoff(
        local_day=local_day,
        timezone=timezone,
        delay_days=current_rules(uow).payments.payout_delay_days,
        now=now,
    )


def run_payouts(
    uow: UnitOfWork,
    *,
    user: User | None,
    timezone: str,
    cutoff: datetime | None = None,
    scheduled_for: date | None = None,
) -> PayoutBatch:
    """One batch, one line per technician with a balance matured by ``cutoff`` (default:
    today's T+n cut-off)."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    if cutoff is None:
        cutoff = payout_cutoff(uow, now=now, timezone=timezone)
    batch = PayoutBatch(
        id=new_id("pob"),
        cutoff=cutoff,
        total=0,
        lines_count=0,
        created_by=user.id if user else None,
        created_at=now,
        scheduled_for=scheduled_for,
    )
    session.add(batch)
    session.flush()
    accounts = session.exec(
        select(LedgerAccount)
        .where(col(LedgerAccount.code).startswith("payable:technician:"), LedgerAccount.balance < 0)
        .order_by(col(LedgerAccount.code))
    ).all()
    for account in accounts:
        technician_id = account.code.split(":", 2)[2]
        amount = _matured(session, technician_id, cutoff)
        if amount <= 0:
            continue
        row = post(
            uow,
            kind="payout",
            dedupe_key=f"payout:{batch.id}:{technician_id}",
            memo=f"payout batch {batch.id}",
            lines=ledger.payout(technician_id=technician_id, amount=amount),
        )
        session.add(
            PayoutLine(
                id=new_id("pol"),
                batch_id=batch.id,
                technician_id=technician_id,
                amount=amount,
                entry_id=row.id if row else "",
                created_at=now,
            )
        )
        batch.total += amount
        batch.lines_count += 1
    session.add(batch)
    uow.flush()
    return batch


def scheduled_cutoff(*, local_day: date, timezone: str, delay_days: int, now: datetime) -> datetime:
    """T+n by calendar day: the batch of local day D pays what was booked before local
    midnight starting day D-(n-1), i.e. everything earned up to the end of day D-n.
    T+0 pays everything up to now."""
    if delay_days <= 0:
        return now
    first_unpaid_day = local_day - timedelta(days=delay_days - 1)
    return datetime.combine(first_unpaid_day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def run_scheduled_payouts(uow: UnitOfWork, *, timezone: str) -> PayoutBatch | None:
    """One iteration of the payout schedule: once the city's local time has passed
    ``payments.payout_time``, run that day's T+n batch, once per local day. The day's
    batch row (``scheduled_for``, unique) is the state: a second run the same day, by
    this worker or another, a restart or a clock that never moved, books nothing. A
    server down at the set time catches up when it comes back the same day; a missed
    day is covered by the next day's batch, which pays everything matured. Returns the
    batch it ran, or None."""
    session = uow.session
    clock = uow.clock
    rules = current_rules(uow).payments
    if not rules.payout_schedule_enabled:
        return None
    now = clock.now()
    local = now.astimezone(ZoneInfo(timezone))
    hour, minute = (int(part) for part in rules.payout_time.split(":"))
    if local.time() < time(hour, minute):
        return None
    today = local.date()
    done = select(PayoutBatch.id).where(PayoutBatch.scheduled_for == today)
    if session.exec(done).first() is not None:
        uow.undo()  # end the read transaction
        return None
    cutoff = scheduled_cutoff(
        local_day=today, timezone=timezone, delay_days=rules.payout_delay_days, now=now
    )
    try:
        return run_payouts(uow, user=None, timezone=timezone, cutoff=cutoff, scheduled_for=today)
    except IntegrityError:  # another worker ran today's batch at the same moment
        uow.undo()
        return None
    except AppError as exc:  # e.g. a withdrawal took the balance meanwhile: next round retries
        uow.undo()
        log.info("scheduled payouts skipped: %s", exc.code)
        return None


def scheduled_payouts_once(app) -> str | None:  # noqa: ANN001
    """The payout job: the day's batch once it is due (checked every 30 s)."""
    with UnitOfWork.begin(app.state) as uow:
        batch = run_scheduled_payouts(uow, timezone=app.state.settings.timezone)
        if batch is None:
            return None
        log.info("scheduled payouts %s: %s lines, %s fen", batch.id, batch.lines_count, batch.total)
        return batch.id


def batch_lines(uow: UnitOfWork, *, batch_id: str) -> list[PayoutLine]:
    session = uow.session
    return list(
        session.exec(
            select(PayoutLine)
            .where(PayoutLine.batch_id == batch_id)
            .order_by(col(PayoutLine.technician_id))
        ).all()
    )


def list_batches(uow: UnitOfWork, *, limit: int = 50) -> list[PayoutBatch]:
    session = uow.session
    return list(
        session.exec(
            select(PayoutBatch).order_by(col(PayoutBatch.created_at).desc()).limit(limit)
        ).all()
    )


def request_withdrawal(
    uow: UnitOfWork,
    *,
    technician: User,
    amount: Money,
    bank_account: str,
    timezone: str,
) -> Withdrawal:  # noqa: ANN001
    """Withdraw a matured balance to a bank account (at least the minimum)."""
    session = uow.session
    clock = uow.clock
    cipher = uow.cipher
    rules = current_rules(uow).payments
    if amount < rules.min_withdrawal:
        raise Unprocessable(
            "below the minimum withdrawal",
            code="withdrawal_below_minimum",
            details={"min_withdrawal": rules.min_withdrawal},
        )
    cutoff = payout_cutoff(uow, now=clock.now(), timezone=timezone)
    available = _matured(session, technician.id, cutoff)
    if amount > available:
        raise Conflict(
            "not enough available balance",
            code="insufficient_balance",
            details={"available": available},
        )
    digits = bank_account.replace(" ", "")
    withdrawal_id = new_id("wdr")
    row = post(
        uow,
        kind="withdrawal",
        dedupe_key=f"withdrawal:{withdrawal_id}",
        memo="withdrawal to bank",
        lines=ledger.payout(technician_id=technician.id, amount=amount),
    )
    withdrawal = Withdrawal(
        id=withdrawal_id,
        technician_id=technician.id,
        amount=amount,
        bank_account_enc=cipher.encrypt(digits),
        bank_account_masked=f"**** {digits[-4:]}",
        entry_id=row.id if row else "",
        created_at=clock.now(),
    )
    session.add(withdrawal)
    return withdrawal


def earnings(
    uow: UnitOfWork,
    *,
    technician: User,
    start: datetime,
    end: datetime,
    timezone: str,
) -> dict[str, Any]:
    """Per order and per period: what was earned, paid out, and what is available."""
    session = uow.session
    clock = uow.clock
    account = ledger.payable(technician.id)
    rows = session.execute(
        # SQLAlchemy's select: SQLModel's is typed for at most four columns
        sa_select(
            col(JournalLine.amount),
            col(JournalLine.order_id),
            col(JournalLine.created_at),
            col(JournalEntry.kind),
            col(JournalEntry.memo),
            col(Service.name_zh),
        )
        .join(JournalEntry, col(JournalEntry.id) == col(JournalLine.entry_id))
        # the job's service names the line (an order-less line, e.g. a payout, has none)
        .outerjoin(Order, col(Order.id) == col(JournalLine.order_id))
        .outerjoin(Service, col(Service.id) == col(Order.service_id))
        .where(
            col(JournalLine.account) == account,
            col(JournalLine.created_at) >= start,
            col(JournalLine.created_at) < end,
        )
        .order_by(col(JournalLine.created_at), col(JournalLine.id))
    ).all()
    lines = [
        {
            "order_id": order_id,
            "kind": kind,
            "amount": -amount,
            "at": at,
            "memo": memo,
            "service_name_zh": service_name,
        }
        for amount, order_id, at, kind, memo, service_name in rows
    ]
    out_kinds = ("payout", "withdrawal")
    earned = sum(ln["amount"] for ln in lines if ln["kind"] not in out_kinds)
    paid_out = -sum(ln["amount"] for ln in lines if ln["kind"] in out_kinds)
    cutoff = payout_cutoff(uow, now=clock.now(), timezone=timezone)
    payouts: list[dict[str, Any]] = [
        {"kind": "payout", "id": p.batch_id, "amount": p.amount, "at": p.created_at}
        for p in session.exec(
            select(PayoutLine)
            .where(PayoutLine.technician_id == technician.id)
            .order_by(col(PayoutLine.created_at).desc())
            .limit(100)
        ).all()
    ]
    payouts += [
        {
            "kind": "withdrawal",
            "id": w.id,
            "amount": w.amount,
            "at": w.created_at,
            "bank_account": w.bank_account_masked,
        }
        for w in session.exec(
            select(Withdrawal)
            .where(Withdrawal.technician_id == technician.id)
            .order_by(col(Withdrawal.created_at).desc())
            .limit(100)
        ).all()
    ]
    payouts.sort(key=lambda p: as_utc(p["at"]), reverse=True)
    return {
        "technician_id": technician.id,
        "period_from": start,
        "period_to": end,
        "earned": earned,
        "paid_out": paid_out,
        "balance": balance(session, account),
        "available": _matured(session, technician.id, cutoff),
        "lines": lines,
        "payouts": payouts,
    }
