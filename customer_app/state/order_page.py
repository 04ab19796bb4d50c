"""The order page: opening one order and keeping what it shows up to date (timeline,
technician card and contact number, change requests with their photos, a request to
move the visit, completion photos, chat), and the values the page derives from them.
What is loaded when follows the phase the server puts the order in (its
``status_groups``)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from client.api import ApiError, NetworkError
from client.models import ChangeItemRead, OrderEventRead
from customer_app.model import in_group
from customer_app.state.core import StateCore
from customer_app.state.tracking import Tracking


class OrderPage(StateCore):
    if TYPE_CHECKING:  # provided by LiveUpdates and DelayAnswers

        async def track(self, order_id: str) -> None: ...
        async def load_delay_requests(self) -> None: ...
        async def load_stored_value(self) -> None: ...

    async def open_order(self, order_id: str) -> None:
        if not self.require_login(f"/order/{order_id}"):
            return
        self.clear_messages()
        try:
            self.visit.order = await self._run("orders", self.client.order(order_id))
        except (ApiError, NetworkError):
            self._changed()
            return
        self.visit.events, self.visit.payment, self.visit.cancel_quote, self.visit.contact = (
            [],
            None,
            None,
            None,
        )
        self.visit.messages, self.visit.change_requests, self.visit.delay_requests = [], [], []
        self.visit.reviewed, self.visit.complaint, self.visit.my_review = False, None, None
        self.visit.tracking = Tracking()
        self.go(f"/order/{order_id}")
        if self.amount_to_pay() > 0:  # 余额支付 shows the balance beside the checkout
            await self.load_stored_value()
        await self.track(order_id)

    async def refresh_order(self) -> None:
        if self.visit.order is None:
            return
        oid = self.visit.order.id
        with contextlib.suppress(ApiError, NetworkError):
            self.visit.order = await self._run("orders", self.client.order(oid))
        await self._load_order_extras()
        self._changed()

    async def _load_order_extras(self) -> None:
        o = self.visit.order
        if o is None:
            return
        oid = o.id
        after = self.visit.events[-1].seq if self.visit.events else 0
        new = await self._try("orders", self.client.order_events(oid, after_seq=after), [])
        self._merge_events(new)
        await self.load_delay_requests()  # the technician asked to move the visit
        if o.technician_id:
            if (
                self.visit.technician_card is None
                or self.visit.technician_card.id != o.technician_id
            ):
                self.visit.technician_card = await self._try(
                    "technicians", self.client.public_technician(o.technician_id)
                )
            if o.status != "CANCELLED" and (
                self.visit.contact is None or self.visit.contact.order_id != oid
            ):
                self.visit.contact = await self._try("contact", self.client.contact(oid))
        else:
            self.visit.technician_card = None
        # from check-in on, while the technician holds the order: the extra work proposed;
        # afterwards too when extras were approved (the bill names each of them)
        on_site = in_group(o, "assigned") and not in_group(o, "tracking")
        if on_site or o.extras_total:
            self.visit.change_requests = await self._try(
                "change_requests", self.client.change_requests(oid), []
            )
            if self.visit.change_requests and (
                self.visit.order_service is None or self.visit.order_service.id != o.service_id
            ):  # the server names extra work in Chinese; the rate card in both
                self.visit.order_service = await self._try(
                    "catalog", self.client.service(o.service_id)
                )
            # the technician's photo of each item still waiting for an answer
            for _, item in self.pending_change_items():
                fid = item.photo_file_id
                if fid and fid not in self.visit.photos:
                    data = await self._try("files", self.client.download(fid))
                    if isinstance(data, bytes):
                        self.visit.photos[fid] = data
                        self.visit.touch()
        # the work is done: the photos of its steps are final
        if in_group(o, "service_started") and not in_group(o, "working"):
            for fid in self.completion_photos():
                if fid not in self.visit.photos:
                    data = await self._try("files", self.client.download(fid))
                    if isinstance(data, bytes):
                        self.visit.photos[fid] = data
                        self.visit.touch()
        if o.technician_id and not in_group(o, "terminal"):  # the chat is open
            self.visit.messages = await self._try("chat", self.client.messages(oid), [])
        if o.status == "COMPLETED":  # what the customer wrote, shown back to him
            written = await self._try("reviews", self.client.reviews(oid), [])
            self.visit.my_review = next((r for r in written if r.author_role == "customer"), None)
            self.visit.reviewed = self.visit.reviewed or self.visit.my_review is not None

    def _merge_events(self, new: list[OrderEventRead]) -> None:
        seen = {e.seq for e in self.visit.events}
        for e in new:
            if e.seq not in seen:
                self.visit.events.append(e)
                self.visit.touch()
                seen.add(e.seq)
        self.visit.events.sort(key=lambda e: e.seq)

    def pending_change_items(self) -> list[tuple[str, ChangeItemRead]]:
        """Items of the open change requests still waiting for the customer's answer,
        each with the id of its request."""
        return [
            (cr.id, item)
            for cr in self.visit.change_requests
            if cr.status == "awaiting_customer"
            for item in cr.items
            if item.status == "pending"
        ]

    def completion_photos(self) -> list[str]:
        """File ids of the technician's evidence photos, in SOP order."""
        sop = self.visit.order.sop if self.visit.order else []
        return [s.photo_file_id for s in sop if s.photo_file_id]

    async def photo(self, file_id: str) -> bytes | None:
        return await self._try("files", self.client.download(file_id))

    def amount_to_pay(self) -> int:
        """What the customer still owes, as the server counts it (the order read's
        ``amount_due``): the order before payment, approved extras not yet paid after."""
        return self.visit.order.amount_due if self.visit.order else 0

    def technician_name(self) -> str | None:
        """From the public page, or from the contact binding (an unverified page 404s)."""
        name = self.visit.technician_card.name if self.visit.technician_card else None
        if not name and self.visit.contact and self.visit.contact.counterpart_role == "technician":
            name = self.visit.contact.counterpart_name
        return name or None

    def contact_number(self) -> str | None:
        """The masked/virtual number the platform gives for this visit, if any."""
        if (
            self.visit.contact is None
            or self.visit.order is None
            or self.visit.contact.order_id != self.visit.order.id
        ):
            return None
        return self.visit.contact.virtual_number
