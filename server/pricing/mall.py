"""积分商城: customers exchange points for coupons (a service-only coupon is how free
service hours are given) or products shipped to a saved address, within each item's
stock and per-customer limit. The items are a file (``assets/points_mall.yaml``); what was
taken is counted in ``mall_stock``. One redemption is one transaction: the points are
taken by a conditional update (which also queues two redemptions of one customer), the
stock by another, then the coupon or the shipment is written."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path

import yaml
from fastapi import Query
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.auth.dependencies import CustomerUser, OptionalUser, StaffUser
from server.auth.models import User
from server.catalog.models import Service
from server.core.deps import UowDep
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.geo import addresses
from server.pricing.customers import points_balance
from server.pricing.models import (
    Coupon,
    LoyaltyAccount,
    MallItemRead,
    MallRedeemIn,
    MallRedemption,
    MallRedemptionRead,
    MallShipIn,
    MallStock,
    PointsEntry,
)

MALL_FILE = Path(__file__).resolve().parents[2] / "assets" / "points_mall.yaml"


class CouponTerms(BaseModel):
    amount: int = Field(gt=0)
    threshold: int = Field(default=0, ge=0)
    valid_days: int = Field(gt=0, le=366)
    service: str | None = None  # a catalog service code


class MallItem(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    kind: str = Field(pattern="^(coupon|product)$")
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)
    points: int = Field(gt=0)
    stock: int | None = Field(default=None, ge=0)
    per_customer: int | None = Field(default=None, gt=0)
    coupon: CouponTerms | None = None

    @model_validator(mode="after")
    def _terms_match_kind(self) -> MallItem:
        if (self.kind == "coupon") != (self.coupon is not None):
            raise ValueError(f"{self.code}: a coupon item has coupon terms, a product none")
        return self

    @property
    def service_id(self) -> str | None:
        return f"svc_{self.coupon.service}" if self.coupon and self.coupon.service else None


@cache
def items(path: Path = MALL_FILE) -> dict[str, MallItem]:
    """The items, checked once (a broken file fails in the tests and on first use)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for entry in raw["items"]:
        item = MallItem.model_validate(entry)
        if item.code in out:
            raise ValueError(f"{item.code}: listed twice")
        out[item.code] = item
    return out


def _taken(uow: UnitOfWork) -> dict[str, int]:
    return {s.item_code: s.taken for s in uow.session.exec(select(MallStock)).all()}


def _mine(uow: UnitOfWork, customer_id: str) -> dict[str, int]:
    rows = uow.session.execute(
        select(MallRedemption.item_code, func.count())
        .where(MallRedemption.customer_id == customer_id)
        .group_by(col(MallRedemption.item_code))
    ).all()
    return {code: int(n) for code, n in rows}


def list_items(uow: UnitOfWork, *, user: User | None) -> list[MallItemRead]:
    taken = _taken(uow)
    mine = _mine(uow, user.id) if user is not None else {}
    out = []
    for item in items().values():
        coupon = item.coupon
        service = uow.session.get(Service, item.service_id) if item.service_id else None
        out.append(
            MallItemRead(
                code=item.code,
                kind=item.kind,
                name_zh=item.name_zh,
                name_en=item.name_en,
                points=item.points,
                stock_left=None if item.stock is None else item.stock - taken.get(item.code, 0),
                my_left=None
                if item.per_customer is None
                else item.per_customer - mine.get(item.code, 0),
                service_id=item.service_id,
                service_name_zh=service.name_zh if service else None,
                service_name_en=service.name_en if service else None,
                coupon_amount=coupon.amount if coupon else 0,
                coupon_threshold=coupon.threshold if coupon else 0,
                valid_days=coupon.valid_days if coupon else 0,
            )
        )
    return out


