"""Money: payments through providers, escrow, the split, cancellations, refunds,
payouts and invoices, all booked in the double-entry ledger.

Order moves reach this module through ``money_on_move`` (wired in ``server.bootstrap``),
inside the move's transaction: a succeeded payment and the order's PAYMENT_SUCCEEDED move commit
together, a confirmation and its split commit together, a cancellation and its fee and
refund commit together. Helpers never commit; the use-case functions at the bottom of
each section do, once. The functions the complaints flow calls (``freeze_escrow``,
``unfreeze_escrow``, ``refund``, ``compensate_technician``) never commit: their caller
owns the transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.clock import Clock, as_utc
from server.core.db import insert_if_absent
from server.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from server.core.events import Moved
from server.core.ids import new_id
from server.core.money import Money, apply_bp, round_half_up
from server.core.settings import Settings, get_settings
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import Order
from server.payments import ledger, policy
from server.payments.models import (
    CancellationQuoteRead,
    Escrow,
    EscrowRead,
    Invoice,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PaymentCreate,
    PaymentRead,
    PayoutBatch,
    PayoutLine,
    Refund,
    WebhookEvent,
    Withdrawal,
)
from server.payments.providers import PaymentProvider, ProviderError, SandboxProvider, provider_for
from server.rules import store as rules_store

log = logging.getLogger("doorstep.payments")
SYSTEM = Actor(ActorKind.SYSTEM)


def _rules(session: Session):  # noqa: ANN202

    return rules_store.current_rules(session=session)


def _provider(name: str, settings: Settings | None = None) -> PaymentProvider:
    try:
        return provider_for(name, settings or get_settings())
    except ProviderError as exc:
        raise AppError(
            str(exc), code=exc.code, status_code=exc.status_code, details={"provider": name}
        ) from exc


# --- the ledger --------------------------------------------------------------------------


def post(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    lines: tuple[ledger.Posting, ...],
    clock: Clock,
    order_id: str | None = None,
    memo: str = "",
    reverses_id: str | None = None,
) -> JournalEntry | None:
    """Book one balanced entry (once per ``dedupe_key``; None if already booked) and
    keep the running balances; a guarded account going negative refuses the whole entry."""
    ledger.check_balanced(lines)
    if not lines:
        return None
    if session.exec(select(JournalEntry.id).where(JournalEntry.dedupe_key == dedupe_key)).first():
        return None
    now = clock.now()
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
        LedgerAccount.__table__,
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


def trial_balance(*, session: Session) -> dict[str, Any]:
    """From the journal lines themselves (the source of truth), not the running balances."""
    rows = session.execute(
        select(JournalLine.account, func.sum(JournalLine.amount)).group_by(JournalLine.account)
    ).all()
    return ledger.trial_balance({account: int(total or 0) for account, total in rows})


def entries_for_order(*, session: Session, order_id: str) -> list[dict[str, Any]]:
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


# --- escrow ------------------------------------------------------------------------------


def _escrow(session: Session, order: Order) -> Escrow:
    esc = session.get(Escrow, order.id)
    if esc is None:
        esc = Escrow(order_id=order.id, customer_id=order.customer_id)
        session.add(esc)
        session.flush()
    return esc


def held(session: Session, order_id: str) -> Money:
    return balance(session, ledger.escrow(order_id))


def extras_paid(session: Session, order_id: str) -> Money:
    esc = session.get(Escrow, order_id)
    return esc.extras_paid if esc else 0


def paid_amount(*, session: Session, order_id: str) -> Money:
    """What the customer paid for the order, net of refunds."""
    esc = session.get(Escrow, order_id)
    return (esc.paid - esc.refunded) if esc else 0


def escrow_state(*, session: Session, order_id: str) -> dict[str, Any]:
    esc = session.get(Escrow, order_id)
    if esc is None:
        return EscrowRead(
            order_id=order_id,
            state="none",
            frozen=False,
            frozen_reason=None,
            paid=0,
            extras_paid=0,
            held=0,
            refunded=0,
            technician_share=0,
            platform_share=0,
            cancellation_fee=0,
            clawed_back=0,
        ).model_dump()
    return EscrowRead(
        order_id=order_id,
        state=esc.state,
        frozen=esc.frozen,
        frozen_reason=esc.frozen_reason,
        paid=esc.paid,
        extras_paid=esc.extras_paid,
        held=held(session, order_id),
        refunded=esc.refunded,
        technician_share=esc.technician_share,
        platform_share=esc.platform_share,
        cancellation_fee=esc.cancellation_fee,
        clawed_back=esc.clawed_back,
    ).model_dump()


def _technician_level(session: Session, technician_id: str | None) -> str | None:
    if not technician_id:
        return None
    from server.technicians import service as technicians_service

    try:
        return technicians_service.get_profile(session=session, user_id=technician_id).level
    except NotFound:
        return None


def _gross(order: Order) -> Money:
    """The undiscounted price of the order and its approved extras."""
    lines = order.price_snapshot.get("lines", [])
    return (
        sum(int(line["amount"]) for line in lines if int(line["amount"]) > 0) + order.extras_total
    )


def _release(session: Session, order: Order, esc: Escrow, clock: Clock) -> None:
    """Book the split of a confirmed order: technician share to their payable, the rest
    to the platform (a promotion cost when discounts exceed the commission)."""
    if esc.frozen or esc.state != "open":
        return
    from server.pricing import service as pricing_service

    amount = held(session, order.id)
    card_value = pricing_service.card_value_for_order(session=session, order_id=order.id)
    technician_id = order.technician_id
    share = 0
    # A coupon (or points) that made the order free leaves nothing held, but the work was
    # done: the technician's share of the gross is then wholly a promotion cost. Nothing
    # held after a payment means it was refunded: no share.
    fully_discounted = esc.paid + card_value == 0 and _gross(order) > 0
    if technician_id and (amount + card_value > 0 or fully_discounted):
        rules = _rules(session).payments
        commission = policy.commission_bp(rules, _technician_level(session, technician_id))
        share = policy.technician_share(
            gross=_gross(order),
            paid=esc.paid + card_value,
            held=amount + card_value,
            commission=commission,
        )
        post(
            session,
            kind="split",
            dedupe_key=f"split:{order.id}",
            order_id=order.id,
            clock=clock,
            memo=f"split {10000 - commission}/{commission} bp",
            lines=ledger.split(
                order_id=order.id,
                technician_id=technician_id,
                held=amount,
                technician_share=share,
                card_value=card_value,
            ),
        )
    esc.state = "released"
    esc.technician_id = technician_id
    esc.technician_share = share
    esc.platform_share = amount + card_value - share
    esc.released_at = clock.now()
    esc.awaiting_since = None
    esc.version += 1
    session.add(esc)


def freeze_escrow(*, session: Session, order_id: str, reason: str, clock: Clock) -> dict[str, Any]:
    """A complaint holds the order's money until support resolves it. After the split,
    the technician's share still unpaid is held again (clawed back into escrow)."""
    order = orders_service.get(session=session, order_id=order_id)
    esc = _escrow(session, order)
    if esc.frozen:
        return escrow_state(session=session, order_id=order_id)
    if esc.state == "released" and esc.technician_id and esc.technician_share:
        amount = min(esc.technician_share, balance(session, ledger.payable(esc.technician_id)))
        if amount > 0:
            post(
                session,
                kind="freeze",
                dedupe_key=f"freeze:{order_id}:{esc.version}",
                order_id=order_id,
                clock=clock,
                memo=reason,
                lines=ledger.claw_back(
                    order_id=order_id, technician_id=esc.technician_id, amount=amount
                ),
            )
            esc.clawed_back = amount
    esc.frozen = True
    esc.frozen_reason = reason[:300]
    esc.frozen_at = clock.now()
    esc.version += 1
    session.add(esc)
    return escrow_state(session=session, order_id=order_id)


