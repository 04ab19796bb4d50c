from __future__ import annotations

from server.auth.dependencies import (
    CustomerUser,
    OperatorUser,
)
from server.core.deps import SettingsDep, UowDep
from server.core.routing import api_router
from server.pricing import service
from server.pricing.models import (
    CampaignCreate,
    CampaignRead,
    ClaimIn,
    CouponRead,
    QuoteCreate,
    QuoteRead,
    ReferralIn,
    ReferralRead,
    ServiceCardProductRead,
    WalletRead,
)

router = api_router(tags=["pricing"])


@router.post("/quotes", response_model=QuoteRead, status_code=201)
def create_quote(
    body: QuoteCreate, user: CustomerUser, uow: UowDep, settings: SettingsDep
) -> QuoteRead:
    quote = service.create_quote(uow, customer=user, body=body, timezone=settings.timezone)
    return service.to_read(quote)


@router.get("/quotes/{quote_id}", response_model=QuoteRead)
def get_quote(quote_id: str, user: CustomerUser, uow: UowDep) -> QuoteRead:
    return service.to_read(service.get_quote_for(uow, quote_id=quote_id, customer_id=user.id))


# --- wallet and promotions ---------------------------------------------------------------


@router.get("/me/wallet", response_model=WalletRead)
def my_wallet(user: CustomerUser, uow: UowDep) -> WalletRead:
    return service.wallet(uow, customer=user)


@router.post("/me/coupons/claim", response_model=CouponRead, status_code=201)
def claim_coupon(body: ClaimIn, user: CustomerUser, uow: UowDep) -> CouponRead:
    coupon = service.claim_coupon(uow, customer=user, campaign_code=body.campaign_code)
    return CouponRead(**coupon.model_dump(include=set(CouponRead.model_fields)))


@router.post("/me/referral", response_model=ReferralRead, status_code=201)
def apply_referral(body: ReferralIn, user: CustomerUser, uow: UowDep) -> dict:
    referral = service.apply_referral(uow, customer=user, code=body.code)
    return {"inviter_id": referral.inviter_id, "created_at": referral.created_at}


@router.get("/service-cards/products", response_model=list[ServiceCardProductRead])
def card_products(uow: UowDep) -> list[ServiceCardProductRead]:
    return service.card_products(uow)


@router.post("/ops/coupon-campaigns", response_model=CampaignRead, status_code=201)
def create_campaign(body: CampaignCreate, user: OperatorUser, uow: UowDep) -> CampaignRead:
    campaign = service.create_campaign(uow, user=user, body=body)
    return CampaignRead(**campaign.model_dump())


@router.get("/ops/coupon-campaigns", response_model=list[CampaignRead])
def list_campaigns(user: OperatorUser, uow: UowDep) -> list[CampaignRead]:
    return [CampaignRead(**c.model_dump()) for c in service.list_campaigns(uow)]
