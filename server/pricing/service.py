"""Quotes, promotions and on-site change requests.

A quote prices a booking with everything the customer asked for (coupons, points, a
service card) and is kept for a while; an order takes it once and keeps its price
snapshot forever. The promotions a quote used are reserved when the order is created
(conditional updates, so two orders can't spend one coupon) and given back if the order
is cancelled. Points, yearly spend and referral rewards follow completed orders.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher
from server.core.errors import AppError, Conflict, Gone, NotFound, Unprocessable
from server.core.events import Moved, Status
from server.core.ids import new_id
from server.core.money import round_half_up
from server.core.points import coarse, seal_point
from server.geo.coords import haversine_m
from server.pricing import engine, ports
from server.pricing.models import (
    CampaignCreate,
    CardUse,
    ChangeItem,
    ChangeRequest,
    Coupon,
    CouponCampaign,
    CouponRead,
    CustomerSpend,
    LoyaltyAccount,
    MembershipRead,
    PointsEntry,
    Quote,
    QuoteCreate,
    QuoteLineRead,
    QuoteRead,
    Referral,
    ReferralCode,
    ServiceCard,
    ServiceCardProductRead,
    ServiceCardRead,
    WalletRead,
)
from server.rules import store as rules_store
from server.rules.orders import OrderRules
from server.rules.pricing import PricingRules


def _rules(session: Session) -> tuple[int, Any]:

    return rules_store.current_rules_versioned(session=session)


def pricing_error(exc: engine.PricingError) -> AppError:
    """A pricing rule refused: 409 for a conflict with what the customer holds, else 422."""
    status = 409 if exc.code in {"coupon_not_stackable", "points_insufficient"} else 422
    return AppError(str(exc), code=exc.code, details=exc.details, status_code=status)


# --- customer facts ------------------------------------------------------------------------


def _spend_since(customer_id: Any, since: Any) -> Any:  # noqa: ANN401
    return select(func.coalesce(func.sum(CustomerSpend.amount), 0)).where(
        CustomerSpend.customer_id == customer_id, CustomerSpend.at > since
    )


def _order_count(session: Session, customer_id: str) -> int:
    return session.execute(ports.counted_orders.ask(customer_id)).scalar_one()


def yearly_spend(session: Session, customer_id: str, now: datetime) -> int:
    return int(session.execute(_spend_since(customer_id, now - timedelta(days=365))).scalar_one())


def points_balance(session: Session, customer_id: str) -> int:
    account = session.get(LoyaltyAccount, customer_id)
    return account.points if account else 0


@functools.cache
def _facts_statement() -> Any:  # noqa: ANN401
    """Built once: a statement's construction costs several times its execution."""
    customer, since = bindparam("customer"), bindparam("since")
    return select(
        ports.counted_orders.ask(customer).scalar_subquery(),
        _spend_since(customer, since).scalar_subquery(),
        select(LoyaltyAccount.points)
        .where(LoyaltyAccount.customer_id == customer)
        .scalar_subquery(),
    )


def customer_facts(
    session: Session, customer_id: str, now: datetime, rules: PricingRules
) -> tuple[int, engine.CustomerFacts]:
    """(orders so far, what pricing knows of the customer), in one round trip: a quote
    asks for all three at once."""
    orders, spend, points = session.execute(
        _facts_statement(), {"customer": customer_id, "since": now - timedelta(days=365)}
    ).one()
    _, level = engine.membership_for(int(spend or 0), rules)
    return orders, engine.CustomerFacts(
        membership_code=level.code,
        membership_label=level.name_zh,
        membership_discount_bp=level.discount_bp,
        points_balance=int(points or 0),
        is_first_order=orders == 0,
    )


def _coupon_offer(coupon: Coupon) -> engine.CouponOffer:
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