def unfreeze_escrow(*, session: Session, order_id: str, clock: Clock) -> dict[str, Any]:
    """Support resolved the complaint: what was held again goes back to the technician
    (less any refund taken from it); a confirmed order still open is split now."""
    order = orders_service.get(session=session, order_id=order_id)
    esc = _escrow(session, order)
    if not esc.frozen:
        return escrow_state(session=session, order_id=order_id)
    esc.frozen = False
    esc.version += 1
    if esc.clawed_back and esc.technician_id:
        amount = min(esc.clawed_back, held(session, order_id))
        if amount > 0:
            post(
                session,
                kind="unfreeze",
                dedupe_key=f"unfreeze:{order_id}:{esc.version}",
                order_id=order_id,
                clock=clock,
                memo="complaint resolved",
                lines=ledger.reversal(
                    ledger.claw_back(
                        order_id=order_id, technician_id=esc.technician_id, amount=amount
                    )
                ),
            )
        esc.clawed_back = 0
    session.add(esc)
    if order.status == Status.COMPLETED.value and esc.state == "open":
        _release(session, order, esc, clock)
    return escrow_state(session=session, order_id=order_id)


def _refund_through_providers(
    session: Session, order_id: str, amount: Money, reason: str, clock: Clock
) -> dict[str, Money]:
    """Send ``amount`` back through the payments it came from (latest first)."""
    payments = session.exec(
        select(Payment)
        .where(Payment.order_id == order_id, Payment.status == "succeeded")
        .order_by(col(Payment.succeeded_at).desc(), col(Payment.id).desc())
    ).all()
    left = amount
    by_provider: dict[str, Money] = {}
    for payment in payments:
        if left <= 0:
            break
        part = min(left, payment.amount - payment.refunded)
        if part <= 0:
            continue
        provider = _provider(payment.provider)
        try:
            result = provider.refund(
                session=session,
                provider_ref=payment.provider_ref or "",
                amount=part,
                now=clock.now(),
            )
        except ProviderError as exc:
            raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
        payment.refunded += part
        payment.updated_at = clock.now()
        session.add(payment)
        session.add(
            Refund(
                id=new_id("rfd"),
                order_id=order_id,
                payment_id=payment.id,
                amount=part,
                reason=reason[:200],
                status=result.status,
                provider_ref=result.provider_ref,
                created_at=clock.now(),
            )
        )
        by_provider[payment.provider] = by_provider.get(payment.provider, 0) + part
        left -= part
    if left:
        raise Conflict(
            "a refund larger than what was paid",
            code="refund_exceeds_payment",
            details={"refundable": amount - left},
        )
    return by_provider


