"""Technicians' deposits (保证金): what each must hold by the rule, what the ledger holds for
him, its history, top-ups through the payment providers, deductions for failed checks, and
which technicians dispatch caps.

The money is the ledger's account ``deposit:technician:<id>`` (a top-up books it in the
payment's webhook, a deduction here, and a return of what it holds above the requirement
moves that to his payable, paid out with his earnings). The rule's standing (raised or
not, and the figures behind it) is reassessed when something it counts changes: an order
of his completed or disputed, a complaint resolved or appealed, and hourly as the window
slides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.events import Moved, Status
from server.core.ids import new_id
from server.core.masking import mask_contacts
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import queries as order_queries
from server.payments import ledger
from server.payments import service as payments_service
from server.payments.models import Payment, PaymentCreate
from server.quality import deposit_rule as rule
from server.quality.models import (
    DepositMovementRead,
    DepositRead,
    DepositReturnIn,
    DepositSummaryRead,
    DepositTopUpIn,
    QualityCheck,
    ReassessRead,
    TechnicianDeposit,
)
from server.reviews import service as reviews_service
from server.rules import store as rules_store
from server.rules.quality import DepositRules

FINISHED = (Status.COMPLETED.value, Status.DISPUTED.value)
MOVEMENT_KINDS = {
    "deposit": "top_up",
    "deposit_deduction": "deduction",
    "deposit_return": "return",
}


def _rules(uow: UnitOfWork) -> DepositRules:
    return rules_store.current_rules(uow).quality.deposit


def held(uow: UnitOfWork, technician_id: str) -> int:
    return payments_service.balance(uow.session, ledger.deposit(technician_id))


# --- the standing ------------------------------------------------------------------------


def reassess(uow: UnitOfWork, technician_ids: Iterable[str] | None = None) -> ReassessRead:
    """Apply the rule to the technicians named (None: everyone it may concern) and keep
    what changed; a technician whose requirement rises or falls is told."""
    session = uow.session
    now = uow.clock.now()
    rules = _rules(uow)
    since = now - timedelta(days=rules.complaint_window_days)
    wanted = None if technician_ids is None else set(technician_ids)
    named = None if wanted is None else sorted(wanted)
    complaints = reviews_service.complaints_by_technician(session, since, named)
    finished = order_queries.finished_counts(session, FINISHED, since, named)
    stmt = select(TechnicianDeposit)
    if wanted is not None:
        stmt = stmt.where(col(TechnicianDeposit.technician_id).in_(sorted(wanted)))
    rows = {r.technician_id: r for r in session.exec(stmt).all()}
    who = wanted if wanted is not None else set(complaints) | set(finished) | set(rows)
    raised, lowered = [], []
    for tid in sorted(who):
        st = rule.standing(
            complaints.get(tid, 0),
            finished.get(tid, 0),
            raise_above_bp=rules.raise_above_bp,
            min_orders=rules.min_orders,
        )
        row = rows.get(tid)
        if row is None:
            if not st.raised and not st.orders and not st.complaints:
                continue  # nothing to keep: the base deposit applies
            row = TechnicianDeposit(technician_id=tid, assessed_at=now)
        was = row.raised
        figures = (st.complaints, st.orders, st.rate_bp, st.raised)
        if tid in rows and figures == (row.complaints, row.orders, row.rate_bp, row.raised):
            continue
        row.complaints, row.orders, row.rate_bp, row.raised = figures
        row.assessed_at = now
        if st.raised and not was:
            row.raised_at = now
            raised.append(tid)
        elif was and not st.raised:
            row.raised_at = None
            lowered.append(tid)
        session.add(row)
    session.flush()
    for tid in raised:
        _tell(uow, tid, raised=True, rules=rules)
    for tid in lowered:
        _tell(uow, tid, raised=False, rules=rules)
    return ReassessRead(assessed=len(who), raised=raised, lowered=lowered)


def _tell(uow: UnitOfWork, technician_id: str, *, raised: bool, rules: DepositRules) -> None:
    row = uow.session.get(TechnicianDeposit, technician_id)
    rate = f"{(row.rate_bp or 0) / 100:.1f}%" if row is not None else ""
    if raised:
        cap = rules_store.current_rules(uow).ops.risk.restricted_daily_order_cap
        title = "保证金要求已提高 / Deposit requirement raised"
        limit = f"{rules.raise_above_bp / 100:.0f}%"
        body = (
            f"近{rules.complaint_window_days}天投诉率 {rate} 超过 {limit}，"
            f"保证金要求提高至 ¥{rules.raised_fen / 100:.2f}；补足前每日接单上限 {cap} 单。"
        )
    else:
        title = "保证金要求已恢复 / Deposit requirement back to normal"
        body = f"投诉率已回落，保证金要求恢复为 ¥{rules.base_fen / 100:.2f}。"
    notifications.notify(
        uow,
        user_id=technician_id,
        kind="quality.deposit_raised" if raised else "quality.deposit_lowered",
        title=title,
        body=body,
        data={
            "required": rules.raised_fen if raised else rules.base_fen,
            "rate_bp": row.rate_bp if row else None,
        },
    )


def on_order_move(uow: UnitOfWork, moved: Moved) -> None:
    """An order of his finished or disputed (a complaint): his rate moved."""
    technician_id = moved.order.technician_id
    if moved.action is None or not technician_id or moved.to_status not in FINISHED:
        return
    reassess(uow, [technician_id])


def on_complaint_rate(uow: UnitOfWork, technician_id: str) -> None:
    """A complaint resolved or an appeal decided (the reviews domain's port)."""
    reassess(uow, [technician_id])


def reassess_once(app: Any) -> ReassessRead:  # noqa: ANN401
    """The hourly job: the window slides, old complaints and orders leave it."""
    with UnitOfWork.begin(app.state) as uow:
        return reassess(uow)


# --- reads -------------------------------------------------------------------------------


def deposit_read(uow: UnitOfWork, *, technician_id: str, history: bool = True) -> DepositRead:
    rules = _rules(uow)
    row = uow.session.get(TechnicianDeposit, technician_id)
    raised = bool(row and row.raised)
    required = rule.required(raised, base_fen=rules.base_fen, raised_fen=rules.raised_fen)
    have = held(uow, technician_id)
    capped = rule.capped(raised, required, have)
    cap = rules_store.current_rules(uow).ops.risk.restricted_daily_order_cap
    return DepositRead(
        technician_id=technician_id,
        required=required,
        held=have,
        shortfall=rule.shortfall(required, have),
        returnable=rule.returnable(required, have),
        raised=raised,
        capped=capped,
        daily_cap=cap if capped else None,
        base_required=rules.base_fen,
        raised_required=rules.raised_fen,
        complaint_window_days=rules.complaint_window_days,
        raise_above_bp=rules.raise_above_bp,
        min_orders=rules.min_orders,
        complaints=row.complaints if row else 0,
        orders=row.orders if row else 0,
        rate_bp=row.rate_bp if row else None,
        assessed_at=as_utc(row.assessed_at) if row else None,
        history=movements(uow, technician_id) if history else [],
    )


def movements(uow: UnitOfWork, technician_id: str) -> list[DepositMovementRead]:
    """The deposit's lines, newest first; a deduction names its check, the job and what
    the inspector found (contacts masked, as the technician reads complaints)."""
    lines = payments_service.account_lines(uow, account=ledger.deposit(technician_id))
    check_ids = [
        ln["dedupe_key"].split(":", 1)[1]
        for ln in lines
        if ln["kind"] == "deposit_deduction" and ln["dedupe_key"].startswith("quality:")
    ]
    checks = {
        c.id: c
        for c in uow.session.exec(
            select(QualityCheck).where(col(QualityCheck.id).in_(check_ids))
        ).all()
    }
    out = []
    for ln in lines:
        item = DepositMovementRead(
            entry_id=ln["entry_id"],
            kind=MOVEMENT_KINDS.get(ln["kind"], "other"),
            amount=ln["amount"],
            at=as_utc(ln["at"]),
            order_id=ln["order_id"],
        )
        check = checks.get(ln["dedupe_key"].split(":", 1)[-1])
        if check is not None:
            service = catalog_service.get_service(uow, service_id=check.service_id)
            found = uow.cipher.decrypt(check.findings_enc) if check.findings_enc else ""
            item.check_id = check.id
            item.service_name_zh, item.service_name_en = service.name_zh, service.name_en
            item.findings = mask_contacts(found).text
        out.append(item)
    return out


def summaries(
    uow: UnitOfWork, *, raised: bool | None = None, short: bool | None = None, limit: int = 200
) -> list[DepositSummaryRead]:
    """The operators' list: every technician with a standing or money in a deposit."""
    session = uow.session
    rows = {r.technician_id: r for r in session.exec(select(TechnicianDeposit)).all()}
    with_money = {
        ln_account.rsplit(":", 1)[1]
        for ln_account in payments_service.accounts_with_prefix(session, "deposit:technician:")
    }
    out = []
    for tid in sorted(set(rows) | with_money):
        d = deposit_read(uow, technician_id=tid, history=False)
        if raised is not None and d.raised != raised:
            continue
        if short is not None and (d.shortfall > 0) != short:
            continue
        user = session.get(User, tid)
        out.append(
            DepositSummaryRead(
                technician_id=tid,
                technician_name=user.name if user else "",
                **d.model_dump(
                    include={
                        "required",
                        "held",
                        "shortfall",
                        "returnable",
                        "raised",
                        "capped",
                        "rate_bp",
                        "complaints",
                        "orders",
                    }
                ),
            )
        )
        if len(out) >= limit:
            break
    return out


def technician_deposit_for_staff(uow: UnitOfWork, *, technician_id: str) -> DepositRead:
    user = uow.session.get(User, technician_id)
    if user is None or user.role != Role.technician.value:
        raise NotFound("technician not found", code="technician_not_found")
    return deposit_read(uow, technician_id=technician_id)


# --- money -------------------------------------------------------------------------------


def top_up(uow: UnitOfWork, *, user: User, body: DepositTopUpIn) -> Payment:
    """Open a payment for (part of) what is missing; the webhook books it."""
    d = deposit_read(uow, technician_id=user.id, history=False)
    try:
        amount = rule.top_up_amount(body.amount, d.shortfall)
    except rule.DepositError as exc:
        kind: type[AppError] = Conflict if exc.code == "deposit_complete" else Unprocessable
        raise kind(str(exc), code=exc.code, details=exc.details) from exc
    payment = PaymentCreate(
        provider=body.provider, method=body.method, amount=amount, confirm_large=body.confirm_large
    )
    return payments_service.create_deposit_payment(
        uow, technician_id=user.id, amount=amount, body=payment
    )


def return_excess(uow: UnitOfWork, *, user: User, body: DepositReturnIn) -> DepositRead:
    """He takes back (part of) what his deposit holds above what the rule requires now: it
    moves to his payable and goes out with his next payout. Not while a check of his is
    open: a failure would deduct from what he took back. The deposit's row stays locked
    until the commit, so two requests cannot both take the same excess."""
    tid = user.id
    have = payments_service.locked_balance(uow.session, ledger.deposit(tid))
    open_check = uow.session.exec(
        select(QualityCheck.id).where(
            QualityCheck.technician_id == tid, QualityCheck.status == "open"
        )
    ).first()
    if open_check is not None:
        raise Conflict(
            "a quality check of yours is still open; its outcome may take from the deposit",
            code="deposit_checks_open",
            details={"check_id": open_check},
        )
    d = deposit_read(uow, technician_id=tid, history=False)
    try:
        amount = rule.return_amount(body.amount, rule.returnable(d.required, have))
    except rule.DepositError as exc:
        kind: type[AppError] = Conflict if exc.code == "deposit_not_returnable" else Unprocessable
        raise kind(str(exc), code=exc.code, details=exc.details) from exc
    payments_service.post(
        uow,
        kind="deposit_return",
        dedupe_key=new_id("deposit_return"),
        memo=f"deposit above the requirement returned to {tid}",
        lines=ledger.deposit_return(technician_id=tid, amount=amount),
    )
    notifications.notify(
        uow,
        user_id=tid,
        kind="quality.deposit_returned",
        title="保证金已退还 / Deposit returned",
        body=f"已退还保证金 ¥{amount / 100:.2f}，将随下次结算打到您的收款账户。",
        data={"amount": amount},
    )
    return deposit_read(uow, technician_id=tid)


def deduct_for_check(uow: UnitOfWork, check: QualityCheck) -> int:
    """A failed check takes the rule's amount from his deposit (once per check); what it
    takes beyond what is held, he owes."""
    amount = _rules(uow).failed_check_deduction_fen
    if amount <= 0:
        return 0
    payments_service.post(
        uow,
        kind="deposit_deduction",
        dedupe_key=f"quality:{check.id}",
        order_id=check.order_id,
        memo=f"spot check {check.id} failed",
        lines=ledger.deposit_deduction(technician_id=check.technician_id, amount=amount),
    )
    return amount


def capped_technicians(uow: UnitOfWork, technician_ids: list[str]) -> frozenset[str]:
    """Dispatch's port: of these technicians, those the raised deposit caps (required and
    not held). Few are ever raised, so the raised ones are read first."""
    session = uow.session
    raised = set(
        session.exec(
            select(TechnicianDeposit.technician_id).where(col(TechnicianDeposit.raised).is_(True))
        ).all()
    ) & set(technician_ids)
    if not raised:
        return frozenset()
    required = _rules(uow).raised_fen
    held_by = payments_service.balances(session, [ledger.deposit(t) for t in sorted(raised)])
    return frozenset(t for t in raised if rule.capped(True, required, held_by[ledger.deposit(t)]))
