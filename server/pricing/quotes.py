"""Quotes: a booking priced with everything the customer asked for (coupons, points, a
service card), kept for a while; an order takes it once, reserving its promotions
(conditional updates, so two orders can't spend one coupon), and a cancelled order
gives them back."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, Gone, NotFound
from server.core.ids import new_id
from server.core.money import round_half_up
from server.core.points import coarse, seal_point
from server.core.uow import UnitOfWork
from server.geo.coords import haversine_m
from server.pricing import engine, ports
from server.pricing.common import pricing_error, rules_versioned
from server.pricing.customers import coupon_offer, customer_facts, ensure_welcome_coupon
from server.pricing.models import (
    CardUse,
    Coupon,
    LoyaltyAccount,
    PointsEntry,
    Quote,
    QuoteCreate,
    QuoteLineRead,
    QuoteRead,
    ServiceCard,
)
from server.rules.orders import OrderRules
from server.rules.pricing import PricingRules

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
    return tuple(coupon_offer(c) for c in rows if as_utc(c.valid_until) > now)


def _nearest_distance(
    uow: UnitOfWork, lat: float, lng: float, service_id: str, rules: PricingRules
) -> float | None:
    return ports.nearest_technician.ask(
        uow, lat, lng, service_id, engine.traffic_subsidy_full_at_m(rules)
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
    uow: UnitOfWork,
    *,
    customer: User,
    body: QuoteCreate,
    timezone: str,
) -> Quote:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    now = clock.now()
    start = as_utc(body.scheduled_start)
    if start < now:
        raise AppError("the visit must be in the future", code="scheduled_in_past", status_code=422)
    if start > now + timedelta(days=60):
        raise AppError("book at most 60 days ahead", code="scheduled_too_far", status_code=422)
    service = catalog_service.get_service(uow, service_id=body.service_id)
    rules_version, rules = rules_versioned(uow)
    _refuse_unserviceable(body, start=start, now=now, rules=rules.orders)
    pricing_rules: PricingRules = rules.pricing
    orders_so_far, facts = customer_facts(session, customer.id, now, pricing_rules)
    ensure_welcome_coupon(
        uow, customer=customer, now=now, rules=pricing_rules, orders_so_far=orders_so_far
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
        coupons.append(coupon_offer(coupon))
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
            uow, body.address.lat, body.address.lng, service.id, pricing_rules
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
        uow.undo()
        raise pricing_error(exc) from exc
    coupon_ids = [ln.detail["coupon_id"] for ln in result.lines if ln.code.startswith("coupon:")]
    minutes = engine.visit_minutes(service.pricing, service.duration_minutes, result.units)
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
    return quote


_QUOTE_BY_ID = select(Quote).where(
    col(Quote.id) == bindparam("id")
)  # built once: every order reads one


def get_quote_for(uow: UnitOfWork, *, quote_id: str, customer_id: str) -> Quote:
    session = uow.session
    quote = session.execute(_QUOTE_BY_ID, {"id": quote_id}).scalar_one_or_none()
    if quote is None or quote.customer_id != customer_id:
        raise NotFound("quote not found", code="quote_not_found", details={"quote_id": quote_id})
    return quote


def take_quote(uow: UnitOfWork, *, quote_id: str, customer_id: str, now: datetime) -> Quote:
    quote = get_quote_for(uow, quote_id=quote_id, customer_id=customer_id)
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


def mark_quote_used(uow: UnitOfWork, *, quote: Quote, order_id: str) -> None:
    """Conditional: two orders racing for one quote can't both win; the quote's
    coupons, points and card visit are spent in the same transaction."""
    session = uow.session
    result = session.exec(_take_quote_statement(), params={"quote": quote.id, "order": order_id})
    if result.rowcount != 1:
        uow.undo()
        raise Conflict("this quote was already used", code="quote_used")
    set_committed_value(quote, "order_id", order_id)
    _reserve_promotions(session, quote, order_id)


def _reserve_promotions(session: Session, quote: Quote, order_id: str) -> None:
    now = quote.created_at
    options = quote.options or {}
    for coupon_id in options.get("coupon_ids") or []:
        done = session.exec(
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
        done = session.exec(
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
        done = session.exec(
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
        if card is None:  # the update above matched it, so only a concurrent delete
            raise Conflict("the card is gone; ask for a new quote", code="card_unavailable")
        session.refresh(card)
        value = round_half_up(card.price, max(card.visits_total, 1))
        session.add(CardUse(order_id=order_id, card_id=card_id, value=value, created_at=now))


def restore_promotions(session: Session, order_id: str, now: datetime) -> None:
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


def card_value_for_order(uow: UnitOfWork, *, order_id: str) -> int:
    """The prepaid money a card visit used by this order stands for (0 if none)."""
    session = uow.session
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