def refund(
    *, session: Session, order_id: str, amount: Money, reason: str, clock: Clock
) -> dict[str, Any]:
    """Refund part or all of what the customer paid, through the provider and the
    ledger; never more than was paid. Taken from what the order still holds first, the
    platform pays the rest."""
    order = orders_service.get(session=session, order_id=order_id)
    esc = _escrow(session, order)
    if amount <= 0:
        raise Unprocessable("a refund must be positive", code="refund_invalid")
    refundable = esc.paid - esc.refunded
    if amount > refundable:
        raise Conflict(
            "a refund larger than what was paid",
            code="refund_exceeds_payment",
            details={"refundable": refundable, "requested": amount},
        )
    from_escrow = min(amount, held(session, order_id))
    by_provider = _refund_through_providers(session, order_id, amount, reason, clock)
    post(
        session,
        kind="refund",
        dedupe_key=f"refund:{order_id}:{esc.refunded}:{amount}:{new_id('r')}",
        order_id=order_id,
        clock=clock,
        memo=reason,
        lines=ledger.refund(order_id=order_id, refunds=by_provider, from_escrow=from_escrow),
    )
    esc.refunded += amount
    esc.clawed_back = max(0, min(esc.clawed_back, held(session, order_id)))
    esc.version += 1
    session.add(esc)
    orders_service.record(
        session=session,
        order=order,
        event_type="order.refunded",
        payload={"amount": amount, "reason": reason},
        actor_id=None,
        actor_role="system",
        clock=clock,
    )
    return escrow_state(session=session, order_id=order_id)


def compensate_technician(
    *,
    session: Session,
    order_id: str,
    amount: Money,
    reason: str,
    clock: Clock,
    technician_id: str | None = None,
) -> dict[str, Any]:
    """Platform-funded money to the order's technician (transfer compensation, goodwill)."""
    order = orders_service.get(session=session, order_id=order_id)
    technician_id = technician_id or order.technician_id
    if not technician_id:
        raise Conflict("the order has no technician to compensate", code="no_technician")
    if amount <= 0:
        raise Unprocessable("compensation must be positive", code="compensation_invalid")
    post(
        session,
        kind="compensation",
        dedupe_key=f"compensation:{order_id}:{new_id('c')}",
        order_id=order_id,
        clock=clock,
        memo=reason,
        lines=ledger.compensation(technician_id=technician_id, amount=amount),
    )
    return {"order_id": order_id, "technician_id": technician_id, "amount": amount}


# --- payments ------------------------------------------------------------------------------


def to_read(payment: Payment) -> PaymentRead:
    return PaymentRead(
        payment_id=payment.id,
        purpose=payment.purpose,
        order_id=payment.order_id,
        card_id=payment.card_id,
        provider=payment.provider,
        method=payment.method,
        amount=payment.amount,
        refunded=payment.refunded,
        currency=payment.currency,
        status=payment.status,
        checkout=payment.checkout,
        created_at=payment.created_at,
        succeeded_at=payment.succeeded_at,
    )


