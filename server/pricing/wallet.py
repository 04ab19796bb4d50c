"""The customer's wallet: coupons and campaigns, points, membership, service cards and
the invitation (referral) code."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.pricing import engine
from server.pricing.common import rules_versioned
from server.pricing.customers import (
    ensure_welcome_coupon,
    family_spend,
    order_count,
    points_balance,
    shared_membership,
    yearly_spend,
)
from server.pricing.models import (
    CampaignCreate,
    Coupon,
    CouponCampaign,
    CouponRead,
    MembershipRead,
    Referral,
    ReferralCode,
    ServiceCard,
    ServiceCardProductRead,
    ServiceCardRead,
    WalletRead,
)

# --- wallet: coupons, points, membership, cards, referral -------------------------------------


def _derived_code(customer_id: str) -> str:
    return hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper()


def referral_code_for(session: Session, customer_id: str) -> str:
    """The customer's invitation code, stored if it is not yet (at sign-up)."""
    row = session.get(ReferralCode, customer_id)
    if row is None:
        row = ReferralCode(customer_id=customer_id, code=_derived_code(customer_id))
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            existing = session.get(ReferralCode, customer_id)
            if existing is None:  # the conflict was not on this customer's code
                raise
            row = existing
    return row.code


def open_wallet(uow: UnitOfWork, *, customer: User) -> None:
    """A new customer's wallet: the first-order coupon and the invitation code, made at
    sign-up so that reading the wallet never writes."""
    _, rules = rules_versioned(uow)
    ensure_welcome_coupon(uow, customer=customer, now=uow.clock.now(), rules=rules.pricing)
    referral_code_for(uow.session, customer.id)


def _coupon_read(coupon: Coupon) -> CouponRead:
    return CouponRead(**coupon.model_dump(include=set(CouponRead.model_fields)))


def _card_read(card: ServiceCard) -> ServiceCardRead:
    return ServiceCardRead(**card.model_dump(include=set(ServiceCardRead.model_fields)))


def wallet(
    uow: UnitOfWork,
    *,
    customer: User,
) -> WalletRead:
    session = uow.session
    clock = uow.clock
    now = clock.now()
    _, rules = rules_versioned(uow)
    stored = session.get(ReferralCode, customer.id)
    code = stored.code if stored is not None else _derived_code(customer.id)
    spend = yearly_spend(session, customer.id, now)
    index, level, via_family = shared_membership(
        spend, family_spend(session, customer.id, now), rules.pricing
    )
    levels = rules.pricing.membership_levels
    nxt = levels[index + 1] if index + 1 < len(levels) else None
    coupons = session.exec(
        select(Coupon).where(Coupon.customer_id == customer.id).order_by(col(Coupon.valid_until))
    ).all()
    cards = session.exec(
        select(ServiceCard)
        .where(ServiceCard.customer_id == customer.id)
        .order_by(col(ServiceCard.created_at))
    ).all()
    referral = session.get(Referral, customer.id)
    # a returning customer is not shown the 新客券 the quote would refuse him
    new_customer = order_count(session, customer.id) == 0
    return WalletRead(
        customer_id=customer.id,
        points=points_balance(session, customer.id),
        points_value={
            "block": rules.pricing.points_redeem_block,
            "value": rules.pricing.points_redeem_value,
        },
        membership=MembershipRead(
            code=level.code,
            name_zh=level.name_zh,
            discount_bp=level.discount_bp,
            yearly_spend=spend,
            next_level=nxt.code if nxt else None,
            next_level_name_zh=nxt.name_zh if nxt else None,
            next_level_spend=nxt.min_yearly_spend if nxt else None,
            via_family=via_family,
        ),
        coupons=[
            _coupon_read(c)
            for c in coupons
            if c.status == "available"
            and as_utc(c.valid_until) > now
            and (new_customer or not engine.for_new_customers_only(c.kind, c.first_order_only))
        ],
        service_cards=[
            _card_read(c) for c in cards if c.status == "active" or c.status == "pending"
        ],
        referral_code=code,
        invited_by=referral.inviter_id if referral else None,
    )


def create_campaign(
    uow: UnitOfWork,
    *,
    user: User,
    body: CampaignCreate,
) -> CouponCampaign:
    session = uow.session
    clock = uow.clock
    if as_utc(body.valid_until) <= as_utc(body.valid_from):
        raise Unprocessable("valid_until must be after valid_from", code="campaign_invalid")
    if body.kind == "percent" and not 0 < body.percent_bp < 10000:
        raise Unprocessable("a percent coupon needs 1..9999 basis points", code="campaign_invalid")
    if body.kind in ("fixed", "threshold") and body.amount <= 0:
        raise Unprocessable("a money-off coupon needs an amount", code="campaign_invalid")
    if body.kind == "threshold" and body.threshold <= 0:
        raise Unprocessable("a threshold coupon needs a threshold", code="campaign_invalid")
    campaign = CouponCampaign(
        id=new_id("cmp"), created_by=user.id, created_at=clock.now(), **body.model_dump()
    )
    session.add(campaign)
    try:
        uow.keep()
    except IntegrityError as exc:
        uow.undo()
        raise Conflict("a campaign with this code exists", code="campaign_exists") from exc
    return campaign


