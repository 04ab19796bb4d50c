from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class Quote(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    service_id: str = Field(foreign_key="service.id")
    scheduled_start: datetime
    scheduled_end: datetime
    address_enc: str
    point_enc: str  # the exact position, encrypted; lat/lng to ~100 m (server.core.points)
    lat: float
    lng: float
    district: str = ""
    options: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    total: int
    currency: str = "CNY"
    rules_version: int = 0
    created_at: datetime
    expires_at: datetime
    order_id: str | None = Field(default=None, max_length=40)

    def snapshot(self) -> dict[str, Any]:
        """What an order keeps forever, whatever later happens to prices."""
        return {
            "quote_id": self.id,
            "lines": self.lines,
            "total": self.total,
            "currency": self.currency,
            "options": self.options,
            "rules_version": self.rules_version,
            "priced_at": self.created_at.isoformat(),
        }


class AddressIn(BaseModel):
    """Where the visit is: WGS84 position, the text the technician reads at the door (stored
    encrypted), and the district shown before acceptance."""

    lat: float = PField(ge=-90, le=90)
    lng: float = PField(ge=-180, le=180)
    text: str = PField(min_length=1, max_length=300)
    district: str = PField(default="", max_length=60)


class QuoteCreate(BaseModel):
    service_id: str = PField(max_length=64)
    address: AddressIn
    scheduled_start: AwareDatetime
    units: int | None = PField(default=None, ge=1, le=1000, description="hours or items")
    area_m2: int | None = PField(default=None, ge=1, le=2000, description="a home's floor area")
    addons: list[str] = PField(default_factory=list, max_length=20)
    coupon_ids: list[str] = PField(default_factory=list, max_length=5)
    best_coupon: bool = PField(
        default=False,
        description="with no coupon_ids: apply the customer's coupon that saves the most",
    )
    points: int = PField(default=0, ge=0, le=10_000_000, description="points to redeem")
    service_card_id: str | None = PField(default=None, max_length=64)


class QuoteLineRead(BaseModel):
    code: str
    label: str
    amount: int
    detail: dict[str, Any] = {}


class QuoteRead(BaseModel):
    quote_id: str
    service_id: str
    total: int
    currency: str
    lines: list[QuoteLineRead]
    scheduled_start: datetime
    scheduled_end: datetime
    expires_at: datetime
    options: dict[str, Any]
    gross: int = 0


# --- promotions -------------------------------------------------------------------------


class CouponCampaign(SQLModel, table=True):
    """An operator's coupon offer; customers claim coupons from it."""

    __tablename__ = "coupon_campaign"

    id: str = Field(primary_key=True, max_length=40)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=60)
    kind: str = Field(max_length=20)  # fixed | threshold | percent
    amount: int = 0
    threshold: int = 0
    percent_bp: int = 0
    cap: int = 0
    service_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    stackable: bool = False
    valid_from: datetime
    valid_until: datetime
    per_user_limit: int = 1
    total_limit: int = 0  # 0: unlimited
    issued: int = 0
    active: bool = True
    created_by: str | None = Field(default=None, max_length=40)
    created_at: datetime


class Coupon(SQLModel, table=True):
    """One coupon held by one customer. ``grant_key`` makes every grant happen once."""

    __tablename__ = "coupon"
    __table_args__ = (UniqueConstraint("customer_id", "grant_key", name="uq_coupon_grant"),)

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    grant_key: str = Field(max_length=120)  # welcome | referral:<invitee> | campaign:<code>:<n>
    campaign_id: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=20)
    label: str = Field(default="", max_length=60)
    amount: int = 0
    threshold: int = 0
    percent_bp: int = 0
    cap: int = 0
    service_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    stackable: bool = False
    first_order_only: bool = False
    valid_from: datetime
    valid_until: datetime
    status: str = Field(default="available", max_length=20)  # available | used
    order_id: str | None = Field(default=None, max_length=40)
    used_at: datetime | None = None
    created_at: datetime


class LoyaltyAccount(SQLModel, table=True):
    __tablename__ = "loyalty_account"

    customer_id: str = Field(primary_key=True, foreign_key="app_user.id")
    points: int = 0


