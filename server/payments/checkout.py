"""Paying: opening a payment with a provider for an order's price, its approved extras,
a service card, a technician's deposit or a customer's wallet top-up, or paying an order
from that wallet's balance; who may read payments; and the sandbox's
approve page, which stands in for the payer's wallet app. What the money does once it
arrives is ``webhooks``."""

from __future__ import annotations

from sqlmodel import col, select

from server.auth.models import Role, User
from server.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.money import Money
from server.core.uow import UnitOfWork
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.machine import Status
from server.payments import family_pay, ledger
from server.payments.common import current_rules, get_provider
from server.payments.journal import balance
from server.payments.models import Escrow, LedgerAccount, Payment, PaymentCreate, PaymentRead
from server.payments.providers import ProviderError, SandboxProvider
from server.payments.webhooks import handle_webhook, payment_succeeded

WALLET = ledger.WALLET_PROVIDER


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


def _check_amount(uow: UnitOfWork, amount: Money, body: PaymentCreate) -> None:
    """What the customer saw must be what is owed; a large amount needs a second yes."""
    rules = current_rules(uow).payments
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


def _open_payment(
    uow: UnitOfWork,
    *,
    purpose: str,
    order_id: str | None,
    card_id: str | None,
    customer_id: str,
    amount: Money,
    body: PaymentCreate,
) -> Payment:
    session = uow.session
    clock = uow.clock
    settings = uow.settings
    rules = current_rules(uow).payments
    if body.method not in rules.payment_methods:
        raise Unprocessable(
            "unknown payment method",
            code="payment_method_unknown",
            details={"allowed": rules.payment_methods},
        )
    provider = get_provider(body.provider, settings)
    _check_amount(uow, amount, body)
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
        payment_succeeded(uow, payment)
        return payment
    checkout = provider.create(
        uow, payment_id=payment.id, amount=amount, method=body.method, now=now
    )
    payment.provider_ref = checkout.provider_ref
    payment.checkout = checkout.action
    return payment


def create_payment(
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
    body: PaymentCreate,
) -> Payment:
    """Pay the booked price (order PENDING_PAYMENT) or, later, the approved extras."""
    session = uow.session
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    if order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    # The order's row is locked while its charge is opened: a second tap (or a second
    # device) waits here and then finds the first one's charge, never opening another.
    order = order_queries.lock(session, order.id) or order
    if order.status == Status.PENDING_PAYMENT.value:
        purpose, amount = "order", order.total
    else:
        esc = session.get(Escrow, order.id)
        amount = order.extras_total - (esc.extras_paid if esc else 0)
        if order.status in (Status.CANCELLED.value,) or amount <= 0:
            from_balance = body.provider == WALLET or body.family
            paid = _paid_from_balance(uow, order.id) if from_balance else None
            if paid is not None:
                return paid  # tapped twice: the balance was charged once
            raise Conflict(
                "nothing to pay on this order",
                code="nothing_to_pay",
                details={"status": order.status},
            )
        purpose = "extras"
    if body.provider == WALLET or body.family:
        return _pay_from_balance(
            uow, order_id=order.id, customer_id=user.id, purpose=purpose, amount=amount, body=body
        )
    payment = _open_payment(
        uow,
        purpose=purpose,
        order_id=order.id,
        card_id=None,
        customer_id=user.id,
        amount=amount,
        body=body,
    )
    return payment


def _paid_from_balance(uow: UnitOfWork, order_id: str) -> Payment | None:
    return uow.session.exec(
        select(Payment)
        .where(
            Payment.order_id == order_id,
            Payment.provider == WALLET,
            Payment.status == "succeeded",
        )
        .order_by(col(Payment.created_at).desc())
    ).first()