def _open_payment(
    session: Session,
    *,
    purpose: str,
    order_id: str | None,
    card_id: str | None,
    customer_id: str,
    amount: Money,
    body: PaymentCreate,
    clock: Clock,
    settings: Settings,
) -> Payment:
    rules = _rules(session).payments
    if body.method not in rules.payment_methods:
        raise Unprocessable(
            "unknown payment method",
            code="payment_method_unknown",
            details={"allowed": rules.payment_methods},
        )
    provider = _provider(body.provider, settings)
    if body.amount is not None and body.amount != amount:
        raise Conflict(
            "the amount does not match what is owed",
            code="amount_mismatch",
            details={"expected": amount, "given": body.amount},
        )
    if amount > rules.large_order_threshold and not body.confirm_large:
        raise Conflict(
            "large amounts need a second confirmation",
            code="large_order_confirmation_required",
            details={"amount": amount, "threshold": rules.large_order_threshold},
        )
    stmt = select(Payment).where(
        Payment.customer_id == customer_id, Payment.purpose == purpose, Payment.status == "pending"
    )
    stmt = (
        stmt.where(Payment.order_id == order_id)
        if order_id
        else stmt.where(Payment.card_id == card_id)
    )
    for pending in session.exec(stmt).all():
        if (
            pending.amount == amount
            and pending.provider == body.provider
            and pending.method == body.method
        ):
            return pending  # asked twice: the same checkout
        pending.status = "cancelled"
        pending.updated_at = clock.now()
        session.add(pending)
    now = clock.now()
    payment = Payment(
        id=new_id("pay"),
        purpose=purpose,
        order_id=order_id,
        card_id=card_id,
        customer_id=customer_id,
        provider=body.provider,
        method=body.method,
        amount=amount,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    if amount == 0:
        payment.checkout = {"type": "none"}
        _payment_succeeded(session, payment, clock)
        return payment
    checkout = provider.create(
        session=session, payment_id=payment.id, amount=amount, method=body.method, now=now
    )
    payment.provider_ref = checkout.provider_ref
    payment.checkout = checkout.action
    return payment


def create_payment(
    *,
    session: Session,
    order_id: str,
    user: User,
    body: PaymentCreate,
    clock: Clock,
    settings: Settings,
) -> Payment:
    """Pay the booked price (order PENDING_PAYMENT) or, later, the approved extras."""
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    if order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    # The order's row is locked while its charge is opened: a second tap (or a second
    # device) waits here and then finds the first one's charge, never opening another.
    order = session.get(Order, order.id, with_for_update=True, populate_existing=True) or order
    if order.status == Status.PENDING_PAYMENT.value:
        purpose, amount = "order", order.total
    else:
        esc = session.get(Escrow, order.id)
        amount = order.extras_total - (esc.extras_paid if esc else 0)
        if order.status in (Status.CANCELLED.value,) or amount <= 0:
            raise Conflict(
                "nothing to pay on this order",
                code="nothing_to_pay",
                details={"status": order.status},
            )
        purpose = "extras"
    payment = _open_payment(
        session,
        purpose=purpose,
        order_id=order.id,
        card_id=None,
        customer_id=user.id,
        amount=amount,
        body=body,
        clock=clock,
        settings=settings,
    )
    orders_service.finish_moves(session)
    orders_service.notify(session)
    return payment


def create_card_payment(
    *,
    session: Session,
    card_id: str,
    customer_id: str,
    amount: Money,
    body: PaymentCreate,
    clock: Clock,
    settings: Settings,
) -> Payment:
    """A service card's payment (the caller commits)."""
    return _open_payment(
        session,
        purpose="service_card",
        order_id=None,
        card_id=card_id,
        customer_id=customer_id,
        amount=amount,
        body=body,
        clock=clock,
        settings=settings,
    )


# Who reads payments: the paying customer, and finance (admins too). Support and
# operators see orders but not money movements (ARCHITECTURE.md §3; seed 002: "客服仅可
# 查看订单状态，财务可访问交易数据").
PAYMENT_READERS = frozenset({Role.customer.value, Role.finance.value, Role.admin.value})


def _may_read_payments(user: User) -> None:
    if user.role not in PAYMENT_READERS:
        raise Forbidden(
            "your role may not read payments",
            code="role_forbidden",
            details={"allowed": sorted(PAYMENT_READERS)},
        )


def get_payment_for(*, session: Session, payment_id: str, user: User) -> Payment:
    """A payment for its customer, or for finance/admin; anyone else's looks missing."""
    _may_read_payments(user)
    payment = session.get(Payment, payment_id)
    if payment is None or (user.role == Role.customer.value and payment.customer_id != user.id):
        raise NotFound("payment not found", code="payment_not_found")
    return payment


def own_payment(*, session: Session, payment_id: str, user: User) -> Payment:
    """The caller's own payment (the sandbox's approve page stands in for the payer's
    wallet app, so only the payer uses it); anyone else's looks missing."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.customer_id != user.id:
        raise NotFound("payment not found", code="payment_not_found")
    return payment


def list_for_order(*, session: Session, order_id: str, user: User) -> list[Payment]:
    _may_read_payments(user)
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    if user.role == Role.customer.value and order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found")
    return list(
        session.exec(
            select(Payment).where(Payment.order_id == order_id).order_by(col(Payment.created_at))
        ).all()
    )


def _payment_succeeded(session: Session, payment: Payment, clock: Clock) -> str:
    now = clock.now()
    payment.status = "succeeded"
    payment.succeeded_at = now
    payment.updated_at = now
    session.add(payment)
    if payment.purpose == "service_card":
        from server.pricing import service as pricing_service

        post(
            session,
            kind="card_purchase",
            dedupe_key=f"payment:{payment.id}",
            clock=clock,
            memo=f"service card {payment.card_id}",
            lines=ledger.card_purchase(provider=payment.provider, amount=payment.amount),
        )
        pricing_service.activate_card(session=session, card_id=payment.card_id or "", clock=clock)
        return "card_activated"

    order = orders_service.get(session=session, order_id=payment.order_id or "")
    esc = _escrow(session, order)
    post(
        session,
        kind="payment",
        dedupe_key=f"payment:{payment.id}",
        order_id=order.id,
        clock=clock,
        memo=f"{payment.purpose} via {payment.provider}/{payment.method}",
        lines=ledger.payment_received(
            provider=payment.provider, order_id=order.id, amount=payment.amount
        ),
    )
    esc.paid += payment.amount
    if payment.purpose == "extras":
        esc.extras_paid += payment.amount
    esc.version += 1
    session.add(esc)
    if payment.purpose == "order" and order.status == Status.PENDING_PAYMENT.value:
        orders_service.move(
            session=session,
            order_id=order.id,
            action=Action.PAYMENT_SUCCEEDED,
            actor=SYSTEM,
            clock=clock,
            extra={"payment_id": payment.id, "amount": payment.amount},
            commit=False,
        )
        return "order_paid"
    if (
        payment.purpose == "extras"
        and esc.extras_paid <= order.extras_total
        and esc.state == "open"
        and order.status not in (Status.CANCELLED.value,)
    ):
        orders_service.record(
            session=session,
            order=order,
            event_type="order.extras_paid",
            payload={"payment_id": payment.id, "amount": payment.amount},
            actor_id=None,
            actor_role="system",
            clock=clock,
        )
        return "extras_paid"
    # Late or duplicate money (the order was cancelled, already paid or already split):
    # it goes straight back to the customer.
    payment.late = True
    if payment.purpose == "extras":
        esc.extras_paid -= payment.amount
    by_provider = _refund_through_payment(session, payment, clock)
    post(
        session,
        kind="refund",
        dedupe_key=f"late:{payment.id}",
        order_id=order.id,
        clock=clock,
        memo="late or duplicate payment returned",
        lines=ledger.refund(order_id=order.id, refunds=by_provider, from_escrow=payment.amount),
    )
    esc.refunded += payment.amount
    session.add(esc)
    orders_service.record(
        session=session,
        order=order,
        event_type="order.payment_returned",
        payload={"payment_id": payment.id, "amount": payment.amount, "status": order.status},
        actor_id=None,
        actor_role="system",
        clock=clock,
    )
    return "late_refunded"


def _refund_through_payment(session: Session, payment: Payment, clock: Clock) -> dict[str, Money]:
    provider = _provider(payment.provider)
    try:
        result = provider.refund(
            session=session,
            provider_ref=payment.provider_ref or "",
            amount=payment.amount,
            now=clock.now(),
        )
    except ProviderError as exc:
        raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
    payment.refunded = payment.amount
    session.add(
        Refund(
            id=new_id("rfd"),
            order_id=payment.order_id or "",
            payment_id=payment.id,
            amount=payment.amount,
            reason="late or duplicate payment",
            status=result.status,
            provider_ref=result.provider_ref,
            created_at=clock.now(),
        )
    )
    return {payment.provider: payment.amount}


def _lock_order_and_payment(session: Session, payment: Payment) -> None:
    """Events for one payment (and checkouts of its order) are handled one after another,
    each seeing what the one before committed. Rows are locked order first, then payment,
    as opening a checkout does, so the two queue rather than deadlock."""
    if payment.order_id:
        session.get(Order, payment.order_id, with_for_update=True, populate_existing=True)
    session.refresh(payment, with_for_update=True)


def handle_webhook(
    *,
    session: Session,
    provider_name: str,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    settings: Settings,
) -> str:
    """A provider's signed event: verified, booked once (duplicates and replays are
    acknowledged and ignored), with the order's move in the same transaction."""
    provider = _provider(provider_name, settings)
    try:
        event = provider.verify_webhook(
            body=body, headers={k.lower(): v for k, v in headers.items()}, now=clock.now()
        )
    except ProviderError as exc:
        raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
    payment = session.get(Payment, event.payment_id)
    if (
        payment is None
        or payment.provider != provider_name
        or payment.provider_ref != event.provider_ref
    ):
        raise NotFound(
            "no such payment", code="payment_not_found", details={"payment_id": event.payment_id}
        )
    if event.amount != payment.amount:
        raise Conflict(
            "the event's amount does not match the payment",
            code="amount_mismatch",
            details={"expected": payment.amount, "given": event.amount},
        )
    if event.type not in ("payment.succeeded", "payment.failed"):
        raise Unprocessable(
            "unknown event type", code="webhook_type_unknown", details={"type": event.type}
        )
    _lock_order_and_payment(session, payment)
    seen = session.exec(
        select(WebhookEvent.id).where(
            WebhookEvent.provider == provider_name, WebhookEvent.event_id == event.event_id
        )
    ).first()
    if seen is not None:
        return "duplicate"
    # The event is claimed before anything it causes (a provider refund is not undone by a
    # rollback): should a duplicate still get this far, it stops here.
    claim = WebhookEvent(
        provider=provider_name,
        event_id=event.event_id,
        type=event.type,
        payment_id=payment.id,
        outcome="received",
        received_at=clock.now(),
    )
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"
    if event.type == "payment.succeeded":
        outcome = (
            "already_succeeded"
            if payment.status == "succeeded"
            else _payment_succeeded(session, payment, clock)
        )
    else:
        outcome = "ignored"
        if payment.status == "pending":
            payment.status = "failed"
            payment.failure_reason = "declined"
            payment.updated_at = clock.now()
            session.add(payment)
            outcome = "failed"
    claim.outcome = outcome
    session.add(claim)
    orders_service.finish_moves(session)
    orders_service.notify(session)
    return outcome


