"""Helpers the payments modules share: the rules in force, a provider by name (its errors
as API errors), the order's escrow row, the technician's level and the order's gross price
(the bases of the split and of transfer compensation), and sending a refund back through
the payments it came from. Nothing here commits or books the ledger."""

from __future__ import annotations

from sqlmodel import Session, col, select

from server.core.errors import AppError, Conflict, NotFound
from server.core.ids import new_id
from server.core.money import Money
from server.core.settings import Settings, get_settings
from server.core.uow import UnitOfWork
from server.orders.machine import Actor, ActorKind
from server.orders.models import Order
from server.payments import ledger
from server.payments.models import Escrow, Payment, Refund
from server.payments.providers import (
    PaymentProvider,
    ProviderError,
    ProviderRefund,
    provider_for,
)
from server.rules import store as rules_store
from server.technicians import service as technicians_service

SYSTEM = Actor(ActorKind.SYSTEM)


def current_rules(uow: UnitOfWork):  # noqa: ANN202

    return rules_store.current_rules(uow)


def get_provider(name: str, settings: Settings | None = None) -> PaymentProvider:
    try:
        return provider_for(name, settings or get_settings())
    except ProviderError as exc:
        raise AppError(
            str(exc), code=exc.code, status_code=exc.status_code, details={"provider": name}
        ) from exc


def escrow_for(session: Session, order: Order) -> Escrow:
    esc = session.get(Escrow, order.id)
    if esc is None:
        esc = Escrow(order_id=order.id, customer_id=order.customer_id)
        session.add(esc)
        session.flush()
    return esc


def technician_level(uow: UnitOfWork, technician_id: str | None) -> str | None:
    if not technician_id:
        return None

    try:
        return technicians_service.get_profile(uow, user_id=technician_id).level
    except NotFound:
        return None


def gross(order: Order) -> Money:
    """The undiscounted price of the order and its approved extras."""
    lines = order.price_snapshot.get("lines", [])
    return (
        sum(int(line["amount"]) for line in lines if int(line["amount"]) > 0) + order.extras_total
    )


def send_back(uow: UnitOfWork, payment: Payment, amount: Money) -> tuple[str, ProviderRefund]:
    """Return ``amount`` of a payment where it came from: through its provider, or (paid
    from the balance) into the customer's wallet, which the ledger entry itself credits.
    Gives the refund's ledger source (provider name or wallet account) and the outcome."""
    if payment.provider == ledger.WALLET_PROVIDER:
        owner = payment.wallet_owner_id or payment.customer_id  # a family's main wallet
        return ledger.wallet(owner), ProviderRefund(
            provider_ref=f"wallet:{payment.id}", status="succeeded"
        )
    provider = get_provider(payment.provider)
    try:
        result = provider.refund(
            uow, provider_ref=payment.provider_ref or "", amount=amount, now=uow.clock.now()
        )
    except ProviderError as exc:
        raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
    return payment.provider, result


def refund_through_providers(
    uow: UnitOfWork,
    order_id: str,
    amount: Money,
    reason: str,
) -> dict[str, Money]:
    """Send ``amount`` back through the payments it came from (latest first). The keys
    are providers, or the wallet account of what was paid from the balance."""
    session = uow.session
    clock = uow.clock
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
        source, result = send_back(uow, payment, part)
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
        by_provider[source] = by_provider.get(source, 0) + part
        left -= part
    if left:
        raise Conflict(
            "a refund larger than what was paid",
            code="refund_exceeds_payment",
            details={"refundable": amount - left},
        )
    return by_provider
