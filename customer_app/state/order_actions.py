"""What the customer does to an order once it exists: cancel (with the fee they were
shown), sign the work order, answer the technician's change requests item by item,
confirm the work, review it and complain about it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.models import CancellationQuoteRead, OrderRead
from customer_app.state.core import StateCore

# the four dimensions of the platform's rating (响应速度, 技能, 态度, 物品完好)
REVIEW_DIMENSIONS = ("response", "skill", "attitude", "care")


MAX_PHOTOS = 9  # what the server takes with a review or a complaint


class OrderActions(StateCore):
    if TYPE_CHECKING:  # provided by OrderPage

        async def refresh_order(self) -> None: ...

    async def _order_action(
        self, feature: str, call: Awaitable[object], notice: str | None = None
    ) -> bool:
        self.clear_messages()
        try:
            reply = await self._run(feature, call, quiet_missing=False)
        except (ApiError, NetworkError):
            self._changed()
            return False
        if (
            isinstance(reply, OrderRead)
            and self.visit.order is not None
            and reply.id == self.visit.order.id
        ):
            self.visit.order = reply
        self.session.notice = notice
        await self.refresh_order()
        return True

    async def load_cancel_quote(self) -> CancellationQuoteRead | None:
        if self.visit.order is None:
            return None
        self.clear_messages()
        try:
            self.visit.cancel_quote = await self._run(
                "cancellation_quote",
                self.client.cancellation_quote(self.visit.order.id),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.visit.cancel_quote = None
        self._changed()
        return self.visit.cancel_quote

    def cancel_fee(self) -> int | None:
        return self.visit.cancel_quote.fee if self.visit.cancel_quote is not None else None

    async def cancel(self, reason: str = "") -> bool:
        """Cancel with the fee the customer was shown (the server refuses another)."""
        if self.visit.order is None:
            return False
        fee = self.cancel_fee()
        if fee is None and "cancellation_quote" not in self.session.missing:
            await self.load_cancel_quote()
            fee = self.cancel_fee()
        ok = await self._order_action(
            "orders", self.client.cancel(self.visit.order.id, reason=reason, expected_fee=fee)
        )
        if ok:
            self.visit.cancel_quote = None
        return ok

    async def dismiss_cancel(self) -> None:
        self.visit.cancel_quote = None
        self._changed()

    async def sign_work_order(self) -> bool:
        if self.visit.order is None:
            return False
        return await self._order_action(
            "work_order",
            self.client.confirm_work_order(self.visit.order.id, signed_on="customer_app"),
            notice="work_order_signed",
        )

    async def decide_change_item(self, change_request_id: str, item_id: str, approve: bool) -> bool:
        """Approve or reject one item the technician proposed (with its photo and reason
        on screen); the other items of the request stay open."""
        if self.visit.order is None:
            return False
        oid = self.visit.order.id
        if approve:
            call = self.client.approve_change_request(oid, change_request_id, item_ids=[item_id])
        else:
            call = self.client.reject_change_request(oid, change_request_id, item_ids=[item_id])
        return await self._order_action("change_requests", call)

    async def decide_change_request(self, change_request_id: str, approve: bool) -> bool:
        """Answer every still-pending item of one request the same way."""
        if self.visit.order is None:
            return False
        oid = self.visit.order.id
        cr = next((c for c in self.visit.change_requests if c.id == change_request_id), None)
        item_ids = [i.id for i in (cr.items if cr else []) if i.status == "pending"]
        if not item_ids:
            return False
        if approve:
            call = self.client.approve_change_request(oid, change_request_id, item_ids=item_ids)
        else:
            call = self.client.reject_change_request(oid, change_request_id, item_ids=item_ids)
        return await self._order_action("change_requests", call)

    async def confirm_completion(self) -> bool:
        if self.visit.order is None:
            return False
        return await self._order_action("orders", self.client.confirm(self.visit.order.id))

    # -- review and complaint -----------------------------------------------------

    async def _upload_photos(self, order_id: str, photos: list[tuple[str, bytes]]) -> list[str]:
        ids = []
        for name, data in photos:
            ctype = "image/png" if name.lower().endswith(".png") else "image/jpeg"
            reply = await self._run(
                "files",
                self.client.upload(
                    data, filename=name, content_type=ctype, kind="photo", order_id=order_id
                ),
            )
            ids.append(reply.id)
        return ids

    async def submit_review(
        self,
        *,
        ratings: dict[str, int],
        text: str = "",
        photos: list[tuple[str, bytes]] | None = None,
    ) -> bool:
        if self.visit.order is None:
            return False
        self.clear_messages()
        try:
            file_ids = await self._upload_photos(self.visit.order.id, photos or [])
        except (ApiError, NetworkError):
            self._changed()
            return False
        call = self.client.review(
            self.visit.order.id,
            ratings={d: int(ratings[d]) for d in REVIEW_DIMENSIONS},
            text=text,
            photo_file_ids=file_ids,
        )
        ok = await self._order_action("reviews", call, notice="reviewed")
        self.visit.reviewed = ok or self.visit.reviewed
        self._changed()
        return ok

    async def complain(
        self, *, category: str, text: str, photos: list[tuple[str, bytes]] | None = None
    ) -> bool:
        if self.visit.order is None:
            return False
        self.clear_messages()
        try:
            file_ids = await self._upload_photos(self.visit.order.id, photos or [])
            reply = await self._run(
                "complaints",
                self.client.complaint(
                    self.visit.order.id, category=category, text=text, photo_file_ids=file_ids
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.visit.complaint = reply
        self.session.notice = "complaint_filed"
        await self.refresh_order()
        return True

    def attach_photos(self, what: str, photos: list[tuple[str, bytes]]) -> None:
        """Photos picked for a review or a complaint (``what``), shown as thumbnails until
        sent; at most nine, as the server takes."""
        key = f"{what}_photos"
        self.session.put(key, (list(self.session.form.get(key) or []) + list(photos))[:MAX_PHOTOS])
        self._changed()

    def drop_photo(self, what: str, index: int) -> None:
        key = f"{what}_photos"
        kept = list(self.session.form.get(key) or [])
        if 0 <= index < len(kept):
            del kept[index]
        self.session.put(key, kept)
        self._changed()

    async def submit_review_form(self) -> bool:
        ratings = {d: int(self.session.form.get(f"review_{d}", 5)) for d in REVIEW_DIMENSIONS}
        ok = await self.submit_review(
            ratings=ratings,
            text=str(self.session.form.get("review_text", "")).strip(),
            photos=self.session.form.get("review_photos") or [],
        )
        if ok:
            self.session.drop("review_photos")
        return ok

    async def submit_complaint_form(self) -> bool:
        ok = await self.complain(
            category=str(self.session.form.get("complaint_category", "quality")),
            text=str(self.session.form.get("complaint_text", "")).strip(),
            photos=self.session.form.get("complaint_photos") or [],
        )
        if ok:
            self.session.drop("complaint_photos")
        return ok
