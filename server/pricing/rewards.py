"""Reacting to order moves: a cancelled order gives back its promotions; a completed one
earns points, yearly spend and the referral reward."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.events import Moved, Status
from server.core.uow import UnitOfWork
from server.pricing import engine, ports
from server.pricing.common import rules_versioned
from server.pricing.customers import grant
from server.pricing.models import (
    CustomerSpend,
    LoyaltyAccount,
    PointsEntry,
    Referral,
)
from server.pricing.quotes import restore_promotions

# --- reacting to order moves ----------------------------------------------------------------


def promotions_on_move(uow: UnitOfWork, moved: Moved) -> None:
    session = uow.session
    order = moved.order
    now = as_utc(order.updated_at)
    if moved.to_status == Status.CANCELLED.value and moved.action is not None:
        restore_promotions(session, order.id, now)
    elif (
        moved.to_status == Status.COMPLETED.value
        and moved.from_status == Status.AWAITING_CONFIRMATION.value
    ):
        _reward_completed(uow, order, now)


def _reward_completed(uow: UnitOfWork, order: Any, now: datetime) -> None:
    session = uow.session
    _, rules = rules_versioned(uow)
    paid = ports.paid_amount.ask(uow, order.id)
    if session.get(CustomerSpend, order.id) is None:
        session.add(
            CustomerSpend(order_id=order.id, customer_id=order.customer_id, amount=paid, at=now)
        )
    points = engine.points_earned(paid, rules.pricing)
    if (
        points
        and not session.exec(
            select(PointsEntry.id).where(PointsEntry.entry_key == f"earn:{order.id}")
        ).first()
    ):
        if session.get(LoyaltyAccount, order.customer_id) is None:
            session.add(LoyaltyAccount(customer_id=order.customer_id, points=0))
            session.flush()
        session.execute(
            update(LoyaltyAccount)
            .where(col(LoyaltyAccount.customer_id) == order.customer_id)
            .values(points=LoyaltyAccount.points + points)
        )
        session.add(
            PointsEntry(
                customer_id=order.customer_id,
                entry_key=f"earn:{order.id}",
                delta=points,
                reason="earned",
                order_id=order.id,
                created_at=now,
            )
        )
    referral = session.get(Referral, order.customer_id)
    if referral is not None and referral.rewarded_at is None:
        amount = rules.pricing.referral_coupon_amount
        for customer_id, key in (
            (referral.inviter_id, f"referral:{order.customer_id}"),
            (order.customer_id, "referral:invited"),
        ):
            grant(
                session,
                customer_id=customer_id,
                grant_key=key,
                kind="referral",
                label=f"邀请奖励{amount // 100}元无门槛券",
                amount=amount,
                days=rules.pricing.referral_coupon_days,
                now=now,
            )
        referral.rewarded_at = now
        referral.rewarded_order_id = order.id
        session.add(referral)