def redeem(uow: UnitOfWork, *, customer: User, body: MallRedeemIn) -> MallRedemptionRead:
    item = items().get(body.item_code)
    if item is None:
        raise NotFound("no such item", code="mall_item_not_found")
    address = None
    if item.kind == "product":
        if not body.address_id:
            raise Unprocessable("choose where to send it", code="mall_address_required")
        place = addresses.owned(uow, customer=customer, address_id=body.address_id)
        address = f"{place.text} {place.detail}".strip()
    session, now = uow.session, uow.clock.now()
    redemption_id = new_id("mall")
    _check_limit(uow, customer.id, item)  # the plain refusal, before anything is taken
    # the points' conditional update also queues two redemptions of one customer, so the
    # second check sees a concurrent one that got there first
    _take_points(uow, customer.id, item.points, redemption_id)
    _check_limit(uow, customer.id, item)
    _take_stock(uow, item)
    coupon_id = _issue_coupon(uow, customer.id, item, redemption_id) if item.coupon else None
    row = MallRedemption(
        id=redemption_id,
        customer_id=customer.id,
        item_code=item.code,
        points=item.points,
        status="issued" if coupon_id else "to_ship",
        coupon_id=coupon_id,
        address_enc=uow.cipher.encrypt(address) if address else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _read(uow, row)


def _check_limit(uow: UnitOfWork, customer_id: str, item: MallItem) -> None:
    if (
        item.per_customer is not None
        and _mine(uow, customer_id).get(item.code, 0) >= item.per_customer
    ):
        raise Conflict("you have taken as many as one customer may", code="mall_limit_reached")


def _take_points(uow: UnitOfWork, customer_id: str, points: int, redemption_id: str) -> None:
    done = uow.session.execute(
        update(LoyaltyAccount)
        .where(col(LoyaltyAccount.customer_id) == customer_id, col(LoyaltyAccount.points) >= points)
        .values(points=LoyaltyAccount.points - points)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "not enough points",
            code="points_insufficient",
            details={"points": points_balance(uow.session, customer_id), "needed": points},
        )
    uow.session.add(
        PointsEntry(
            customer_id=customer_id,
            entry_key=f"mall:{redemption_id}",
            delta=-points,
            reason="mall",
            created_at=uow.clock.now(),
        )
    )


def _take_stock(uow: UnitOfWork, item: MallItem) -> None:
    """One more taken, if any is left (the row is made by the first taker)."""
    if item.stock is None:
        return
    session = uow.session
    for _ in range(2):
        done = session.execute(
            update(MallStock)
            .where(col(MallStock.item_code) == item.code, col(MallStock.taken) < item.stock)
            .values(taken=MallStock.taken + 1)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            return
        if session.get(MallStock, item.code) is not None:
            raise Conflict("this item is sold out", code="mall_sold_out")
        try:
            with session.begin_nested():
                session.add(MallStock(item_code=item.code, taken=0))
        except IntegrityError:
            continue  # another taker made it first: take from it
    raise Conflict("this item is sold out", code="mall_sold_out")


def _issue_coupon(uow: UnitOfWork, customer_id: str, item: MallItem, redemption_id: str) -> str:
    terms = item.coupon
    assert terms is not None
    now = uow.clock.now()
    coupon = Coupon(
        id=new_id("cpn"),
        customer_id=customer_id,
        grant_key=f"mall:{redemption_id}",
        kind="threshold" if terms.threshold else "fixed",
        label=item.name_zh,
        amount=terms.amount,
        threshold=terms.threshold,
        service_ids=[item.service_id] if item.service_id else [],
        valid_from=now,
        valid_until=now + timedelta(days=terms.valid_days),
        created_at=now,
    )
    uow.session.add(coupon)
    return coupon.id


def _read(uow: UnitOfWork, row: MallRedemption) -> MallRedemptionRead:
    item = items().get(row.item_code)
    return MallRedemptionRead(
        id=row.id,
        item_code=row.item_code,
        name_zh=item.name_zh if item else row.item_code,
        name_en=item.name_en if item else row.item_code,
        points=row.points,
        status=row.status,
        coupon_id=row.coupon_id,
        address=uow.cipher.decrypt(row.address_enc) if row.address_enc else None,
        tracking_no=row.tracking_no,
        created_at=row.created_at,
        shipped_at=row.shipped_at,
    )


def redemptions(
    uow: UnitOfWork, *, customer_id: str | None, status: str | None = None
) -> list[MallRedemptionRead]:
    query = select(MallRedemption).order_by(col(MallRedemption.created_at).desc()).limit(200)
    if customer_id is not None:
        query = query.where(MallRedemption.customer_id == customer_id)
    if status is not None:
        query = query.where(MallRedemption.status == status)
    return [_read(uow, row) for row in uow.session.exec(query).all()]


def ship(uow: UnitOfWork, *, redemption_id: str, body: MallShipIn) -> MallRedemptionRead:
    row = uow.session.get(MallRedemption, redemption_id)
    if row is None:
        raise NotFound("no such redemption", code="mall_redemption_not_found")
    if row.status != "to_ship":
        raise Conflict("only a product waiting to ship can be shipped", code="mall_not_to_ship")
    row.status, row.tracking_no, row.shipped_at = "shipped", body.tracking_no, uow.clock.now()
    uow.session.add(row)
    return _read(uow, row)


# --- routes --------------------------------------------------------------------------------

router = api_router(tags=["pricing"])


@router.get("/mall/items", response_model=list[MallItemRead])
def get_items(uow: UowDep, user: OptionalUser) -> list[MallItemRead]:
    """Every item with what is left; signed in, also how many more the caller may take."""
    return list_items(uow, user=user)


@router.post("/me/mall/redemptions", response_model=MallRedemptionRead, status_code=201)
def post_redemption(body: MallRedeemIn, user: CustomerUser, uow: UowDep) -> MallRedemptionRead:
    return redeem(uow, customer=user, body=body)


@router.get("/me/mall/redemptions", response_model=list[MallRedemptionRead])
def get_my_redemptions(user: CustomerUser, uow: UowDep) -> list[MallRedemptionRead]:
    return redemptions(uow, customer_id=user.id)


@router.get("/ops/mall/redemptions", response_model=list[MallRedemptionRead])
def get_redemptions(
    user: StaffUser,
    uow: UowDep,
    status: str | None = Query(default=None, pattern="^(issued|to_ship|shipped)$"),
) -> list[MallRedemptionRead]:
    return redemptions(uow, customer_id=None, status=status)


@router.post("/ops/mall/redemptions/{redemption_id}/ship", response_model=MallRedemptionRead)
def post_ship(
    redemption_id: str, body: MallShipIn, user: StaffUser, uow: UowDep
) -> MallRedemptionRead:
    return ship(uow, redemption_id=redemption_id, body=body)