def _grant(
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
    *,
    session: Session,
    customer: User,
    now: datetime,
    rules: PricingRules,
    orders_so_far: int | None = None,
) -> None:
    """新客首单立减: a customer with no order yet holds the first-order coupon."""
    if customer.role != Role.customer.value or not rules.new_customer_coupon_amount:
        return
    if orders_so_far is None:
        orders_so_far = _order_count(session, customer.id)
    if orders_so_far:
        return
    _grant(
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


# --- quotes -------------------------------------------------------------------------------


def _held_coupons(
    session: Session, customer_id: str, now: datetime
) -> tuple[engine.CouponOffer, ...]:
    """The customer's usable coupons, soonest to expire first (the tie-break for the best)."""
    rows = session.exec(
        select(Coupon)
        .where(Coupon.customer_id == customer_id, Coupon.status == "available")
        .order_by(col(Coupon.valid_until))
    ).all()
    return tuple(_coupon_offer(c) for c in rows if as_utc(c.valid_until) > now)


def _nearest_distance(
    session: Session, lat: float, lng: float, service_id: str, rules: PricingRules
) -> float | None:
    return ports.nearest_technician.ask(
        session, lat, lng, service_id, engine.traffic_subsidy_full_at_m(rules)
    )


def _refuse_unserviceable(
    body: QuoteCreate, *, start: datetime, now: datetime, rules: OrderRules
) -> None:
    """A booking nobody could serve is refused at the price, with the reason: too soon to
    get there, or a place outside the regions served."""
    if start < now + timedelta(minutes=rules.min_lead_minutes):
        raise AppError(
            f"book at least {rules.min_lead_minutes} minutes ahead",
            code="scheduled_too_soon",
            status_code=422,
            details={"min_lead_minutes": rules.min_lead_minutes},
        )
    lat, lng = body.address.lat, body.address.lng
    regions = rules.service_regions
    if not any(haversine_m(lat, lng, r.lat, r.lng) <= r.radius_km * 1000 for r in regions):
        raise AppError(
            "this address is outside the area served",
            code="outside_service_area",
            status_code=422,
            details={"regions": [r.name for r in regions]},
        )


def create_quote(
    *,
    session: Session,
    customer: User,
    body: QuoteCreate,
    clock: Clock,
    cipher: FieldCipher,
    timezone: str,
) -> Quote:
    now = clock.now()
    start = as_utc(body.scheduled_start)
    if start < now:
        raise AppError("the visit must be in the future", code="scheduled_in_past", status_code=422)
    if start > now + timedelta(days=60):
        raise AppError("book at most 60 days ahead", code="scheduled_too_far", status_code=422)
    service = catalog_service.get_service(session=session, service_id=body.service_id)
    rules_version, rules = _rules(session)
    _refuse_unserviceable(body, start=start, now=now, rules=rules.orders)
    pricing_rules: PricingRules = rules.pricing
    orders_so_far, facts = customer_facts(session, customer.id, now, pricing_rules)
    ensure_welcome_coupon(
        session=session,
        customer=customer,
        now=now,
        rules=pricing_rules,
        orders_so_far=orders_so_far,
    )
    coupons = []
    for coupon_id in body.coupon_ids:
        coupon = session.get(Coupon, coupon_id)
        if coupon is None or coupon.customer_id != customer.id:
            raise NotFound(
                "coupon not found", code="coupon_not_found", details={"coupon_id": coupon_id}
            )
        if coupon.status != "available":
            raise AppError(
                "this coupon was already used",
                code="coupon_not_applicable",
                status_code=422,
                details={"coupon_id": coupon_id, "reason": "already_used"},
            )
        coupons.append(_coupon_offer(coupon))
    card = None
    if body.service_card_id:
        row = session.get(ServiceCard, body.service_card_id)
        if row is None or row.customer_id != customer.id:
            raise NotFound("service card not found", code="card_not_found")
        if row.status != "active" or as_utc(row.valid_until) <= now:
            raise AppError(
                "this card is not usable",
                code="card_not_applicable",
                status_code=422,
                details={"reason": "not_active" if row.status != "active" else "expired"},
            )
        card = engine.CardOffer(
            id=row.id,
            service_id=row.service_id,
            units_per_visit=row.units_per_visit,
            visits_left=row.visits_left,
            label=f"{row.name_zh}抵扣",
        )
    request = engine.PriceRequest(
        pricing=service.pricing,
        addons_available=tuple(service.addons),
        units=body.units,
        area_m2=body.area_m2,
        addon_codes=tuple(body.addons),
        local_start=start.astimezone(ZoneInfo(timezone)),
        service_id=service.id,
        now=now,
        nearest_distance_m=_nearest_distance(
            session, body.address.lat, body.address.lng, service.id, pricing_rules
        ),
        customer=facts,
        coupons=tuple(coupons),
        points=body.points,
        card=card,
    )
    try:
        if body.best_coupon and not body.coupon_ids:
            held = _held_coupons(session, customer.id, now)
            result = engine.price_with_best_coupon(request, pricing_rules, held)
        else:
            result = engine.price(request, pricing_rules)
    except engine.PricingError as exc:
        session.rollback()
        raise pricing_error(exc) from exc
    coupon_ids = [ln.detail["coupon_id"] for ln in result.lines if ln.code.startswith("coupon:")]
    minutes = service.duration_minutes
    if service.pricing.get("unit", "hour") == "hour":
        minutes = 60 * result.units
    quote = Quote(
        id=new_id("quo"),
        customer_id=customer.id,
        service_id=service.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes),
        address_enc=cipher.encrypt(body.address.text),
        point_enc=seal_point(cipher, body.address.lat, body.address.lng),
        lat=coarse(body.address.lat),
        lng=coarse(body.address.lng),
        district=body.address.district,
        options={
            "units": result.units,
            "area_m2": body.area_m2,
            "addons": list(body.addons),
            "coupon_ids": coupon_ids,
            "points": body.points,
            "service_card_id": body.service_card_id,
            "gross": result.gross,
            "nearest_distance_m": round(request.nearest_distance_m)
            if request.nearest_distance_m is not None
            else None,
        },
        lines=[asdict(line) for line in result.lines],
        total=result.total,
        rules_version=rules_version,
        created_at=now,
        expires_at=now + timedelta(minutes=pricing_rules.quote_ttl_minutes),
    )
    session.add(quote)
    session.commit()
    return quote


