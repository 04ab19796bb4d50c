"""An order from the customer's side and what both sides read of it (``/orders``): create,
list, follow, cancel, confirm, sign, review, complain, and the change requests the
technician proposes and the customer answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from client.api.core import ClientCore, _iso
from client.models import (
    CancellationQuoteRead,
    ChangeRequestRead,
    ComplaintRead,
    ContactRead,
    OrderEventRead,
    OrderRead,
    ReviewRead,
)


class OrdersApi(ClientCore):
    async def create_order(
        self,
        *,
        quote_id: str,
        notes: str = "",
        preferred_technician_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderRead:
        body = {
            "quote_id": quote_id,
            "notes": notes,
            "preferred_technician_id": preferred_technician_id,
        }
        return await self._post("/orders", body, model=OrderRead, key=idempotency_key)

    async def orders(
        self,
        *,
        status: list[str] | str | None = None,
        limit: int = 50,
        before: datetime | str | None = None,
    ) -> list[OrderRead]:
        return await self._get_list(
            "/orders", model=OrderRead, status=status, limit=limit, before=_iso(before)
        )

    async def order(self, order_id: str) -> OrderRead:
        return await self._get(f"/orders/{order_id}", model=OrderRead)

    async def order_events(
        self, order_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[OrderEventRead]:
        path = f"/orders/{order_id}/events"
        return await self._get_list(path, model=OrderEventRead, after_seq=after_seq, limit=limit)

    async def cancellation_quote(self, order_id: str) -> CancellationQuoteRead:
        """What cancelling now would cost (the fee the customer is asked to accept)."""
        path = f"/orders/{order_id}/cancellation-quote"
        return await self._get(path, model=CancellationQuoteRead)

    async def contact(self, order_id: str) -> ContactRead:
        """How to reach the other side of an assigned order (a masked number)."""
        return await self._get(f"/orders/{order_id}/contact", model=ContactRead)

    async def cancel(
        self,
        order_id: str,
        *,
        reason: str = "",
        expected_fee: int | None = None,
        idempotency_key: str | None = None,
    ) -> OrderRead:
        body = {"reason": reason, "expected_fee": expected_fee}
        path = f"/orders/{order_id}/cancel"
        return await self._post(path, body, model=OrderRead, key=idempotency_key)

    async def confirm(self, order_id: str, *, idempotency_key: str | None = None) -> OrderRead:
        path = f"/orders/{order_id}/confirm"
        return await self._post(path, {}, model=OrderRead, key=idempotency_key)

    async def confirm_work_order(
        self,
        order_id: str,
        *,
        signed_on: str = "customer_app",
        signature_file_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderRead:
        body = {"signed_on": signed_on, "signature_file_id": signature_file_id}
        path = f"/orders/{order_id}/work-order/confirm"
        return await self._post(path, body, model=OrderRead, key=idempotency_key)

    async def review(
        self,
        order_id: str,
        *,
        ratings: Mapping[str, int] | None = None,
        text: str = "",
        photo_file_ids: list[str] | None = None,
        idempotency_key: str | None = None,
    ) -> ReviewRead:
        """``ratings``: the customer's four dimensions (``response``, ``skill``,
        ``attitude``, ``care``, 1-5) or the technician's ``overall``."""
        body = {**dict(ratings or {}), "text": text, "photo_file_ids": photo_file_ids}
        path = f"/orders/{order_id}/reviews"
        return await self._post(path, body, model=ReviewRead, key=idempotency_key)

    async def reviews(self, order_id: str) -> list[ReviewRead]:
        """The order's reviews the caller may read (the customer's own, the technician's)."""
        return await self._get_list(f"/orders/{order_id}/reviews", model=ReviewRead)

    async def complaint(
        self,
        order_id: str,
        *,
        category: str,
        text: str,
        photo_file_ids: list[str] | None = None,
        idempotency_key: str | None = None,
    ) -> ComplaintRead:
        body = {"category": category, "text": text, "photo_file_ids": photo_file_ids}
        path = f"/orders/{order_id}/complaints"
        return await self._post(path, body, model=ComplaintRead, key=idempotency_key)

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
    ) -> ChangeRequestRead:
        body = {"items": [dict(i) for i in items], "reason": reason, **extra}
        path = f"/orders/{order_id}/change-requests"
        return await self._post(
            path, body, model=ChangeRequestRead, key=idempotency_key, at=occurred_at
        )

    async def change_requests(self, order_id: str) -> list[ChangeRequestRead]:
        return await self._get_list(f"/orders/{order_id}/change-requests", model=ChangeRequestRead)

    async def approve_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> ChangeRequestRead:
        """The customer says yes to these items of the request (one by one or several;
        the server's ``ChangeAnswerIn`` wants 1-10 item ids)."""
        path = f"/orders/{order_id}/change-requests/{change_request_id}/approve"
        body = {"item_ids": list(item_ids)}
        return await self._post(path, body, model=ChangeRequestRead, key=idempotency_key)

    async def reject_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> ChangeRequestRead:
        """The customer says no to these items; the rest of the request stays open."""
        path = f"/orders/{order_id}/change-requests/{change_request_id}/reject"
        body = {"item_ids": list(item_ids)}
        return await self._post(path, body, model=ChangeRequestRead, key=idempotency_key)
