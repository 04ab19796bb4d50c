"""Buying a service card: pricing opens the card, payments opens its payment, in one
transaction; the card turns active when the payment succeeds (payments tells pricing)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.auth.dependencies import CustomerUser
from server.core.deps import UowDep
from server.core.routing import api_router
from server.payments import service as payments_service
from server.payments.models import PaymentCreate, PaymentRead
from server.pricing import service as pricing_service
from server.pricing.models import ServiceCardRead

router = api_router(tags=["pricing"])


class CardPurchase(PaymentCreate):
    product_code: str


class CardPurchaseRead(BaseModel):
    """The new card (active once paid) and the payment that opens it."""

    card: ServiceCardRead
    payment_id: str
    checkout: dict[str, Any]
    payment: PaymentRead


@router.post("/me/service-cards", response_model=CardPurchaseRead, status_code=201)
def buy_card(body: CardPurchase, user: CustomerUser, uow: UowDep) -> dict:
    session = uow.session
    card = pricing_service.open_service_card(uow, customer=user, product_code=body.product_code)
    payment = payments_service.create_card_payment(
        uow, card_id=card.id, customer_id=user.id, amount=card.price, body=body
    )
    card.payment_id = payment.id
    session.add(card)
    return {
        "card": ServiceCardRead(
            **card.model_dump(include=set(ServiceCardRead.model_fields))
        ).model_dump(),
        "payment_id": payment.id,
        "checkout": payment.checkout,
        "payment": payments_service.to_read(payment).model_dump(),
    }
