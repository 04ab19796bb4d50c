"""How money follows an order's moves. ``money_on_move`` (subscribed in ``server.bootstrap``)
runs inside each move's transaction: approved extras must be paid before confirming,
confirmation releases the escrow, cancellation keeps its fee and refunds the rest, and a
transfer at the platform's fault compensates the technician it took the job from."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.errors import Conflict
from server.core.events import Moved
from server.core.money import Money, apply_bp
from server.core.uow import UnitOfWork
from server.orders.machine import Action, Status
from server.payments import ledger
from server.payments.cancellation import on_cancelled
from server.payments.common import current_rules, escrow_for, gross
from server.payments.escrow import release
from server.payments.journal import post
from server.payments.models import Escrow, JournalEntry, JournalLine


def money_on_move(uow: UnitOfWork, moved: Moved) -> None:
    session = uow.session
    if moved.action is None:
        return
    order = moved.order
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
        esc = escrow_for(session, order)
        esc.awaiting_since = as_utc(order.updated_at)
        session.add(esc)
    elif moved.to_status == Status.COMPLETED.value:
        esc = escrow_for(session, order)
        esc.awaiting_since = None
        release(uow, order, esc)
    elif moved.to_status == Status.DISPUTED.value:
        esc = escrow_for(session, order)
        esc.awaiting_since = None
        session.add(esc)
    elif moved.to_status == Status.CANCELLED.value:
        on_cancelled(uow, moved)
    elif moved.action == Action.TRANSFER.value:
        _transfer_compensation(uow, moved)


def _transfer_compensation(
    uow: UnitOfWork,
    moved: Moved,
) -> None:
    """Seed 002: the technician whose order is re-dispatched at the platform's fault (a
    double booking, a wrong assignment: ``POST /ops/orders/{id}/reassign`` with
    ``platform_fault: true``, or the system) gets 10% of the order (setting
    ``payments.transfer_compensation_bp``), paid by the platform (expense:compensation).
    A technician's own hand-back, or staff re-dispatch not at the platform's fault,
    earns nothing.

    The base is the order's gross price (``gross``: the positive lines of its price
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
    amount = apply_bp(gross(moved.order), current_rules(uow).payments.transfer_compensation_bp)
    if amount <= 0:
        return
    seq = moved.events[-1].seq if moved.events else 0
    post(
        uow,
        kind="compensation",
        dedupe_key=_transfer_key(moved.order.id, seq),
        order_id=moved.order.id,
        memo="transfer compensation",
        lines=ledger.compensation(technician_id=previous, amount=amount),
    )


def _transfer_key(order_id: str, seq: int) -> str:
    return f"transfer:{order_id}:{seq}"


def transfer_compensation(uow: UnitOfWork, *, order_id: str, seq: int) -> Money:
    """Fen booked to the technician for the transfer recorded as the order's event
    ``seq`` (0 when it earned none). Kept out of the event's payload: the customer
    reads the timeline, and what the platform pays a technician is not theirs to see."""
    session = uow.session
    total = session.execute(
        select(func.sum(JournalLine.amount))
        .join(JournalEntry, col(JournalEntry.id) == col(JournalLine.entry_id))
        .where(
            JournalEntry.dedupe_key == _transfer_key(order_id, seq),
            JournalLine.account == ledger.COMPENSATION,
        )
    ).scalar_one_or_none()
    return int(total or 0)