def _pay_from_balance(
    uow: UnitOfWork,
    *,
    order_id: str,
    customer_id: str,
    purpose: str,
    amount: Money,
    body: PaymentCreate,
) -> Payment:
    """Pay the order (or its extras) from the customer's stored value, in this transaction:
    the money moves from his wallet into the order's escrow exactly as a provider's would,
    so cancellations, refunds and complaints treat it alike (a refund returns to the
    wallet). The wallet's row is locked while its balance is checked and spent. A family
    member's ``family`` payment spends his main account's wallet within his monthly cap."""
    session = uow.session
    _check_amount(uow, amount, body)
    link = family_pay.member_link(session, customer_id) if body.family else None
    owner = link.main_id if link else customer_id
    account = ledger.wallet(owner)
    session.exec(
        select(LedgerAccount).where(LedgerAccount.code == account).with_for_update()
    ).first()
    if link is not None:
        family_pay.check_cap(uow, link, amount)
    have = balance(session, account)
    if have < amount:
        raise Conflict(
            "the balance is short of the amount owed",
            code="family_balance_short" if link else "wallet_balance_short",
            details={"balance": have, "amount": amount, "short": amount - have},
        )
    now = uow.clock.now()
    for pending in session.exec(
        select(Payment).where(
            Payment.order_id == order_id, Payment.purpose == purpose, Payment.status == "pending"
        )
    ).all():  # an open checkout approved later is returned as late money
        pending.status = "cancelled"
        pending.updated_at = now
        session.add(pending)
    payment = Payment(
        id=new_id("pay"),
        purpose=purpose,
        order_id=order_id,
        card_id=None,
        customer_id=customer_id,
        provider=WALLET,
        method="family" if link else "balance",
        amount=amount,
        wallet_owner_id=link.main_id if link else None,
        checkout={"type": "balance"},
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    payment_succeeded(uow, payment)
    return payment


def create_wallet_top_up(
    uow: UnitOfWork, *, customer_id: str, amount: Money, body: PaymentCreate
) -> Payment:
    """A customer's top-up of his stored value: a checkout like any other; the provider's
    webhook credits the wallet."""
    return _open_payment(
        uow,
        purpose="wallet_top_up",
        order_id=None,
        card_id=None,
        customer_id=customer_id,
        amount=amount,
        body=body,
    )


def create_card_payment(
    uow: UnitOfWork,
    *,
    card_id: str,
    customer_id: str,
    amount: Money,
    body: PaymentCreate,
) -> Payment:
    """A service card's payment, in the purchase's unit of work."""
    return _open_payment(
        uow,
        purpose="service_card",
        order_id=None,
        card_id=card_id,
        customer_id=customer_id,
        amount=amount,
        body=body,
    )


def create_deposit_payment(
    uow: UnitOfWork,
    *,
    technician_id: str,
    amount: Money,
    body: PaymentCreate,
) -> Payment:
    """A technician's deposit top-up: the same checkout as a customer's, the technician
    paying (the sandbox's approve page is his wallet app too)."""
    return _open_payment(
        uow,
        purpose="deposit",
        order_id=None,
        card_id=None,
        customer_id=technician_id,
        amount=amount,
        body=body,
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


def get_payment_for(uow: UnitOfWork, *, payment_id: str, user: User) -> Payment:
    """A payment for its customer, or for finance/admin; anyone else's looks missing."""
    session = uow.session
    _may_read_payments(user)
    payment = session.get(Payment, payment_id)
    if payment is None or (user.role == Role.customer.value and payment.customer_id != user.id):
        raise NotFound("payment not found", code="payment_not_found")
    return payment


def own_payment(uow: UnitOfWork, *, payment_id: str, user: User) -> Payment:
    """The caller's own payment (the sandbox's approve page stands in for the payer's
    wallet app, so only the payer uses it); anyone else's looks missing."""
    session = uow.session
    payment = session.get(Payment, payment_id)
    if payment is None or payment.customer_id != user.id:
        raise NotFound("payment not found", code="payment_not_found")
    return payment


def list_for_order(uow: UnitOfWork, *, order_id: str, user: User) -> list[Payment]:
    session = uow.session
    _may_read_payments(user)
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    if user.role == Role.customer.value and order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found")
    return list(
        session.exec(
            select(Payment).where(Payment.order_id == order_id).order_by(col(Payment.created_at))
        ).all()
    )


def sandbox_settle(
    uow: UnitOfWork,
    *,
    payment_id: str,
    user: User,
    succeed: bool,
    deliveries: int = 1,
) -> list[str]:
    """The simulated customer approves (or declines) on the sandbox's page; the sandbox
    then delivers its signed webhook to our own handler, ``deliveries`` times (a real
    provider retries, so duplicates happen)."""
    clock = uow.clock
    settings = uow.settings
    payment = own_payment(uow, payment_id=payment_id, user=user)
    if payment.provider != "sandbox" or payment.provider_ref is None:
        raise NotFound("payment not found", code="payment_not_found")
    provider = get_provider("sandbox", settings)
    assert isinstance(provider, SandboxProvider)
    try:
        charge = provider.settle(uow, provider_ref=payment.provider_ref, succeed=succeed)
    except ProviderError as exc:
        raise AppError(str(exc), code=exc.code, status_code=exc.status_code) from exc
    uow.keep()
    body = provider.event_for(charge, event_id=f"evt_{charge.ref}_{charge.status}")
    outcomes = []
    for _ in range(deliveries):
        headers = provider.signed_headers(body, clock.now())
        outcomes.append(handle_webhook(uow, provider_name="sandbox", body=body, headers=headers))
    return outcomes