_QUOTE_BY_ID = select(Quote).where(
    col(Quote.id) == bindparam("id")
)  # built once: every order reads one


def get_quote_for(*, session: Session, quote_id: str, customer_id: str) -> Quote:
    quote = session.execute(_QUOTE_BY_ID, {"id": quote_id}).scalar_one_or_none()
    if quote is None or quote.customer_id != customer_id:
        raise NotFound("quote not found", code="quote_not_found", details={"quote_id": quote_id})
    return quote


def take_quote(*, session: Session, quote_id: str, customer_id: str, now: datetime) -> Quote:
    quote = get_quote_for(session=session, quote_id=quote_id, customer_id=customer_id)
    if quote.order_id is not None:
        raise Conflict(
            "this quote was already used", code="quote_used", details={"order_id": quote.order_id}
        )
    if as_utc(quote.expires_at) <= now:
        raise Gone("this quote has expired; ask for a new one", code="quote_expired")
    return quote


@functools.cache
def _take_quote_statement() -> Any:  # noqa: ANN401
    """Built once (see ``_facts_statement``); the row in the session is updated by hand."""
    return (
        update(Quote)
        .where(col(Quote.id) == bindparam("quote"), col(Quote.order_id).is_(None))
        .values(order_id=bindparam("order"))
        .execution_options(synchronize_session=False)
    )


def mark_quote_used(*, session: Session, quote: Quote, order_id: str) -> None:
    """Conditional: two orders racing for one quote can't both win; the quote's
    coupons, points and card visit are spent in the same transaction."""
    result = session.execute(_take_quote_statement(), {"quote": quote.id, "order": order_id})
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("this quote was already used", code="quote_used")
    set_committed_value(quote, "order_id", order_id)
    _reserve_promotions(session, quote, order_id)


def _reserve_promotions(session: Session, quote: Quote, order_id: str) -> None:
    now = quote.created_at
    options = quote.options or {}
    for coupon_id in options.get("coupon_ids") or []:
        done = session.execute(
            update(Coupon)
            .where(col(Coupon.id) == coupon_id, col(Coupon.status) == "available")
            .values(status="used", order_id=order_id, used_at=now)
        )
        if done.rowcount != 1:
            session.rollback()
            raise Conflict(
                "a coupon of this quote was used meanwhile; ask for a new quote",
                code="coupon_unavailable",
                details={"coupon_id": coupon_id},
            )
    points = int(options.get("points") or 0)
    if points:
        if session.get(LoyaltyAccount, quote.customer_id) is None:
            session.add(LoyaltyAccount(customer_id=quote.customer_id, points=0))
            session.flush()
        done = session.execute(
            update(LoyaltyAccount)
            .where(
                col(LoyaltyAccount.customer_id) == quote.customer_id,
                col(LoyaltyAccount.points) >= points,
            )
            .values(points=LoyaltyAccount.points - points)
        )
        if done.rowcount != 1:
            session.rollback()
            raise Conflict(
                "not enough points any more; ask for a new quote", code="points_insufficient"
            )
        session.add(
            PointsEntry(
                customer_id=quote.customer_id,
                entry_key=f"redeem:{order_id}",
                delta=-points,
                reason="redeemed",
                order_id=order_id,
                created_at=now,
            )
        )
    card_id = options.get("service_card_id")
    if card_id:
        done = session.execute(
            update(ServiceCard)
            .where(
                col(ServiceCard.id) == card_id,
                col(ServiceCard.visits_left) >= 1,
                col(ServiceCard.status) == "active",
            )
            .values(visits_left=ServiceCard.visits_left - 1)
        )
        if done.rowcount != 1:
            session.rollback()
            raise Conflict(
                "the card has no visit left; ask for a new quote", code="card_unavailable"
            )
        card = session.get(ServiceCard, card_id)
        session.refresh(card)
        value = round_half_up(card.price, max(card.visits_total, 1))
        session.add(CardUse(order_id=order_id, card_id=card_id, value=value, created_at=now))


