"""Booking the double-entry ledger: ``post`` writes one balanced journal entry (once per
dedupe key) and keeps the accounts' running balances; the reads give an account's balance,
the trial balance and an order's entries. Which accounts an entry moves, and with which
signs, is the pure core, ``server.payments.ledger``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.core.db import insert_if_absent
from server.core.errors import Conflict
from server.core.ids import new_id
from server.core.money import Money
from server.core.uow import UnitOfWork
from server.payments import ledger
from server.payments.models import JournalEntry, JournalLine, LedgerAccount


def post(
    uow: UnitOfWork,
    *,
    kind: str,
    dedupe_key: str,
    lines: tuple[ledger.Posting, ...],
    order_id: str | None = None,
    memo: str = "",
    reverses_id: str | None = None,
) -> JournalEntry | None:
    """Book one balanced entry (once per ``dedupe_key``; None if already booked) and
    keep the running balances; a guarded account going negative refuses the whole entry."""
    ledger.check_balanced(lines)
    if not lines:
        return None
    session = uow.session
    if session.exec(select(JournalEntry.id).where(JournalEntry.dedupe_key == dedupe_key)).first():
        return None
    now = uow.clock.now()
    row = JournalEntry(
        id=new_id("jnl"),
        kind=kind,
        dedupe_key=dedupe_key,
        order_id=order_id,
        memo=memo[:200],
        reverses_id=reverses_id,
        created_at=now,
    )
    session.add(row)
    new_accounts = {p.account for p in lines if session.get(LedgerAccount, p.account) is None}
    insert_if_absent(
        session,
        inspect(LedgerAccount).local_table,
        [  # two first postings may race
            {"code": code, "normal": ledger.normal_side(code), "balance": 0}
            for code in sorted(new_accounts)
        ],
    )
    for posting in lines:
        session.add(
            JournalLine(
                entry_id=row.id,
                account=posting.account,
                amount=posting.amount,
                order_id=order_id,
                created_at=now,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("this was booked meanwhile; retry", code="conflict") from exc
    # Balances are updated (and so their rows locked) in one order, the accounts' codes:
    # two entries touching the same accounts queue behind each other, never deadlock.
    for account, amount in ledger.net_by_account(lines):
        session.execute(
            update(LedgerAccount)
            .where(col(LedgerAccount.code) == account)
            .values(balance=LedgerAccount.balance + amount)
        )
        if ledger.is_guarded(account):
            balance = session.execute(
                select(LedgerAccount.balance).where(LedgerAccount.code == account)
            ).scalar_one()
            if ledger.natural(account, balance) < 0:
                raise Conflict(
                    "not enough money in the account for this",
                    code="insufficient_funds",
                    details={"account": account.split(":")[0]},
                )
    return row


def balance(session: Session, account: str) -> Money:
    """The account's balance on its normal side (what it holds / what is owed)."""
    value = session.execute(
        select(LedgerAccount.balance).where(LedgerAccount.code == account)
    ).scalar_one_or_none()
    return ledger.natural(account, value or 0)


def locked_balance(session: Session, account: str) -> Money:
    """The balance with the account's row locked until the transaction ends: money taken
    out on what it holds (a deposit returned) is not taken twice by two requests."""
    session.exec(
        select(LedgerAccount).where(LedgerAccount.code == account).with_for_update()
    ).first()
    return balance(session, account)


def trial_balance(uow: UnitOfWork) -> dict[str, Any]:
    """From the journal lines themselves (the source of truth), not the running balances."""
    session = uow.session
    rows = session.execute(
        select(JournalLine.account, func.sum(JournalLine.amount)).group_by(JournalLine.account)
    ).all()
    return ledger.trial_balance({account: int(total or 0) for account, total in rows})


def entries_for_order(uow: UnitOfWork, *, order_id: str) -> list[dict[str, Any]]:
    session = uow.session
    entries = session.exec(
        select(JournalEntry)
        .where(JournalEntry.order_id == order_id)
        .order_by(col(JournalEntry.created_at), col(JournalEntry.id))
    ).all()
    out = []
    for e in entries:
        lines = session.exec(
            select(JournalLine).where(JournalLine.entry_id == e.id).order_by(col(JournalLine.id))
        ).all()
        out.append(
            {
                "id": e.id,
                "kind": e.kind,
                "order_id": e.order_id,
                "memo": e.memo,
                "reverses_id": e.reverses_id,
                "created_at": e.created_at,
                "lines": [{"account": ln.account, "amount": ln.amount} for ln in lines],
            }
        )
    return out


def balances(session: Session, accounts: list[str]) -> dict[str, Money]:
    """Several accounts' balances on their normal side (an account never booked: 0)."""
    if not accounts:
        return {}
    rows = session.execute(
        select(LedgerAccount.code, LedgerAccount.balance).where(
            col(LedgerAccount.code).in_(accounts)
        )
    ).all()
    found = {code: ledger.natural(code, int(bal)) for code, bal in rows}
    return {a: found.get(a, 0) for a in accounts}


def account_lines(uow: UnitOfWork, *, account: str, limit: int = 200) -> list[dict[str, Any]]:
    """What moved one account, newest first: each line with its entry's kind, key, order
    and time (a technician's deposit history reads this)."""
    rows = uow.session.execute(
        sa_select(  # SQLAlchemy's: SQLModel's select is typed for at most four columns
            col(JournalEntry.id),
            col(JournalEntry.kind),
            col(JournalEntry.dedupe_key),
            col(JournalEntry.order_id),
            col(JournalLine.amount),
            col(JournalEntry.created_at),
        )
        .select_from(JournalLine)
        .join(JournalEntry, col(JournalEntry.id) == col(JournalLine.entry_id))
        .where(col(JournalLine.account) == account)
        .order_by(col(JournalEntry.created_at).desc(), col(JournalLine.id).desc())
        .limit(limit)
    ).all()
    return [
        {
            "entry_id": entry_id,
            "kind": kind,
            "dedupe_key": key,
            "order_id": order_id,
            "amount": ledger.natural(account, int(amount)),
            "at": at,
        }
        for entry_id, kind, key, order_id, amount, at in rows
    ]


def accounts_with_prefix(session: Session, prefix: str) -> list[str]:
    """The accounts booked so far whose code starts with ``prefix`` (every deposit)."""
    return list(
        session.exec(
            select(LedgerAccount.code)
            .where(col(LedgerAccount.code).startswith(prefix))
            .order_by(col(LedgerAccount.code))
        ).all()
    )