def sandbox_settle(
    *,
    session: Session,
    payment_id: str,
    user: User,
    succeed: bool,
    clock: Clock,
    settings: Settings,
    deliveries: int = 1,
) -> list[str]:
    """The simulated customer approves (or declines) on the sandbox's page; the sandbox
    then delivers its signed webhook to our own handler, ``deliveries`` times (a real
    provider retries, so duplicates happen)."""
    payment = own_payment(session=session, payment_id=payment_id, user=user)
    if payment.provider != "sandbox" or payment.provider_ref is None:
        raise NotFound("payment not found", code="payment_not_found")
    provider = _provider("sandbox", settings)
    assert isinstance(provider, SandboxProvider)
    try:
        charge = provider.settle(
            session=session, provider_ref=payment.provider_ref, succeed=succeed
        )
    except ProviderError as exc:
        raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
    session.commit()
    body = provider.event_for(charge, event_id=f"evt_{charge.ref}_{charge.status}")
    outcomes = []
    for _ in range(deliveries):
        headers = provider.signed_headers(body, clock.now())
        outcomes.append(
            handle_webhook(
                session=session,
                provider_name="sandbox",
                body=body,
                headers=headers,
                clock=clock,
                settings=settings,
            )
        )
    return outcomes


# --- cancellation ----------------------------------------------------------------------------


def _cancellation(
    session: Session, order: Order, by_customer: bool, now: datetime
) -> policy.CancellationQuote:
    return policy.cancellation_fee(
        now=now,
        scheduled_start=as_utc(order.scheduled_start),
        held=held(session, order.id),
        rules=_rules(session).payments,
        started=order.status in (Status.IN_SERVICE.value, Status.AWAITING_CONFIRMATION.value),
        by_customer=by_customer,
        technician_assigned=order.technician_id is not None,
    )


def cancellation_quote(
    *, session: Session, order_id: str, user: User, clock: Clock
) -> CancellationQuoteRead:
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    from server.orders import machine

    cancellable = (Status(order.status), Action.CANCEL) in machine.TRANSITIONS
    quote = _cancellation(session, order, user.role == Role.customer.value, clock.now())
    esc = session.get(Escrow, order.id)
    return CancellationQuoteRead(
        order_id=order.id,
        status=order.status,
        cancellable=cancellable,
        hours_before=round(quote.hours_before, 2),
        fee_bp=quote.fee_bp,
        fee=quote.fee if cancellable else 0,
        refund=quote.refund if cancellable else 0,
        paid=esc.paid if esc else 0,
    )