def _restore_promotions(session: Session, order_id: str, now: datetime) -> None:
    """A cancelled order gives back its coupons (still in their window), points and card visit."""
    session.execute(
        update(Coupon)
        .where(col(Coupon.order_id) == order_id, col(Coupon.status) == "used")
        .values(status="available", order_id=None, used_at=None)
    )
    spent = session.exec(
        select(PointsEntry).where(PointsEntry.entry_key == f"redeem:{order_id}")
    ).first()
    if (
        spent is not None
        and not session.exec(
            select(PointsEntry.id).where(PointsEntry.entry_key == f"restore:{order_id}")
        ).first()
    ):
        session.execute(
            update(LoyaltyAccount)
            .where(col(LoyaltyAccount.customer_id) == spent.customer_id)
            .values(points=LoyaltyAccount.points - spent.delta)
        )
        session.add(
            PointsEntry(
                customer_id=spent.customer_id,
                entry_key=f"restore:{order_id}",
                delta=-spent.delta,
                reason="restored",
                order_id=order_id,
                created_at=now,
            )
        )
    use = session.get(CardUse, order_id)
    if use is not None and not use.restored:
        session.execute(
            update(ServiceCard)
            .where(col(ServiceCard.id) == use.card_id)
            .values(visits_left=ServiceCard.visits_left + 1)
        )
        use.restored = True
        session.add(use)


def card_value_for_order(*, session: Session, order_id: str) -> int:
    """The prepaid money a card visit used by this order stands for (0 if none)."""
    use = session.get(CardUse, order_id)
    return use.value if use is not None and not use.restored else 0


def to_read(quote: Quote) -> QuoteRead:
    return QuoteRead(
        quote_id=quote.id,
        service_id=quote.service_id,
        total=quote.total,
        currency=quote.currency,
        lines=[QuoteLineRead(**line) for line in quote.lines],
        scheduled_start=quote.scheduled_start,
        scheduled_end=quote.scheduled_end,
        expires_at=quote.expires_at,
        options=quote.options,
        gross=int(
            (quote.options or {}).get("gross")
            or sum(ln["amount"] for ln in quote.lines if ln["amount"] > 0)
        ),
    )


# --- reacting to order moves ----------------------------------------------------------------


def promotions_on_move(session: Session, moved: Moved) -> None:
    order = moved.order
    now = as_utc(order.updated_at)
    if moved.to_status == Status.CANCELLED.value and moved.action is not None:
        _restore_promotions(session, order.id, now)
    elif (
        moved.to_status == Status.COMPLETED.value
        and moved.from_status == Status.AWAITING_CONFIRMATION.value
    ):
        _reward_completed(session, order, now)


def _reward_completed(session: Session, order: Any, now: datetime) -> None:
    _, rules = _rules(session)
    paid = ports.paid_amount.ask(session, order.id)
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
            _grant(
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


# --- wallet: coupons, points, membership, cards, referral -------------------------------------


def referral_code_for(session: Session, customer_id: str) -> str:
    row = session.get(ReferralCode, customer_id)
    if row is None:
        code = hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper()
        row = ReferralCode(customer_id=customer_id, code=code)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = session.get(ReferralCode, customer_id)
    return row.code


def _coupon_read(coupon: Coupon) -> CouponRead:
    return CouponRead(**coupon.model_dump(include=set(CouponRead.model_fields)))


def _card_read(card: ServiceCard) -> ServiceCardRead:
    return ServiceCardRead(**card.model_dump(include=set(ServiceCardRead.model_fields)))


def wallet(*, session: Session, customer: User, clock: Clock) -> WalletRead:
    now = clock.now()
    _, rules = _rules(session)
    ensure_welcome_coupon(session=session, customer=customer, now=now, rules=rules.pricing)
    code = referral_code_for(session, customer.id)
    session.commit()
    spend = yearly_spend(session, customer.id, now)
    index, level = engine.membership_for(spend, rules.pricing)
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
            next_level_spend=nxt.min_yearly_spend if nxt else None,
        ),
        coupons=[
            _coupon_read(c)
            for c in coupons
            if c.status == "available" and as_utc(c.valid_until) > now
        ],
        service_cards=[
            _card_read(c) for c in cards if c.status == "active" or c.status == "pending"
        ],
        referral_code=code,
        invited_by=referral.inviter_id if referral else None,
    )


