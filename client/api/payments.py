"""Paying for an order (``/orders/{id}/payments``) and the sandbox provider's approval
(``/sandbox/payments``), which stands in for the customer's wallet app in tests and demos."""

from __future__ import annotations

from typing import Any

from client.api.core import ClientCore
from client.api.session import JSON


class PaymentsApi(ClientCore):
    async def pay(
        self,
        order_id: str,
        *,
        provider: str = "sandbox",
        method: str = "wechat",
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"provider": provider, "method": method, **extra}
        return await self._post(f"/orders/{order_id}/payments", body, key=idempotency_key)

    async def sandbox_approve(self, payment_id: str, *, idempotency_key: str | None = None) -> JSON:
        return await self._post(f"/sandbox/payments/{payment_id}/approve", {}, key=idempotency_key)