def _on_cancelled(session: Session, moved: Moved, clock: Clock) -> None:
    order = moved.order
    esc = _escrow(session, order)
    if esc.frozen:
        raise Conflict("the order's money is frozen by a complaint", code="escrow_frozen")
    quote = _cancellation(session, order, moved.actor_role == Role.customer.value, clock.now())
    expected = moved.context.get("expected_fee")
    if expected is not None and int(expected) != quote.fee:
        raise Conflict(
            "the cancellation fee changed; show the new one",
            code="cancellation_fee_changed",
            details={"fee": quote.fee, "expected_fee": expected, "refund": quote.refund},
        )
    for pending in session.exec(
        select(Payment).where(Payment.order_id == order.id, Payment.status == "pending")
    ).all():
        pending.status = "cancelled"
        pending.updated_at = clock.now()
        session.add(pending)
    amount = held(session, order.id)
    if amount > 0:
        rules = _rules(session).payments
        commission = policy.commission_bp(rules, _technician_level(session, order.technician_id))
        technician_part = policy.fee_technician_part(
            quote.fee, commission, order.technician_id is not None
        )
        by_provider = (
            _refund_through_providers(session, order.id, amount - quote.fee, "cancelled", clock)
            if amount > quote.fee
            else {}
        )
        post(
            session,
            kind="cancellation",
            dedupe_key=f"cancel:{order.id}",
            order_id=order.id,
            clock=clock,
            memo=f"fee {quote.fee_bp} bp",
            lines=ledger.cancellation(
                order_id=order.id,
                held=amount,
                fee=quote.fee,
                refunds=by_provider,
                technician_id=order.technician_id,
                technician_part=technician_part,
            ),
        )
        esc.refunded += amount - quote.fee
    esc.cancellation_fee = quote.fee
    esc.state = "cancelled"
    esc.awaiting_since = None
    esc.version += 1
    session.add(esc)
    if moved.events:
        moved.events[-1].payload = {
            **moved.events[-1].payload,
            "fee": quote.fee,
            "refund": max(amount - quote.fee, 0),
        }


# --- reacting to order moves ---------------------------------------------------------------


class _MoveClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def money_on_move(session: Session, moved: Moved) -> None:
    if moved.action is None:
        return
    order = moved.order
    clock = _MoveClock(as_utc(order.updated_at))
    if moved.action == Action.CONFIRM.value:
        esc = session.get(Escrow, order.id)
        unpaid = order.extras_total - (esc.extras_paid if esc else 0)
        if unpaid > 0:
            raise Conflict(
                "pay the approved extras before confirming",
                code="extras_unpaid",
                details={"amount": unpaid},
            )
    if moved.to_status == Status.AWAITING_CONFIRMATION.value:
        esc = _escrow(session, order)
        esc.awaiting_since = clock.now()
        session.add(esc)
    elif moved.to_status == Status.COMPLETED.value:
        esc = _escrow(session, order)
        esc.awaiting_since = None
        _release(session, order, esc, clock)
    elif moved.to_status == Status.DISPUTED.value:
        esc = _escrow(session, order)
        esc.awaiting_since = None
        session.add(esc)
    elif moved.to_status == Status.CANCELLED.value:
        _on_cancelled(session, moved, clock)
    elif moved.action == Action.TRANSFER.value:
        _transfer_compensation(session, moved, clock)


def _transfer_compensation(session: Session, moved: Moved, clock: Clock) -> None:
    """Seed 002: the technician whose order is re-dispatched at the platform's fault (a
    double booking, a wrong assignment: ``POST /ops/orders/{id}/reassign`` with
    ``platform_fault: true``, or the system) gets 10% of the order (setting
    ``payments.transfer_compensation_bp``), paid by the platform (expense:compensation).
    A technician's own hand-back, or staff re-dispatch not at the platform's fault,
    earns nothing.

    The base is the order's gross price (``_gross``: the positive lines of its price
    snapshot, before coupons, points, membership or service-card discounts, plus any
    approved extras), not what the customer paid: discounts are the platform's cost,
    the technician's split is figured on the gross too, and a coupon the platform gave
    the customer must not shrink what the platform owes the technician it took the job
    from (a fully discounted order would otherwise compensate nothing)."""
    if not moved.context.get("platform_fault"):
        return
    previous = next(
        (
            e.payload.get("previous_technician_id")
            for e in moved.events
            if e.payload.get("previous_technician_id")
        ),
        None,
    )
    if not previous:
        return
    amount = apply_bp(_gross(moved.order), _rules(session).payments.transfer_compensation_bp)
    if amount <= 0:
        return
    seq = moved.events[-1].seq if moved.events else 0
    post(
        session,
        kind="compensation",
        dedupe_key=_transfer_key(moved.order.id, seq),
        order_id=moved.order.id,
        clock=clock,
        memo="transfer compensation",
        lines=ledger.compensation(technician_id=previous, amount=amount),
    )


def _transfer_key(order_id: str, seq: int) -> str:
    return f"transfer:{order_id}:{seq}"


def transfer_compensation(*, session: Session, order_id: str, seq: int) -> Money:
    """Fen booked to the technician for the transfer recorded as the order's event
    ``seq`` (0 when it earned none). Kept out of the event's payload: the customer
    reads the timeline, and what the platform pays a technician is not theirs to see."""
    total = session.execute(
        select(func.sum(JournalLine.amount))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.dedupe_key == _transfer_key(order_id, seq),
            JournalLine.account == ledger.COMPENSATION,
        )
    ).scalar_one_or_none()
    return int(total or 0)


