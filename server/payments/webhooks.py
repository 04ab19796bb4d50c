"""A provider's signed events, verified and booked once, and what a succeeded payment
causes in the same transaction as the order's move: the order paid (PAYMENT_SUCCEEDED),
its extras paid, a service card activated, a technician's deposit or a customer's wallet
topped up, or late and
duplicate money sent straight back to the customer."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.money import Money
from server.core.uow import UnitOfWork
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Action, Status
from server.payments import ledger
from server.payments.common import SYSTEM, escrow_for, get_provider, send_back
from server.payments.journal import post
from server.payments.ledger import Posting
from server.payments.models import Payment, Refund, WebhookEvent
from server.payments.providers import ProviderError
from server.pricing import service as pricing_service

# Purposes whose money is held for the payer until it is used: the ledger kind, the memo's
# words, the postings (provider, payer, amount) and what the webhook reports.
HELD_FOR_PAYER: dict[str, tuple[str, str, Callable[[str, str, int], tuple[Posting, ...]], str]] = {
    "deposit": (
        "deposit",
        "deposit",
        lambda provider, payer, amount: ledger.deposit_paid(
            provider=provider, technician_id=payer, amount=amount
        ),
        "deposit_paid",
    ),
    "wallet_top_up": (
        "wallet_top_up",
        "top-up",
        lambda provider, payer, amount: ledger.wallet_top_up(
            provider=provider, customer_id=payer, amount=amount
        ),
        "wallet_topped_up",
    ),
}


def _payment_memo(payment: Payment) -> str:
    """What the journal says of a payment; one from a family wallet names both people."""
    memo = f"{payment.purpose} via {payment.provider}/{payment.method}"
    if payment.wallet_owner_id:
        memo += f": wallet of {payment.wallet_owner_id} for member {payment.customer_id}"
    return memo


def payment_succeeded(
    uow: UnitOfWork,
    payment: Payment,
) -> str:
    session = uow.session
    clock = uow.clock
    now = clock.now()
    payment.status = "succeeded"
    payment.succeeded_at = now
    payment.updated_at = now
    session.add(payment)
    if payment.purpose == "service_card":
        post(
            uow,
            kind="card_purchase",
            dedupe_key=f"payment:{payment.id}",
            memo=f"service card {payment.card_id}",
            lines=ledger.card_purchase(provider=payment.provider, amount=payment.amount),
        )
        pricing_service.activate_card(uow, card_id=payment.card_id or "")
        return "card_activated"

    held = HELD_FOR_PAYER.get(payment.purpose)
    if held is not None:  # a deposit, a top-up: money kept for whoever paid it
        kind, words, lines, result = held
        post(
            uow,
            kind=kind,
            dedupe_key=f"payment:{payment.id}",
            memo=f"{words} via {payment.provider}/{payment.method}",
            lines=lines(payment.provider, payment.customer_id, payment.amount),
        )
        return result

    order = orders_service.get(uow, order_id=payment.order_id or "")
    esc = escrow_for(session, order)
    post(
        uow,
        kind="payment",
        dedupe_key=f"payment:{payment.id}",
        order_id=order.id,
        memo=_payment_memo(payment),
        lines=ledger.payment_received(
            provider=payment.provider,
            order_id=order.id,
            amount=payment.amount,
            customer_id=payment.wallet_owner_id or payment.customer_id,
        ),
    )
    esc.paid += payment.amount
    if payment.purpose == "extras":
        esc.extras_paid += payment.amount
    esc.version += 1
    session.add(esc)
    if payment.purpose == "order" and order.status == Status.PENDING_PAYMENT.value:
        orders_service.move(
            uow,
            order_id=order.id,
            action=Action.PAYMENT_SUCCEEDED,
            actor=SYSTEM,
            extra={"payment_id": payment.id, "amount": payment.amount},
        )
        return "order_paid"
    if (
        payment.purpose == "extras"
        and esc.extras_paid <= order.extras_total
        and esc.state == "open"
        and order.status not in (Status.CANCELLED.value,)
    ):
        orders_service.record(
            uow,
            order=order,
            event_type="order.extras_paid",
            payload={"payment_id": payment.id, "amount": payment.amount},
            actor_id=None,
            actor_role="system",
        )
        return "extras_paid"
    # Late or duplicate money (the order was cancelled, already paid or already split):
    # it goes straight back to the customer.
    payment.late = True
    if payment.purpose == "extras":
        esc.extras_paid -= payment.amount
    by_provider = _refund_through_payment(uow, payment)
    post(
        uow,
        kind="refund",
        dedupe_key=f"late:{payment.id}",
        order_id=order.id,
        memo="late or duplicate payment returned",
        lines=ledger.refund(order_id=order.id, refunds=by_provider, from_escrow=payment.amount),
    )
    esc.refunded += payment.amount
    session.add(esc)
    orders_service.record(
        uow,
        order=order,
        event_type="order.payment_returned",
        payload={"payment_id": payment.id, "amount": payment.amount, "status": order.status},
        actor_id=None,
        actor_role="system",
    )
    return "late_refunded"


def _refund_through_payment(
    uow: UnitOfWork,
    payment: Payment,
) -> dict[str, Money]:
    session = uow.session
    clock = uow.clock
    source, result = send_back(uow, payment, payment.amount)
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
    return {source: payment.amount}


def _lock_order_and_payment(session: Session, payment: Payment) -> None:
    """Events for one payment (and checkouts of its order) are handled one after another,
    each seeing what the one before committed. Rows are locked order first, then payment,
    as opening a checkout does, so the two queue rather than deadlock."""
    if payment.order_id:
        order_queries.lock(session, payment.order_id)
    session.refresh(payment, with_for_update=True)


def handle_webhook(
    uow: UnitOfWork,
    *,
    provider_name: str,
    body: bytes,
    headers: dict[str, str],
) -> str:
    """A provider's signed event: verified, booked once (duplicates and replays are
    acknowledged and ignored), with the order's move in the same transaction."""
    session = uow.session
    clock = uow.clock
    settings = uow.settings
    provider = get_provider(provider_name, settings)
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
        uow.undo()
        return "duplicate"
    if event.type == "payment.succeeded":
        outcome = (
            "already_succeeded"
            if payment.status == "succeeded"
            else payment_succeeded(uow, payment)
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
    return outcome
