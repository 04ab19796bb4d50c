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
from client.models import (
    AlertRead,
    AnalyticsRead,
    AvailabilityRead,
    CertificateRead,
    ComplaintRead,
    EarningsRead,
    LocationAck,
    OfferRead,
    OrderRead,
    PoolItemRead,
    ProfileRead,
    PublicTechnicianRead,
    ReviewRead,
    ScheduleRead,
    ServiceAreaRead,
    StatusRead,
    WithdrawalRead,
)


class TechnicianApi(ClientCore):
    # -- offers and the pool --------------------------------------------------------

    async def offers(self) -> list[OfferRead]:
        return await self._get_list("/technician/offers", model=OfferRead)

    async def accept_offer(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        path = f"/technician/offers/{offer_id}/accept"
        return await self._post(path, {}, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def decline_offer(
        self,
        offer_id: str,
        *,
        reason: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OfferRead:
        path = f"/technician/offers/{offer_id}/decline"
        body = {"reason": reason}
        return await self._post(path, body, model=OfferRead, key=idempotency_key, at=occurred_at)

    async def pool(self) -> list[PoolItemRead]:
        return await self._get_list("/technician/pool", model=PoolItemRead)

    async def claim(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        path = f"/orders/{order_id}/claim"
        return await self._post(path, {}, model=OrderRead, key=idempotency_key, at=occurred_at)

    # -- the job on site ------------------------------------------------------------

    async def depart(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        body = {"lat": lat, "lng": lng}
        path = f"/orders/{order_id}/depart"
        return await self._post(path, body, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def arrive(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        body = {"lat": lat, "lng": lng}
        path = f"/orders/{order_id}/arrive"
        return await self._post(path, body, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def start(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        path = f"/orders/{order_id}/start"
        return await self._post(path, {}, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def finish(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        path = f"/orders/{order_id}/finish"
        return await self._post(path, {}, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def transfer(
        self,
        order_id: str,
        *,
        reason: str,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        body = {"reason": reason}
        path = f"/orders/{order_id}/transfer"
        return await self._post(path, body, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def sop_done(
        self,
        order_id: str,
        step_no: int,
        *,
        photo_file_id: str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> OrderRead:
        path = f"/orders/{order_id}/sop/{step_no}/done"
        body = {"photo_file_id": photo_file_id, "note": note}
        return await self._post(path, body, model=OrderRead, key=idempotency_key, at=occurred_at)

    async def send_location(
        self,
        points: list[Mapping[str, Any]],
        *,
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> LocationAck:
        """Points (a batch, up to 100): ``{"lat", "lng", "occurred_at", "accuracy_m"?,
        "speed_mps"?, "heading"?}``; ``occurred_at`` is the device time of each point."""
        body = {"points": [_clean(dict(p)) for p in points], "order_id": order_id}
        return await self._post(
            "/technician/location", body, model=LocationAck, key=idempotency_key
        )

    async def sos(
        self,
        *,
        lat: float | None = None,
        lng: float | None = None,
        order_id: str | None = None,
        note: str = "",
        occurred_at: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> AlertRead:
        """Emergency: sends the technician's location to the operators' safety desk."""
        body = {"lat": lat, "lng": lng, "order_id": order_id, "note": note}
        return await self._post("/sos", body, model=AlertRead, key=idempotency_key, at=occurred_at)

    # -- profile, availability, area, going online ----------------------------------

    async def profile(self) -> ProfileRead:
        return await self._get("/technician/profile", model=ProfileRead)

    async def update_profile(self, **fields: Any) -> ProfileRead:
        return await self._put("/technician/profile", fields, model=ProfileRead)

    async def availability(self) -> AvailabilityRead:
        return await self._get("/technician/availability", model=AvailabilityRead)

    async def set_availability(self, **fields: Any) -> AvailabilityRead:
        return await self._put("/technician/availability", fields, model=AvailabilityRead)

    async def service_area(self) -> ServiceAreaRead:
        return await self._get("/technician/service-area", model=ServiceAreaRead)

    async def set_service_area(self, **fields: Any) -> ServiceAreaRead:
        return await self._put("/technician/service-area", fields, model=ServiceAreaRead)

    async def set_status(self, *, online: bool) -> StatusRead:
        """Go online (only once verified) or offline."""
        return await self._put("/technician/status", {"online": online}, model=StatusRead)

    async def certificates(self) -> list[CertificateRead]:
        return await self._get_list("/technician/certificates", model=CertificateRead)

    async def add_certificate(
        self,
        *,
        type: str,
        file_id: str,
        idempotency_key: str | None = None,
        **extra: Any,  # noqa: A002
    ) -> CertificateRead:
        """``type`` is a catalog certificate code; ``extra``: ``number``, ``expires_on``."""
        body = {"type": type, "file_id": file_id, **extra}
        path = "/technician/certificates"
        return await self._post(path, body, model=CertificateRead, key=idempotency_key)

    # -- money ----------------------------------------------------------------------

    async def earnings(self, **params: Any) -> EarningsRead:
        """``params``: the period, ``from`` and ``to`` (ISO times)."""
        return await self._get("/technician/earnings", model=EarningsRead, **params)

    async def analytics(self, by: str = "day") -> AnalyticsRead:
        """Orders and income by day (14), week (12) or month (6), by category, where the
        customers are and the district's average."""
        return await self._get("/technician/analytics", model=AnalyticsRead, by=by)

    async def schedule(self, **params: Any) -> ScheduleRead:
        return await self._get("/technician/schedule", model=ScheduleRead, **params)

    async def withdraw(
        self,
        *,
        amount: int,
        bank_account: str,
        bank_name: str = "",
        idempotency_key: str | None = None,
    ) -> WithdrawalRead:
        """Ask for a payout of ``amount`` fen from the technician's payable balance."""
        body = {"amount": amount, "bank_account": bank_account, "bank_name": bank_name}
        path = "/technician/withdrawals"
        return await self._post(path, body, model=WithdrawalRead, key=idempotency_key)

    # -- reviews and complaints -----------------------------------------------------

    async def public_technician(self, technician_id: str) -> PublicTechnicianRead:
        """The card a customer sees of a technician (name, level, rating, skills)."""
        return await self._get(f"/technicians/{technician_id}", model=PublicTechnicianRead)

    async def technician_reviews(self, technician_id: str, *, limit: int = 50) -> list[ReviewRead]:
        path = f"/technicians/{technician_id}/reviews"
        return await self._get_list(path, model=ReviewRead, limit=limit)

    async def technician_complaints(self) -> list[ComplaintRead]:
        return await self._get_list("/technician/complaints", model=ComplaintRead)

    async def reply_complaint(
        self, complaint_id: str, *, text: str, idempotency_key: str | None = None
    ) -> ComplaintRead:
        """The technician's answer to a complaint against them."""
        path = f"/technician/complaints/{complaint_id}/answer"
        return await self._post(path, {"text": text}, model=ComplaintRead, key=idempotency_key)