class PointsEntry(SQLModel, table=True):
    """Every change of a points balance; ``entry_key`` makes each happen once."""

    __tablename__ = "points_entry"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    entry_key: str = Field(unique=True, max_length=120)
    delta: int
    reason: str = Field(max_length=40)  # earned | redeemed | restored | reversed
    order_id: str | None = Field(default=None, max_length=40)
    created_at: datetime


class CustomerSpend(SQLModel, table=True):
    """What a customer paid for a completed order (membership by yearly spend)."""

    __tablename__ = "customer_spend"

    order_id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    amount: int
    at: datetime = Field(index=True)


class ServiceCard(SQLModel, table=True):
    __tablename__ = "service_card"

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    product_code: str = Field(max_length=40)
    name_zh: str = Field(max_length=60)
    service_id: str = Field(max_length=64)
    units_per_visit: int
    visits_total: int
    visits_left: int
    price: int  # fen paid for the card
    status: str = Field(default="pending", max_length=20)  # pending | active
    payment_id: str | None = Field(default=None, max_length=40)
    valid_until: datetime
    created_at: datetime
    activated_at: datetime | None = None


class CardUse(SQLModel, table=True):
    """A card visit used by an order; ``value`` is the prepaid money it stands for."""

    __tablename__ = "card_use"

    order_id: str = Field(primary_key=True, max_length=40)
    card_id: str = Field(foreign_key="service_card.id", index=True)
    value: int
    restored: bool = False
    created_at: datetime


class ReferralCode(SQLModel, table=True):
    __tablename__ = "referral_code"

    customer_id: str = Field(primary_key=True, foreign_key="app_user.id")
    code: str = Field(unique=True, max_length=16)


class Referral(SQLModel, table=True):
    __tablename__ = "referral"

    invitee_id: str = Field(primary_key=True, foreign_key="app_user.id")
    inviter_id: str = Field(foreign_key="app_user.id", index=True)
    created_at: datetime
    rewarded_at: datetime | None = None
    rewarded_order_id: str | None = Field(default=None, max_length=40)


# --- on-site change requests ---------------------------------------------------------------


class ChangeRequest(SQLModel, table=True):
    __tablename__ = "change_request"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True)
    technician_id: str = Field(max_length=40)
    # awaiting_support (over the cap) -> awaiting_customer -> answered
    status: str = Field(max_length=24, index=True)
    total: int  # fen, every proposed item
    approved_total: int = 0
    support_id: str | None = Field(default=None, max_length=40)
    support_at: datetime | None = None
    created_at: datetime
    answered_at: datetime | None = None


class ChangeItem(SQLModel, table=True):
    __tablename__ = "change_item"

    id: str = Field(primary_key=True, max_length=40)
    change_request_id: str = Field(foreign_key="change_request.id", index=True)
    order_id: str = Field(max_length=40, index=True)
    code: str = Field(max_length=60)
    name: str = Field(max_length=80)
    quantity: int
    unit_price: int
    amount: int  # priced by the engine (quantity x rate card, night surcharge)
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    reason: str = Field(max_length=300)
    photo_file_id: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending | approved | rejected
    answered_by: str | None = Field(default=None, max_length=40)
    answered_at: datetime | None = None


# --- API schemas -----------------------------------------------------------------------


