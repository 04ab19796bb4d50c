"""Moving a visit (改约, ``/orders/{id}/delay-requests``): the assigned technician asks for
a new start at least the rule's notice ahead, the order's customer accepts or declines."""

from __future__ import annotations

from datetime import datetime

from client.api.core import ClientCore, _iso
from client.models import DelayRequestRead


class DelaysApi(ClientCore):
    async def request_delay(
        self,
        order_id: str,
        *,
        scheduled_start: datetime | str,
        reason: str,
        idempotency_key: str | None = None,
    ) -> DelayRequestRead:
        """The technician asks to move the visit to ``scheduled_start`` (an aware time;
        the visit keeps its length). Refusals: ``delay_notice_too_short``,
        ``delay_request_pending``, ``delay_overlaps_job``, ``scheduled_*`` ..."""
        body = {"scheduled_start": _iso(scheduled_start), "reason": reason}
        path = f"/orders/{order_id}/delay-requests"
        return await self._post(path, body, model=DelayRequestRead, key=idempotency_key)

    async def delay_requests(self, order_id: str) -> list[DelayRequestRead]:
        """The order's requests, oldest first (a technician: his own, also once the order
        went to someone else)."""
        return await self._get_list(f"/orders/{order_id}/delay-requests", model=DelayRequestRead)

    async def accept_delay(
        self, order_id: str, request_id: str, *, idempotency_key: str | None = None
    ) -> DelayRequestRead:
        """The customer takes the new time: the visit moves."""
        path = f"/orders/{order_id}/delay-requests/{request_id}/accept"
        return await self._post(path, {}, model=DelayRequestRead, key=idempotency_key)

    async def decline_delay(
        self, order_id: str, request_id: str, *, idempotency_key: str | None = None
    ) -> DelayRequestRead:
        """The customer keeps the booked time: the order goes to another technician."""
        path = f"/orders/{order_id}/delay-requests/{request_id}/decline"
        return await self._post(path, {}, model=DelayRequestRead, key=idempotency_key)
