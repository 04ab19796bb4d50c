"""Paying from the family balance: a member spends his main account's wallet within the
monthly cap the main account set for him (``pricing.family``). The payment stays the
member's (his order, his receipt); ``wallet_owner_id`` names whose wallet paid, so the
journal names both and a refund goes back to that wallet. The month is the city's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from server.auth.dependencies import CustomerUser
from server.auth.models import User
from server.core.crypto import mask_phone
from server.core.deps import UowDep
from server.core.errors import Conflict, NotFound
from server.core.money import Money
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.payments import ledger
from server.payments.journal import balance
from server.payments.models import Payment
from server.pricing import family as family_service
from server.pricing.family_models import FamilyLink


class FamilyAllowanceRead(BaseModel):
    main_name: str
    main_phone_masked: str
    kind: str
    monthly_cap: int | None  # None: no cap
    spent_this_month: int
    cap_left: int | None
    available: int  # what he may pay now: the wallet's balance within what is left of the cap


# --- pure ---------------------------------------------------------------------------------


def month_start(now: datetime, timezone: str) -> datetime:
    """The start of ``now``'s calendar month in the city, as an aware UTC time."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def cap_left(cap: Money | None, spent: Money) -> Money | None:
    return None if cap is None else max(cap - spent, 0)


# --- use cases --------------------------------------------------------------------------------


def spent_this_month(uow: UnitOfWork, link: FamilyLink) -> Money:
    """What the member paid from the main wallet since the month began, less refunds."""
    since = month_start(uow.clock.now(), uow.settings.timezone)
    paid = uow.session.execute(
        select(func.coalesce(func.sum(Payment.amount - Payment.refunded), 0)).where(
            Payment.customer_id == link.member_id,
            Payment.wallet_owner_id == link.main_id,
            Payment.status == "succeeded",
            col(Payment.succeeded_at) >= since,
        )
    ).scalar_one()
    return int(paid)


def member_link(session: Session, member_id: str) -> FamilyLink:
    link = family_service.link_of(session, member_id)
    if link is None:
        raise NotFound("you are not a member of a family", code="not_family_member")
    return link


def check_cap(uow: UnitOfWork, link: FamilyLink, amount: Money) -> None:
    """Refuse a payment over what is left of the member's monthly cap (the main wallet's
    row is locked by the caller, so two payments of one family queue here)."""
    if link.monthly_cap is None:
        return
    spent = spent_this_month(uow, link)
    left = cap_left(link.monthly_cap, spent) or 0
    if amount > left:
        raise Conflict(
            "over the monthly cap the main account set",
            code="family_cap_exceeded",
            details={"cap": link.monthly_cap, "spent": spent, "left": left, "amount": amount},
        )


def allowance(uow: UnitOfWork, *, user: User) -> FamilyAllowanceRead:
    """What a member may pay from the family balance now."""
    link = member_link(uow.session, user.id)
    main = uow.session.get(User, link.main_id)
    assert main is not None
    spent = spent_this_month(uow, link)
    left = cap_left(link.monthly_cap, spent)
    have = balance(uow.session, ledger.wallet(link.main_id))
    return FamilyAllowanceRead(
        main_name=main.name,
        main_phone_masked=mask_phone(uow.cipher.decrypt(main.phone_enc)),
        kind=link.kind,
        monthly_cap=link.monthly_cap,
        spent_this_month=spent,
        cap_left=left,
        available=have if left is None else min(have, left),
    )


router = api_router(tags=["payments"])


@router.get("/me/family/allowance", response_model=FamilyAllowanceRead)
def get_allowance(user: CustomerUser, uow: UowDep) -> FamilyAllowanceRead:
    """家庭余额: what the caller, a family member, may pay from the main account's wallet."""
    return allowance(uow, user=user)
