"""The technician's side (``/technician/*`` and the field steps of ``/orders/{id}``): offers
and the pool, the steps of a job on site, location reports, profile, availability,
service area, going online, certificates, earnings and payouts, SOS, reviews and
complaints. Field actions take the device's ``occurred_at`` and the offline queue's
``idempotency_key``, so a replay hours later is recognised and dated right."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from client.api.core import ClientCore, _clean
from client.api.session import JSON


class TechnicianApi(ClientCore):
    # -- offers and the pool --------------------------------------------------------

    async def offers(self) -> list[JSON]:
        return await self._get("/technician/offers")

    async def accept_offer(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/technician/offers/{offer_id}/accept"
        return await self._post(path, {}, key=idempotency_key, at=occurred_at)

    async def decline_offer(
        self,
        offer_id: str,
        *,
        reason: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/technician/offers/{offer_id}/decline"
        return await self._post(path, {"reason": reason}, key=idempotency_key, at=occurred_at)

    async def pool(self) -> list[JSON]:
        return await self._get("/technician/pool")

    async def claim(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/orders/{order_id}/claim"
        return await self._post(path, {}, key=idempotency_key, at=occurred_at)

    # -- the job on site ------------------------------------------------------------

    async def depart(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        body = {"lat": lat, "lng": lng}
        path = f"/orders/{order_id}/depart"
        return await self._post(path, body, key=idempotency_key, at=occurred_at)

    async def arrive(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        body = {"lat": lat, "lng": lng}
        path = f"/orders/{order_id}/arrive"
        return await self._post(path, body, key=idempotency_key, at=occurred_at)

    async def start(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/orders/{order_id}/start"
        return await self._post(path, {}, key=idempotency_key, at=occurred_at)

    async def finish(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/orders/{order_id}/finish"
        return await self._post(path, {}, key=idempotency_key, at=occurred_at)

    async def transfer(
        self,
        order_id: str,
        *,
        reason: str,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        body = {"reason": reason}
        path = f"/orders/{order_id}/transfer"
        return await self._post(path, body, key=idempotency_key, at=occurred_at)

    async def sop_done(
        self,
        order_id: str,
        step_no: int,
        *,
        photo_file_id: str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        path = f"/orders/{order_id}/sop/{step_no}/done"
        body = {"photo_file_id": photo_file_id, "note": note}
        return await self._post(path, body, key=idempotency_key, at=occurred_at)

    async def send_location(
        self,
        points: list[Mapping[str, Any]],
        *,
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Points (a batch, up to 100): ``{"lat", "lng", "occurred_at", "accuracy_m"?,
        "speed_mps"?, "heading"?}``; ``occurred_at`` is the device time of each point."""
        body = {"points": [_clean(dict(p)) for p in points], "order_id": order_id}
        return await self._post("/technician/location", body, key=idempotency_key)

    async def sos(
        self,
        *,
        lat: float | None = None,
        lng: float | None = None,
        order_id: str | None = None,
        note: str = "",
        occurred_at: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Emergency: sends the technician's location to the operators' safety desk."""
        body = {"lat": lat, "lng": lng, "order_id": order_id, "note": note}
        return await self._post("/sos", body, key=idempotency_key, at=occurred_at)

    # -- profile, availability, area, going online ----------------------------------

    async def profile(self) -> JSON:
        return await self._get("/technician/profile")

    async def update_profile(self, **fields: Any) -> JSON:
        return await self._put("/technician/profile", fields)

    async def availability(self) -> JSON:
        return await self._get("/technician/availability")

    async def set_availability(self, **fields: Any) -> JSON:
        return await self._put("/technician/availability", fields)

    async def service_area(self) -> JSON:
        return await self._get("/technician/service-area")

    async def set_service_area(self, **fields: Any) -> JSON:
        return await self._put("/technician/service-area", fields)

    async def status(self) -> JSON:
        return await self._get("/technician/status")

    async def set_status(self, *, online: bool) -> JSON:
        """Go online (only once verified) or offline."""
        return await self._put("/technician/status", {"online": online})

    async def add_certificate(
        self,
        *,
        type: str,
        file_id: str,
        idempotency_key: str | None = None,
        **extra: Any,  # noqa: A002
    ) -> JSON:
        """``type`` is a catalog certificate code; ``extra``: ``number``, ``expires_on``."""
        body = {"type": type, "file_id": file_id, **extra}
        return await self._post("/technician/certificates", body, key=idempotency_key)

    # -- money ----------------------------------------------------------------------

    async def earnings(self, **params: Any) -> JSON:
        return await self._get("/technician/earnings", **params)

    async def schedule(self, **params: Any) -> Any:
        return await self._get("/technician/schedule", **params)

    async def withdraw(
        self,
        *,
        amount: int,
        bank_account: str,
        bank_name: str = "",
        idempotency_key: str | None = None,
    ) -> JSON:
        """Ask for a payout of ``amount`` fen from the technician's payable balance."""
        body = {"amount": amount, "bank_account": bank_account, "bank_name": bank_name}
        return await self._post("/technician/withdrawals", body, key=idempotency_key)

    # -- reviews and complaints -----------------------------------------------------

    async def technician_reviews(self, technician_id: str, *, limit: int = 50) -> Any:
        return await self._get(f"/technicians/{technician_id}/reviews", limit=limit)

    async def technician_complaints(self) -> Any:
        return await self._get("/technician/complaints")

    async def reply_complaint(
        self, complaint_id: str, *, text: str, idempotency_key: str | None = None
    ) -> JSON:
        """The technician's answer to a complaint against them."""
        path = f"/technician/complaints/{complaint_id}/answer"
        return await self._post(path, {"text": text}, key=idempotency_key)
