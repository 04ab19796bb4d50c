"""An order from the customer's side and what both sides read of it (``/orders``): create,
list, follow, cancel, confirm, sign, review, complain, and the change requests the
technician proposes and the customer answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from client.api.core import ClientCore, _iso
from client.api.session import JSON


class OrdersApi(ClientCore):
    async def create_order(
        self,
        *,
        quote_id: str,
        notes: str = "",
        preferred_technician_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {
            "quote_id": quote_id,
            "notes": notes,
            "preferred_technician_id": preferred_technician_id,
        }
        return await self._post("/orders", body, key=idempotency_key)

    async def orders(
        self,
        *,
        status: list[str] | str | None = None,
        limit: int = 50,
        before: datetime | str | None = None,
    ) -> list[JSON]:
        return await self._get("/orders", status=status, limit=limit, before=_iso(before))

    async def order(self, order_id: str) -> JSON:
        return await self._get(f"/orders/{order_id}")

    async def order_events(
        self, order_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[JSON]:
        return await self._get(f"/orders/{order_id}/events", after_seq=after_seq, limit=limit)

    async def cancel(
        self,
        order_id: str,
        *,
        reason: str = "",
        expected_fee: int | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {"reason": reason, "expected_fee": expected_fee}
        return await self._post(f"/orders/{order_id}/cancel", body, key=idempotency_key)

    async def confirm(self, order_id: str, *, idempotency_key: str | None = None) -> JSON:
        return await self._post(f"/orders/{order_id}/confirm", {}, key=idempotency_key)

    async def confirm_work_order(
        self,
        order_id: str,
        *,
        signed_on: str = "customer_app",
        signature_file_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {"signed_on": signed_on, "signature_file_id": signature_file_id}
        return await self._post(f"/orders/{order_id}/work-order/confirm", body, key=idempotency_key)

    async def review(
        self,
        order_id: str,
        *,
        rating: int,
        comment: str = "",
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"rating": rating, "comment": comment, **extra}
        return await self._post(f"/orders/{order_id}/reviews", body, key=idempotency_key)

    async def complaint(
        self,
        order_id: str,
        *,
        category: str,
        description: str = "",
        file_ids: list[str] | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"category": category, "description": description, "file_ids": file_ids, **extra}
        return await self._post(f"/orders/{order_id}/complaints", body, key=idempotency_key)

    # -- change requests: the technician proposes extra work, the customer decides --

    async def create_change_request(
        self,
        order_id: str,
        *,
        items: list[Mapping[str, Any]],
        reason: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"items": [dict(i) for i in items], "reason": reason, **extra}
        path = f"/orders/{order_id}/change-requests"
        return await self._post(path, body, key=idempotency_key, at=occurred_at)

    async def change_requests(self, order_id: str) -> list[JSON]:
        return await self._get(f"/orders/{order_id}/change-requests")

    async def approve_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> JSON:
        """The customer says yes to these items of the request (one by one or several;
        the server's ``ChangeAnswerIn`` wants 1-10 item ids)."""
        path = f"/orders/{order_id}/change-requests/{change_request_id}/approve"
        return await self._post(path, {"item_ids": list(item_ids)}, key=idempotency_key)

    async def reject_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> JSON:
        """The customer says no to these items; the rest of the request stays open."""
        path = f"/orders/{order_id}/change-requests/{change_request_id}/reject"
        return await self._post(path, {"item_ids": list(item_ids)}, key=idempotency_key)
