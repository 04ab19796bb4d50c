"""An order's escrow: what it holds and shows, its release on confirmation (the split
between the technician and the platform), and the functions the complaints flow calls
(``freeze_escrow``, ``unfreeze_escrow``, ``refund``, ``compensate_technician``), which never
commit: their caller owns the transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from server.core.errors import Conflict, Unprocessable
from server.core.ids import new_id
from server.core.money import Money
from server.core.uow import UnitOfWork
from server.orders import service as orders_service
from server.orders.machine import Status
from server.orders.models import Order
from server.payments import ledger, policy
from server.payments.common import (
    current_rules,
    escrow_for,
    gross,
    refund_through_providers,
    technician_level,
)
from server.payments.journal import balance, post
from server.payments.models import Escrow, EscrowRead
from server.pricing import service as pricing_service


def held(session: Session, order_id: str) -> Money:
    return balance(session, ledger.escrow(order_id))


def extras_paid(session: Session, order_id: str) -> Money:
    esc = session.get(Escrow, order_id)
    return esc.extras_paid if esc else 0


def paid_amount(uow: UnitOfWork, *, order_id: str) -> Money:
    """What the customer paid for the order, net of refunds."""
    session = uow.session
    esc = session.get(Escrow, order_id)
    return (esc.paid - esc.refunded) if esc else 0


def escrow_state(uow: UnitOfWork, *, order_id: str) -> dict[str, Any]:
    session = uow.session
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


def release(
    uow: UnitOfWork,
    order: Order,
    esc: Escrow,
) -> None:
    """Book the split of a confirmed order: technician share to their payable, the rest
    to the platform (a promotion cost when discounts exceed the commission)."""
    session = uow.session
    clock = uow.clock
    if esc.frozen or esc.state != "open":
        return

    amount = held(session, order.id)
    card_value = pricing_service.card_value_for_order(uow, order_id=order.id)
    technician_id = order.technician_id
    share = 0
    # A coupon (or points) that made the order free leaves nothing held, but the work was
    # done: the technician's share of the gross is then wholly a promotion cost. Nothing
    # held after a payment means it was refunded: no share.
    fully_discounted = esc.paid + card_value == 0 and gross(order) > 0
    if technician_id and (amount + card_value > 0 or fully_discounted):
        rules = current_rules(uow).payments
        commission = policy.commission_bp(rules, technician_level(uow, technician_id))
        share = policy.technician_share(
            gross=gross(order),
            paid=esc.paid + card_value,
            held=amount + card_value,
            commission=commission,
        )
        post(
            uow,
            kind="split",
            dedupe_key=f"split:{order.id}",
            order_id=order.id,
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


def freeze_escrow(
    uow: UnitOfWork,
    *,
    order_id: str,
    reason: str,
) -> dict[str, Any]:
    """A complaint holds the order's money until support resolves it. After the split,
    the technician's share still unpaid is held again (clawed back into escrow)."""
    session = uow.session
    clock = uow.clock
    order = orders_service.get(uow, order_id=order_id)
    esc = escrow_for(session, order)
    if esc.frozen:
        return escrow_state(uow, order_id=order_id)
    if esc.state == "released" and esc.technician_id and esc.technician_share:
        amount = min(esc.technician_share, balance(session, ledger.payable(esc.technician_id)))
        if amount > 0:
            post(
                uow,
                kind="freeze",
                dedupe_key=f"freeze:{order_id}:{esc.version}",
                order_id=order_id,
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
    return escrow_state(uow, order_id=order_id)


def unfreeze_escrow(
    uow: UnitOfWork,
    *,
    order_id: str,
) -> dict[str, Any]:
    """Support resolved the complaint: what was held again goes back to the technician
    (less any refund taken from it); a confirmed order still open is split now."""
    session = uow.session
    order = orders_service.get(uow, order_id=order_id)
    esc = escrow_for(session, order)
    if not esc.frozen:
        return escrow_state(uow, order_id=order_id)
    esc.frozen = False
    esc.version += 1
    if esc.clawed_back and esc.technician_id:
        amount = min(esc.clawed_back, held(session, order_id))
        if amount > 0:
            post(
                uow,
                kind="unfreeze",
                dedupe_key=f"unfreeze:{order_id}:{esc.version}",
                order_id=order_id,
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
        release(uow, order, esc)
    return escrow_state(uow, order_id=order_id)


def refund(
    uow: UnitOfWork,
    *,
    order_id: str,
    amount: Money,
    reason: str,
) -> dict[str, Any]:
    """Refund part or all of what the customer paid, through the provider and the
    ledger; never more than was paid. Taken from what the order still holds first, the
    platform pays the rest."""
    session = uow.session
    order = orders_service.get(uow, order_id=order_id)
    esc = escrow_for(session, order)
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
    by_provider = refund_through_providers(uow, order_id, amount, reason)
    post(
        uow,
        kind="refund",
        dedupe_key=f"refund:{order_id}:{esc.refunded}:{amount}:{new_id('r')}",
        order_id=order_id,
        memo=reason,
        lines=ledger.refund(order_id=order_id, refunds=by_provider, from_escrow=from_escrow),
    )
    esc.refunded += amount
    esc.clawed_back = max(0, min(esc.clawed_back, held(session, order_id)))
    esc.version += 1
    session.add(esc)
    orders_service.record(
        uow,
        order=order,
        event_type="order.refunded",
        payload={"amount": amount, "reason": reason},
        actor_id=None,
        actor_role="system",
    )
    return escrow_state(uow, order_id=order_id)


def compensate_technician(
    uow: UnitOfWork,
    *,
    order_id: str,
    amount: Money,
    reason: str,
    technician_id: str | None = None,
) -> dict[str, Any]:
    """Platform-funded money to the order's technician (transfer compensation, goodwill)."""
    order = orders_service.get(uow, order_id=order_id)
    technician_id = technician_id or order.technician_id
    if not technician_id:
        raise Conflict("the order has no technician to compensate", code="no_technician")
    if amount <= 0:
        raise Unprocessable("compensation must be positive", code="compensation_invalid")
    post(
        uow,
        kind="compensation",
        dedupe_key=f"compensation:{order_id}:{new_id('c')}",
        order_id=order_id,
        memo=reason,
        lines=ledger.compensation(technician_id=technician_id, amount=amount),
    )
    return {"order_id": order_id, "technician_id": technician_id, "amount": amount}
