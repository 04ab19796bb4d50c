"""Cancelling an order: the fee quoted beforehand (``cancellation_quote``) and, when the
order moves to CANCELLED, the fee kept and the rest refunded through the providers, in the
move's transaction (``on_cancelled``, called by ``order_moves.money_on_move``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.errors import Conflict
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.orders import machine
from server.orders import service as orders_service
from server.orders.machine import Action, Status
from server.orders.models import Order
from server.payments import ledger, policy
from server.payments.common import (
    current_rules,
    escrow_for,
    refund_through_providers,
    technician_level,
)
from server.payments.escrow import held
from server.payments.journal import post
from server.payments.models import CancellationQuoteRead, Escrow, Payment


def _cancellation(
    uow: UnitOfWork, order: Order, by_customer: bool, now: datetime
) -> policy.CancellationQuote:
    session = uow.session
    return policy.cancellation_fee(
        now=now,
        scheduled_start=as_utc(order.scheduled_start),
        held=held(session, order.id),
        rules=current_rules(uow).payments,
        started=order.status in (Status.IN_SERVICE.value, Status.AWAITING_CONFIRMATION.value),
        by_customer=by_customer,
        technician_assigned=order.technician_id is not None,
    )


def cancellation_quote(
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
) -> CancellationQuoteRead:
    session = uow.session
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=user)

    cancellable = (Status(order.status), Action.CANCEL) in machine.TRANSITIONS
    quote = _cancellation(uow, order, user.role == Role.customer.value, clock.now())
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


def on_cancelled(
    uow: UnitOfWork,
    moved: Moved,
) -> None:
    session = uow.session
    clock = uow.clock
    order = moved.order
    esc = escrow_for(session, order)
    if esc.frozen:
        raise Conflict("the order's money is frozen by a complaint", code="escrow_frozen")
    quote = _cancellation(uow, order, moved.actor_role == Role.customer.value, clock.now())
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
        rules = current_rules(uow).payments
        commission = policy.commission_bp(rules, technician_level(uow, order.technician_id))
        technician_part = policy.fee_technician_part(
            quote.fee, commission, order.technician_id is not None
        )
        by_provider = (
            refund_through_providers(uow, order.id, amount - quote.fee, "cancelled")
            if amount > quote.fee
            else {}
        )
        post(
            uow,
            kind="cancellation",
            dedupe_key=f"cancel:{order.id}",
            order_id=order.id,
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
