"""What pricing knows of a customer (first order, membership by yearly spend — a family
member's the better of his and his main account's —, points) in one round trip, and the
coupons granted to him (welcome, referral)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.pricing import engine, ports
from server.pricing.family_models import FamilyLink
from server.pricing.models import (
    Coupon,
    CustomerSpend,
    LoyaltyAccount,
)
from server.rules.pricing import PricingRules

# --- customer facts ------------------------------------------------------------------------


def _spend_since(customer_id: Any, since: Any) -> Any:  # noqa: ANN401
    return select(func.coalesce(func.sum(CustomerSpend.amount), 0)).where(
        CustomerSpend.customer_id == customer_id, CustomerSpend.at > since
    )


def order_count(session: Session, customer_id: str) -> int:
    return session.execute(ports.counted_orders.ask(customer_id)).scalar_one()


def yearly_spend(session: Session, customer_id: str, now: datetime) -> int:
    return int(session.execute(_spend_since(customer_id, now - timedelta(days=365))).scalar_one())


def _main_of(customer_id: Any) -> Any:  # noqa: ANN401
    return select(FamilyLink.main_id).where(FamilyLink.member_id == customer_id).scalar_subquery()


def family_spend(session: Session, customer_id: str, now: datetime) -> int | None:
    """The yearly spend of the caller's main account, if he is a family member."""
    link = session.get(FamilyLink, customer_id)
    return yearly_spend(session, link.main_id, now) if link is not None else None


def shared_membership(
    own_spend: int, main_spend: int | None, rules: PricingRules
) -> tuple[int, Any, bool]:
    """A member's level is the better of his own and his main account's (index, level,
    whether it comes from the family): the one rule quotes and the wallet page share."""
    index, level = engine.membership_for(own_spend, rules)
    if main_spend is not None:
        main_index, main_level = engine.membership_for(main_spend, rules)
        if main_index > index:
            return main_index, main_level, True
    return index, level, False


def points_balance(session: Session, customer_id: str) -> int:
    account = session.get(LoyaltyAccount, customer_id)
    return account.points if account else 0


@functools.cache
def _facts_statement() -> Any:  # noqa: ANN401
    """Built once: a statement's construction costs several times its execution."""
    customer: Any = bindparam("customer")
    since: Any = bindparam("since")
    return sa_select(  # five columns: past sqlmodel's typed overloads
        ports.counted_orders.ask(customer).scalar_subquery(),
        _spend_since(customer, since).scalar_subquery(),
        select(LoyaltyAccount.points)
        .where(LoyaltyAccount.customer_id == customer)
        .scalar_subquery(),
        _spend_since(_main_of(customer), since).scalar_subquery(),
        _main_of(customer),
    )


def customer_facts(
    session: Session, customer_id: str, now: datetime, rules: PricingRules
) -> tuple[int, engine.CustomerFacts]:
    """(orders so far, what pricing knows of the customer), in one round trip: a quote
    asks for all of them at once (a family member's main account's spend too)."""
    orders, spend, points, main_spend, main_id = session.execute(
        _facts_statement(), {"customer": customer_id, "since": now - timedelta(days=365)}
    ).one()
    shared = int(main_spend or 0) if main_id is not None else None
    _, level, _ = shared_membership(int(spend or 0), shared, rules)
    return orders, engine.CustomerFacts(
        membership_code=level.code,
        membership_label=level.name_zh,
        membership_discount_bp=level.discount_bp,
        points_balance=int(points or 0),
        is_first_order=orders == 0,
    )


def coupon_offer(coupon: Coupon) -> engine.CouponOffer:
    return engine.CouponOffer(
        id=coupon.id,
        kind=coupon.kind,
        amount=coupon.amount,
        threshold=coupon.threshold,
        percent_bp=coupon.percent_bp,
        cap=coupon.cap,
        valid_from=as_utc(coupon.valid_from),
        valid_until=as_utc(coupon.valid_until),
        service_ids=tuple(coupon.service_ids or ()),
        stackable=coupon.stackable,
        first_order_only=coupon.first_order_only,
        label=coupon.label,
    )


def grant(
    session: Session,
    *,
    customer_id: str,
    grant_key: str,
    kind: str,
    label: str,
    amount: int,
    days: int,
    now: datetime,
    first_order_only: bool = False,
    **extra: Any,
) -> Coupon | None:
    """Give a customer a coupon once per ``grant_key`` (a savepoint absorbs the race)."""
    if session.exec(
        select(Coupon.id).where(Coupon.customer_id == customer_id, Coupon.grant_key == grant_key)
    ).first():
        return None
    coupon = Coupon(
        id=new_id("cpn"),
        customer_id=customer_id,
        grant_key=grant_key,
        kind=kind,
        label=label,
        amount=amount,
        first_order_only=first_order_only,
        valid_from=now,
        valid_until=now + timedelta(days=days),
        created_at=now,
        **extra,
    )
    try:
        with session.begin_nested():
            session.add(coupon)
    except IntegrityError:
        return None
    return coupon


def ensure_welcome_coupon(
    uow: UnitOfWork,
    *,
    customer: User,
    now: datetime,
    rules: PricingRules,
    orders_so_far: int | None = None,
) -> None:
    """新客首单立减: a customer with no order yet holds the first-order coupon."""
    session = uow.session
    if customer.role != Role.customer.value or not rules.new_customer_coupon_amount:
        return
    if orders_so_far is None:
        orders_so_far = order_count(session, customer.id)
    if orders_so_far:
        return
    grant(
        session,
        customer_id=customer.id,
        grant_key="welcome",
        kind="new_customer",
        label=f"新客首单立减{rules.new_customer_coupon_amount // 100}元",
        amount=rules.new_customer_coupon_amount,
        days=rules.new_customer_coupon_days,
        now=now,
        first_order_only=True,
    )
