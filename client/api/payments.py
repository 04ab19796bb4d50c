"""Paying for an order (``/orders/{id}/payments``) and the sandbox provider's approval
(``/sandbox/payments``), which stands in for the customer's wallet app in tests and demos;
the customer's wallet (points, coupons, service cards, referral), his stored value (储值余额:
``pay(order_id, provider="wallet", method="balance")`` spends it) and invoices."""

from __future__ import annotations

from typing import Any

from client.api.core import ClientCore
from client.models import (
    CardPurchaseRead,
    CouponRead,
    InvoiceRead,
    PaymentRead,
    ReferralRead,
    SandboxSettleRead,
    StoredValueRead,
    WalletRead,
)


class PaymentsApi(ClientCore):
    async def pay(
        self,
        order_id: str,
        *,
        provider: str = "sandbox",
        method: str = "wechat",
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> PaymentRead:
        body = {"provider": provider, "method": method, **extra}
        path = f"/orders/{order_id}/payments"
        return await self._post(path, body, model=PaymentRead, key=idempotency_key)

    async def sandbox_approve(
        self, payment_id: str, *, idempotency_key: str | None = None
    ) -> SandboxSettleRead:
        path = f"/sandbox/payments/{payment_id}/approve"
        return await self._post(path, {}, model=SandboxSettleRead, key=idempotency_key)

    async def sandbox_fail(
        self, payment_id: str, *, idempotency_key: str | None = None
    ) -> SandboxSettleRead:
        path = f"/sandbox/payments/{payment_id}/fail"
        return await self._post(path, {}, model=SandboxSettleRead, key=idempotency_key)

    # -- the wallet -------------------------------------------------------------------

    async def wallet(self) -> WalletRead:
        return await self._get("/me/wallet", model=WalletRead)

    async def stored_value(self) -> StoredValueRead:
        """储值余额: balance, limits, preset top-ups and history."""
        return await self._get("/me/wallet/balance", model=StoredValueRead)

    async def top_up_wallet(
        self,
        amount: int,
        *,
        provider: str = "sandbox",
        method: str = "wechat",
        idempotency_key: str | None = None,
    ) -> PaymentRead:
        """A checkout with the provider; its webhook credits the balance."""
        body = {"amount": amount, "provider": provider, "method": method}
        return await self._post("/me/wallet/top-ups", body, model=PaymentRead, key=idempotency_key)

    async def claim_coupon(
        self, campaign_code: str, *, idempotency_key: str | None = None
    ) -> CouponRead:
        body = {"campaign_code": campaign_code}
        return await self._post("/me/coupons/claim", body, model=CouponRead, key=idempotency_key)

    async def apply_referral(
        self, code: str, *, idempotency_key: str | None = None
    ) -> ReferralRead:
        body = {"code": code}
        return await self._post("/me/referral", body, model=ReferralRead, key=idempotency_key)

    async def buy_service_card(
        self,
        product_code: str,
        *,
        provider: str = "sandbox",
        method: str = "wechat",
        idempotency_key: str | None = None,
    ) -> CardPurchaseRead:
        body = {"product_code": product_code, "provider": provider, "method": method}
        return await self._post(
            "/me/service-cards", body, model=CardPurchaseRead, key=idempotency_key
        )

    # -- invoices ---------------------------------------------------------------------

    async def invoice(self, order_id: str) -> InvoiceRead:
        return await self._get(f"/orders/{order_id}/invoice", model=InvoiceRead)

    async def request_invoice(
        self, order_id: str, *, title: str, idempotency_key: str | None = None, **extra: Any
    ) -> InvoiceRead:
        """``extra``: ``tax_id``, ``email``."""
        body = {"title": title, **extra}
        path = f"/orders/{order_id}/invoice"
        return await self._post(path, body, model=InvoiceRead, key=idempotency_key)