def list_campaigns(uow: UnitOfWork) -> list[CouponCampaign]:
    session = uow.session
    return list(
        session.exec(select(CouponCampaign).order_by(col(CouponCampaign.created_at).desc())).all()
    )


def claim_coupon(
    uow: UnitOfWork,
    *,
    customer: User,
    campaign_code: str,
) -> Coupon:
    """A customer takes a coupon from a campaign, within its window and limits."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    campaign = session.exec(
        select(CouponCampaign).where(CouponCampaign.code == campaign_code)
    ).first()
    if campaign is None or not campaign.active:
        raise NotFound("no such campaign", code="campaign_not_found")
    if not as_utc(campaign.valid_from) <= now < as_utc(campaign.valid_until):
        raise Conflict("this campaign is not running", code="campaign_not_running")
    held = session.execute(
        select(func.count())
        .select_from(Coupon)
        .where(Coupon.customer_id == customer.id, Coupon.campaign_id == campaign.id)
    ).scalar_one()
    if held >= campaign.per_user_limit:
        raise Conflict(
            "you already have this coupon",
            code="coupon_limit_reached",
            details={"per_user_limit": campaign.per_user_limit},
        )
    stmt = update(CouponCampaign).where(col(CouponCampaign.id) == campaign.id)
    if campaign.total_limit:
        stmt = stmt.where(col(CouponCampaign.issued) < campaign.total_limit)
    if session.exec(stmt.values(issued=CouponCampaign.issued + 1)).rowcount != 1:
        uow.undo()
        raise Conflict("this campaign has run out", code="campaign_exhausted")
    coupon = Coupon(
        id=new_id("cpn"),
        customer_id=customer.id,
        grant_key=f"campaign:{campaign.code}:{held + 1}",
        campaign_id=campaign.id,
        kind=campaign.kind,
        label=campaign.name,
        amount=campaign.amount,
        threshold=campaign.threshold,
        percent_bp=campaign.percent_bp,
        cap=campaign.cap,
        service_ids=list(campaign.service_ids or []),
        stackable=campaign.stackable,
        valid_from=campaign.valid_from,
        valid_until=campaign.valid_until,
        created_at=now,
    )
    session.add(coupon)
    try:
        uow.keep()
    except IntegrityError as exc:
        uow.undo()
        raise Conflict("you already have this coupon", code="coupon_limit_reached") from exc
    return coupon


def card_products(uow: UnitOfWork) -> list[ServiceCardProductRead]:
    _, rules = rules_versioned(uow)
    out = []
    for product in rules.pricing.service_cards:
        service = catalog_service.get_service(uow, service_id=product.service_id)
        price = int(service.pricing["unit_price"]) * product.units_per_visit * product.paid_visits
        out.append(ServiceCardProductRead(**product.model_dump(), price=price))
    return out


def open_service_card(
    uow: UnitOfWork,
    *,
    customer: User,
    product_code: str,
) -> ServiceCard:
    """A bought card, pending until its payment succeeds (``activate_card``); no commit."""
    session = uow.session
    clock = uow.clock
    product = next((p for p in card_products(uow) if p.code == product_code), None)
    if product is None:
        raise NotFound("no such service card", code="card_product_not_found")
    now = clock.now()
    card = ServiceCard(
        id=new_id("crd"),
        customer_id=customer.id,
        product_code=product.code,
        name_zh=product.name_zh,
        service_id=product.service_id,
        units_per_visit=product.units_per_visit,
        visits_total=product.paid_visits + product.bonus_visits,
        visits_left=product.paid_visits + product.bonus_visits,
        price=product.price,
        valid_until=now + timedelta(days=product.valid_days),
        created_at=now,
    )
    session.add(card)
    session.flush()
    return card


def activate_card(
    uow: UnitOfWork,
    *,
    card_id: str,
) -> None:
    """Called by payments when the card's payment succeeded (no commit)."""
    session = uow.session
    clock = uow.clock
    card = session.get(ServiceCard, card_id)
    if card is None:
        raise NotFound("service card not found", code="card_not_found")
    if card.status == "pending":
        card.status = "active"
        card.activated_at = clock.now()
        session.add(card)


def apply_referral(
    uow: UnitOfWork,
    *,
    customer: User,
    code: str,
) -> Referral:
    """The invitee names their inviter (before their first order, within the window)."""
    session = uow.session
    clock = uow.clock
    now = clock.now()
    _, rules = rules_versioned(uow)
    if session.get(Referral, customer.id) is not None:
        raise Conflict("you already named who invited you", code="referral_exists")
    inviter = session.exec(
        select(ReferralCode).where(ReferralCode.code == code.strip().upper())
    ).first()
    if inviter is None:
        raise NotFound("unknown referral code", code="referral_code_not_found")
    if inviter.customer_id == customer.id:
        raise Unprocessable("you cannot invite yourself", code="referral_self")
    if order_count(session, customer.id):
        raise Conflict("referrals count before the first order", code="referral_too_late")
    if as_utc(customer.created_at) < now - timedelta(days=rules.pricing.referral_window_days):
        raise Conflict("the referral window has closed", code="referral_too_late")
    referral = Referral(invitee_id=customer.id, inviter_id=inviter.customer_id, created_at=now)
    session.add(referral)
    try:
        uow.keep()
    except IntegrityError as exc:
        uow.undo()
        raise Conflict("you already named who invited you", code="referral_exists") from exc
    return referral