class CampaignCreate(BaseModel):
    code: str = PField(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = PField(min_length=1, max_length=60)
    kind: str = PField(pattern="^(fixed|threshold|percent)$")
    amount: int = PField(default=0, ge=0, le=10_000_000)
    threshold: int = PField(default=0, ge=0, le=100_000_000)
    percent_bp: int = PField(default=0, ge=0, le=10000)
    cap: int = PField(default=0, ge=0, le=10_000_000)
    service_ids: list[str] = PField(default_factory=list, max_length=50)
    stackable: bool = False
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    per_user_limit: int = PField(default=1, ge=1, le=100)
    total_limit: int = PField(default=0, ge=0, le=10_000_000)


class CampaignRead(BaseModel):
    id: str
    code: str
    name: str
    kind: str
    amount: int
    threshold: int
    percent_bp: int
    cap: int
    service_ids: list[str]
    stackable: bool
    valid_from: datetime
    valid_until: datetime
    per_user_limit: int
    total_limit: int
    issued: int
    active: bool


class ClaimIn(BaseModel):
    campaign_code: str = PField(min_length=1, max_length=40)


class CouponRead(BaseModel):
    id: str
    kind: str
    label: str
    amount: int
    threshold: int
    percent_bp: int
    cap: int
    service_ids: list[str]
    stackable: bool
    first_order_only: bool
    valid_from: datetime
    valid_until: datetime
    status: str
    order_id: str | None


class ServiceCardRead(BaseModel):
    id: str
    product_code: str
    name_zh: str
    service_id: str
    units_per_visit: int
    visits_total: int
    visits_left: int
    price: int
    status: str
    valid_until: datetime
    payment_id: str | None = None


class ServiceCardProductRead(BaseModel):
    code: str
    name_zh: str
    service_id: str
    units_per_visit: int
    paid_visits: int
    bonus_visits: int
    valid_days: int
    price: int


class MembershipRead(BaseModel):
    code: str
    name_zh: str
    discount_bp: int
    yearly_spend: int
    next_level: str | None
    next_level_name_zh: str | None = None  # what the customer reads: "金卡会员"
    next_level_spend: int | None
    via_family: bool = False  # the level is the family's main account's, not his own


class WalletRead(BaseModel):
    customer_id: str
    points: int
    points_value: dict[str, int]  # {"block": 500, "value": 4000}
    membership: MembershipRead
    coupons: list[CouponRead]
    service_cards: list[ServiceCardRead]
    referral_code: str
    invited_by: str | None


class ReferralIn(BaseModel):
    code: str = PField(min_length=4, max_length=16)


class ReferralRead(BaseModel):
    inviter_id: str
    created_at: datetime


class ChangeItemIn(BaseModel):
    code: str = PField(min_length=1, max_length=60)
    quantity: int = PField(default=1, ge=1, le=100)
    reason: str = PField(min_length=1, max_length=300)
    photo_file_id: str = PField(min_length=1, max_length=64)


class ChangeRequestCreate(BaseModel):
    items: list[ChangeItemIn] = PField(min_length=1, max_length=10)


class ChangeAnswerIn(BaseModel):
    item_ids: list[str] = PField(min_length=1, max_length=10)


class ChangeItemRead(BaseModel):
    id: str
    code: str
    name: str
    quantity: int
    unit_price: int
    amount: int
    lines: list[dict[str, Any]]
    reason: str
    photo_file_id: str
    status: str
    answered_by: str | None
    answered_at: datetime | None


class ChangeRequestRead(BaseModel):
    id: str
    order_id: str
    technician_id: str
    status: str
    total: int
    approved_total: int
    support_id: str | None
    support_at: datetime | None
    created_at: datetime
    answered_at: datetime | None
    items: list[ChangeItemRead]


class MallStock(SQLModel, table=True):
    """How many of a 积分商城 item have been taken (its row exists once one was)."""

    __tablename__ = "mall_stock"

    item_code: str = Field(primary_key=True, max_length=40)
    taken: int = 0


class MallRedemption(SQLModel, table=True):
    """One exchange of points: a coupon issued at once, or a product to ship."""

    __tablename__ = "mall_redemption"

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True)
    item_code: str = Field(max_length=40, index=True)
    points: int
    status: str = Field(max_length=20, index=True)  # issued | to_ship | shipped
    coupon_id: str | None = Field(default=None, max_length=40)
    address_enc: str | None = None  # where a product goes (AES-GCM)
    tracking_no: str = Field(default="", max_length=40)
    created_at: datetime
    shipped_at: datetime | None = None


class MallItemRead(BaseModel):
    code: str
    kind: str
    name_zh: str
    name_en: str
    points: int
    stock_left: int | None  # None: no limit
    my_left: int | None  # how many more this customer may take (None: no limit)
    service_id: str | None  # a coupon usable only for this service
    service_name_zh: str | None
    service_name_en: str | None
    coupon_amount: int  # fen (0 for a product)
    coupon_threshold: int
    valid_days: int


class MallRedeemIn(BaseModel):
    item_code: str = PField(min_length=1, max_length=40)
    address_id: str | None = PField(default=None, max_length=40, description="for a product")


class MallRedemptionRead(BaseModel):
    id: str
    item_code: str
    name_zh: str
    name_en: str
    points: int
    status: str
    coupon_id: str | None
    address: str | None  # the owner and staff see it
    tracking_no: str
    created_at: datetime
    shipped_at: datetime | None


class MallShipIn(BaseModel):
    tracking_no: str = PField(min_length=4, max_length=40)