def run_auto_confirm(session: Session, clock: Clock) -> list[str]:
    """Confirm orders nobody confirmed within the window (48 h by setting). Each order
    commits on its own, so one refusal doesn't hold back the others."""
    rules = _rules(session)
    cutoff = clock.now() - timedelta(hours=rules.orders.auto_confirm_hours)
    due = session.exec(
        select(Escrow.order_id)
        .where(
            col(Escrow.awaiting_since) <= cutoff,
            Escrow.frozen == False,  # noqa: E712
            Escrow.state == "open",
        )
        .limit(200)
    ).all()
    done = []
    for order_id in due:
        try:
            order = orders_service.get(session=session, order_id=order_id)
            esc = session.get(Escrow, order_id)
            if order.extras_total > (esc.extras_paid if esc else 0):
                if order.anomaly != "extras_unpaid":
                    orders_service.record(
                        session=session,
                        order=order,
                        event_type="order.auto_confirm_held",
                        payload={"reason": "extras_unpaid"},
                        actor_id=None,
                        actor_role="system",
                        clock=clock,
                        changes={"anomaly": "extras_unpaid"},
                    )
                    session.commit()
                    orders_service.notify(session)
                continue
            orders_service.move(
                session=session,
                order_id=order_id,
                action=Action.AUTO_CONFIRM,
                actor=SYSTEM,
                clock=clock,
                commit=False,
            )
            orders_service.finish_moves(session)
            done.append(order_id)
        except AppError as exc:
            session.rollback()
            session.info.pop("pending_moves", None)
            log.info("auto-confirm skipped %s: %s", order_id, exc.code)
    return done


async def auto_confirm_task(app) -> None:  # noqa: ANN001
    """Background loop: auto-confirm every ``background_interval_seconds``."""
    import asyncio

    from server.core.db import session_scope

    def one_round() -> None:
        # The session lives and closes inside the worker thread: a transaction left open
        # until the event loop gets round to closing it holds SQLite's write lock meanwhile.
        with session_scope(app.state.engine) as session:
            run_auto_confirm(session, app.state.clock)

    while True:
        try:
            await asyncio.to_thread(one_round)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("auto-confirm round failed")
        await asyncio.sleep(app.state.settings.background_interval_seconds)


# --- payouts and withdrawals ----------------------------------------------------------------


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


def payout_cutoff(*, session: Session, now: datetime, timezone: str) -> datetime:
    """Today's cut-off in the city's calendar (T+n): the same instant for every batch,
    withdrawal and "available" figure of the day, however often they run."""
    local_day = now.astimezone(ZoneInfo(timezone)).date()
    return scheduled_cutoff(
        local_day=local_day,
        timezone=timezone,
        delay_days=_rules(session).payments.payout_delay_days,
        now=now,
    )


def run_payouts(
    *,
    session: Session,
    user: User | None,
    clock: Clock,
    timezone: str,
    cutoff: datetime | None = None,
    scheduled_for: date | None = None,
) -> PayoutBatch:
    """One batch, one line per technician with a balance matured by ``cutoff`` (default:
    today's T+n cut-off). Commits."""
    now = clock.now()
    if cutoff is None:
        cutoff = payout_cutoff(session=session, now=now, timezone=timezone)
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
            session,
            kind="payout",
            dedupe_key=f"payout:{batch.id}:{technician_id}",
            clock=clock,
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
    session.commit()
    return batch