def create_campaign(
    *, session: Session, user: User, body: CampaignCreate, clock: Clock
) -> CouponCampaign:
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
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("a campaign with this code exists", code="campaign_exists") from exc
    return campaign


def list_campaigns(*, session: Session) -> list[CouponCampaign]:
    return list(
        session.exec(select(CouponCampaign).order_by(col(CouponCampaign.created_at).desc())).all()
    )


def claim_coupon(*, session: Session, customer: User, campaign_code: str, clock: Clock) -> Coupon:
    """A customer takes a coupon from a campaign, within its window and limits."""
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
    if session.execute(stmt.values(issued=CouponCampaign.issued + 1)).rowcount != 1:
        session.rollback()
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
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("you already have this coupon", code="coupon_limit_reached") from exc
    return coupon


def card_products(*, session: Session) -> list[ServiceCardProductRead]:
    _, rules = _rules(session)
    out = []
    for product in rules.pricing.service_cards:
        service = catalog_service.get_service(session=session, service_id=product.service_id)
        price = int(service.pricing["unit_price"]) * product.units_per_visit * product.paid_visits
        out.append(ServiceCardProductRead(**product.model_dump(), price=price))
    return out


def open_service_card(
    *, session: Session, customer: User, product_code: str, clock: Clock
) -> ServiceCard:
    """A bought card, pending until its payment succeeds (``activate_card``); no commit."""
    product = next((p for p in card_products(session=session) if p.code == product_code), None)
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


def activate_card(*, session: Session, card_id: str, clock: Clock) -> None:
    """Called by payments when the card's payment succeeded (no commit)."""
    card = session.get(ServiceCard, card_id)
    if card is None:
        raise NotFound("service card not found", code="card_not_found")
    if card.status == "pending":
        card.status = "active"
        card.activated_at = clock.now()
        session.add(card)


def apply_referral(*, session: Session, customer: User, code: str, clock: Clock) -> Referral:
    """The invitee names their inviter (before their first order, within the window)."""
    now = clock.now()
    _, rules = _rules(session)
    if session.get(Referral, customer.id) is not None:
        raise Conflict("you already named who invited you", code="referral_exists")
    inviter = session.exec(
        select(ReferralCode).where(ReferralCode.code == code.strip().upper())
    ).first()
    if inviter is None:
        raise NotFound("unknown referral code", code="referral_code_not_found")
    if inviter.customer_id == customer.id:
        raise Unprocessable("you cannot invite yourself", code="referral_self")
    if _order_count(session, customer.id):
        raise Conflict("referrals count before the first order", code="referral_too_late")
    if as_utc(customer.created_at) < now - timedelta(days=rules.pricing.referral_window_days):
        raise Conflict("the referral window has closed", code="referral_too_late")
    referral = Referral(invitee_id=customer.id, inviter_id=inviter.customer_id, created_at=now)
    session.add(referral)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("you already named who invited you", code="referral_exists") from exc
    return referral


# --- on-site change requests ------------------------------------------------------------------


def pending_change_requests(*, session: Session, order_id: str) -> int:
    """Change requests awaiting an answer (from support or the customer); finishing waits."""
    return session.execute(
        select(func.count())
        .select_from(ChangeRequest)
        .where(
            ChangeRequest.order_id == order_id,
            col(ChangeRequest.status).in_(("awaiting_support", "awaiting_customer")),
        )
    ).scalar_one()


def pending_change_amount(*, session: Session, order_id: str) -> int:
    """Fen of the items still waiting for support's or the customer's answer."""
    total = session.execute(
        select(func.coalesce(func.sum(ChangeItem.amount), 0))
        .join(ChangeRequest, col(ChangeRequest.id) == col(ChangeItem.change_request_id))
        .where(
            ChangeItem.order_id == order_id,
            ChangeItem.status == "pending",
            col(ChangeRequest.status).in_(("awaiting_support", "awaiting_customer")),
        )
    ).scalar_one()
    return int(total or 0)