def scheduled_cutoff(*, local_day: date, timezone: str, delay_days: int, now: datetime) -> datetime:
    """T+n by calendar day: the batch of local day D pays what was booked before local
    midnight starting day D-(n-1), i.e. everything earned up to the end of day D-n.
    T+0 pays everything up to now."""
    if delay_days <= 0:
        return now
    first_unpaid_day = local_day - timedelta(days=delay_days - 1)
    return datetime.combine(first_unpaid_day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def run_scheduled_payouts(*, session: Session, clock: Clock, timezone: str) -> PayoutBatch | None:
    """One iteration of the payout schedule: once the city's local time has passed
    ``payments.payout_time``, run that day's T+n batch, once per local day. The day's
    batch row (``scheduled_for``, unique) is the state: a second run the same day, by
    this worker or another, a restart or a clock that never moved, books nothing. A
    server down at the set time catches up when it comes back the same day; a missed
    day is covered by the next day's batch, which pays everything matured. Returns the
    batch it ran, or None. Commits."""
    rules = _rules(session).payments
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
        session.rollback()  # end the read transaction
        return None
    cutoff = scheduled_cutoff(
        local_day=today, timezone=timezone, delay_days=rules.payout_delay_days, now=now
    )
    try:
        return run_payouts(
            session=session,
            user=None,
            clock=clock,
            timezone=timezone,
            cutoff=cutoff,
            scheduled_for=today,
        )
    except IntegrityError:  # another worker ran today's batch at the same moment
        session.rollback()
        return None
    except AppError as exc:  # e.g. a withdrawal took the balance meanwhile: next round retries
        session.rollback()
        log.info("scheduled payouts skipped: %s", exc.code)
        return None


async def payout_schedule_task(app) -> None:  # noqa: ANN001
    """Background loop: the daily payout batch (``run_scheduled_payouts``), checked every
    ``background_interval_seconds`` (at least every 30 s is plenty for a daily job)."""
    import asyncio

    from server.core.db import session_scope

    def one_round() -> None:
        with session_scope(app.state.engine) as session:
            batch = run_scheduled_payouts(
                session=session, clock=app.state.clock, timezone=app.state.settings.timezone
            )
            if batch is not None:
                log.info(
                    "scheduled payouts %s: %s lines, %s fen",
                    batch.id,
                    batch.lines_count,
                    batch.total,
                )

    interval = max(float(app.state.settings.background_interval_seconds), 30.0)
    while True:
        try:
            await asyncio.to_thread(one_round)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("scheduled payout round failed")
        await asyncio.sleep(interval)


def batch_lines(*, session: Session, batch_id: str) -> list[PayoutLine]:
    return list(
        session.exec(
            select(PayoutLine)
            .where(PayoutLine.batch_id == batch_id)
            .order_by(col(PayoutLine.technician_id))
        ).all()
    )


def list_batches(*, session: Session, limit: int = 50) -> list[PayoutBatch]:
    return list(
        session.exec(
            select(PayoutBatch).order_by(col(PayoutBatch.created_at).desc()).limit(limit)
        ).all()
    )


def request_withdrawal(
    *,
    session: Session,
    technician: User,
    amount: Money,
    bank_account: str,
    clock: Clock,
    cipher,
    timezone: str,
) -> Withdrawal:  # noqa: ANN001
    """Withdraw a matured balance to a bank account (at least the minimum). Commits."""
    rules = _rules(session).payments
    if amount < rules.min_withdrawal:
        raise Unprocessable(
            "below the minimum withdrawal",
            code="withdrawal_below_minimum",
            details={"min_withdrawal": rules.min_withdrawal},
        )
    cutoff = payout_cutoff(session=session, now=clock.now(), timezone=timezone)
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
        session,
        kind="withdrawal",
        dedupe_key=f"withdrawal:{withdrawal_id}",
        clock=clock,
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
    session.commit()
    return withdrawal


def earnings(
    *,
    session: Session,
    technician: User,
    start: datetime,
    end: datetime,
    clock: Clock,
    timezone: str,
) -> dict[str, Any]:
    """Per order and per period: what was earned, paid out, and what is available."""
    account = ledger.payable(technician.id)
    rows = session.execute(
        select(
            JournalLine.amount,
            JournalLine.order_id,
            JournalLine.created_at,
            JournalEntry.kind,
            JournalEntry.memo,
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account == account,
            JournalLine.created_at >= start,
            JournalLine.created_at < end,
        )
        .order_by(col(JournalLine.created_at), col(JournalLine.id))
    ).all()
    lines = [
        {"order_id": order_id, "kind": kind, "amount": -amount, "at": at, "memo": memo}
        for amount, order_id, at, kind, memo in rows
    ]
    out_kinds = ("payout", "withdrawal")
    earned = sum(ln["amount"] for ln in lines if ln["kind"] not in out_kinds)
    paid_out = -sum(ln["amount"] for ln in lines if ln["kind"] in out_kinds)
    cutoff = payout_cutoff(session=session, now=clock.now(), timezone=timezone)
    payouts = [
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


# --- invoices ---------------------------------------------------------------------------------


def create_invoice(
    *,
    session: Session,
    order_id: str,
    user: User,
    title: str,
    tax_id: str | None,
    email: str | None,
    clock: Clock,
) -> Invoice:
    """An invoice for a completed order, once: the same request again (a retry) returns
    it; a request with other details is refused, since an issued invoice is not changed
    by asking twice (a corrected one is support's red-letter reissue). Its PDF follows
    (``server.files.filing``: ``file_id`` is set and pushed when it is ready)."""
    from server.files import filing

    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    if order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found")
    existing = session.exec(select(Invoice).where(Invoice.order_id == order_id)).first()
    if existing is not None:
        return _same_invoice(existing, title=title, tax_id=tax_id, email=email)
    if order.status != Status.COMPLETED.value:
        raise Conflict(
            "invoices are issued for completed orders",
            code="order_not_completed",
            details={"status": order.status},
        )
    amount = paid_amount(session=session, order_id=order_id)
    rate = _rules(session).payments.invoice_tax_rate_bp
    tax = amount - round_half_up(amount * 10000, 10000 + rate)
    now = clock.now()
    number = f"DS{now:%Y%m%d}{new_id('x')[-8:].upper()}"
    invoice = Invoice(
        id=new_id("inv"),
        number=number,
        order_id=order.id,
        customer_id=user.id,
        title=title,
        tax_id=tax_id,
        email=email,
        amount=amount,
        tax_amount=tax,
        tax_rate_bp=rate,
        file_id=None,
        created_at=now,
    )
    session.add(invoice)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.exec(select(Invoice).where(Invoice.order_id == order_id)).one()
        return _same_invoice(existing, title=title, tax_id=tax_id, email=email)
    filing.file_soon()
    return invoice


def _same_invoice(
    existing: Invoice, *, title: str, tax_id: str | None, email: str | None
) -> Invoice:
    if (existing.title, existing.tax_id, existing.email) != (title, tax_id, email):
        raise Conflict(
            "this order's invoice was already issued; ask support to correct it",
            code="invoice_exists",
            details={"invoice_id": existing.id, "number": existing.number, "title": existing.title},
        )
    return existing


def get_invoice(*, session: Session, order_id: str, user: User) -> Invoice:
    order = orders_service.get_for(session=session, order_id=order_id, user=user)
    invoice = session.exec(select(Invoice).where(Invoice.order_id == order.id)).first()
    if (
        invoice is None
        or (user.role == Role.customer.value and invoice.customer_id != user.id)
        or user.role == Role.technician.value
    ):
        raise NotFound("no invoice for this order", code="invoice_not_found")
    return invoice
