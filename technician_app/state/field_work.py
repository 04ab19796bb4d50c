"""What the technician does in the field, each action queued (``sync``) so it works
without signal: accept, decline or claim a job, depart, check in inside the geofence,
start, the SOP steps with their photos, finish, transfer, the customer's signature,
extra work proposed with a photo, chat, SOS and answers to complaints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client.models import OrderRead
from technician_app import navigation
from technician_app.commands import (
    Accept,
    Arrive,
    ChangeRequest,
    Claim,
    Command,
    ComplaintReply,
    Decline,
    Depart,
    Finish,
    Message,
    SignWorkOrder,
    SopDone,
    Sos,
    Start,
    Transfer,
)
from technician_app.i18n import t
from technician_app.offline import PENDING, REJECTED, SYNCED, QueuedAction
from technician_app.state.core import TechnicianCore
from technician_app.state.labels import location_help
from technician_app.state.model import DEFAULT_CHECKIN_RADIUS_M, Offer, UnsentMessage, in_group

MAX_EXTRA_QUANTITY = 100  # what the server takes per item
MAX_EXTRA_REASON = 300


class FieldWork(TechnicianCore):
    if TYPE_CHECKING:  # provided by QueueSync, Loading and LocationReports

        async def _act(
            self,
            command: Command,
            order_id: str | None,
            *,
            blob: bytes | None = None,
            quiet: bool = False,
        ) -> QueuedAction: ...
        async def load_order(self, order_id: str) -> OrderRead | None: ...
        async def load_messages(self, order_id: str) -> None: ...
        async def load_change_requests(self, order_id: str) -> None: ...
        async def refresh_location(self) -> bool: ...
        def _here(self) -> dict[str, Any]: ...

    async def accept(self, offer: Offer) -> QueuedAction:
        """A direct offer is accepted; a pool order is claimed (first come, first served)."""
        taken = Claim(offer_id=offer.id) if offer.source == "pool" else Accept(offer_id=offer.id)
        action = await self._act(taken, offer.order_id)
        self.work.offers = [o for o in self.work.offers if o.order_id != offer.order_id]
        self.work.pool = [o for o in self.work.pool if o.order_id != offer.order_id]
        if action.status == SYNCED:
            await self.load_order(offer.order_id)
        self.changed()
        return action

    async def decline(self, offer: Offer, reason: str = "") -> QueuedAction:
        action = await self._act(Decline(offer_id=offer.id, reason=reason), offer.order_id)
        self.work.offers = [o for o in self.work.offers if o.order_id != offer.order_id]
        self.changed()
        return action

    async def claim(self, order_id: str) -> QueuedAction:
        return await self._act(Claim(), order_id)

    async def depart(self, order_id: str) -> QueuedAction:
        await self.refresh_location()  # where the trip starts, if the device says
        return await self._act(Depart(**self._here()), order_id)

    async def arrive(self, order_id: str) -> QueuedAction | None:
        """Geofenced check-in with the device location. Offline, the fence is checked
        here (the server checks again on replay); online, the server decides."""
        order = self.work.orders.get(order_id)
        if not await self.refresh_location():
            self.notify(
                location_help(self.session.lang, self.live.location_problem),
                "error",
                self.live.location_problem or "location_required",
            )
            return None
        distance = self.distance_to(order) if order is not None else None
        if (
            not self.sync_state.connected
            and distance is not None
            and distance > DEFAULT_CHECKIN_RADIUS_M
        ):
            self.notify(
                t(
                    self.session.lang,
                    "notice.too_far",
                    distance=navigation.format_distance(distance, self.session.lang),
                    radius=f"{DEFAULT_CHECKIN_RADIUS_M:.0f}",
                ),
                "error",
                "outside_geofence",
            )
            return None
        return await self._act(Arrive(**self._here()), order_id)

    async def start(self, order_id: str) -> QueuedAction:
        return await self._act(Start(), order_id)

    async def sop_done(
        self, order_id: str, step_no: int, *, photo: bytes | None = None, note: str = ""
    ) -> QueuedAction | None:
        order = self.work.orders.get(order_id)
        step = next((s for s in order.sop if s.no == step_no), None) if order else None
        if step is not None and step.photo and not photo:
            self.notify(
                t(self.session.lang, "notice.photo_required"), "error", "sop_photo_required"
            )
            return None
        if photo:  # kept before the move redraws the list, shown once the step is done
            self.work.step_photos[(order_id, step_no)] = photo
            self.work.touch()
        return await self._act(SopDone(step_no=step_no, note=note), order_id, blob=photo)

    async def finish(self, order_id: str) -> QueuedAction:
        return await self._act(Finish(), order_id)

    async def transfer(self, order_id: str, reason: str) -> QueuedAction | None:
        if not reason.strip():
            self.notify(t(self.session.lang, "notice.transfer_reason"), "error", "reason_required")
            return None
        return await self._act(Transfer(reason=reason.strip()), order_id)

    async def sign_work_order(self, order_id: str, signature_png: bytes) -> QueuedAction:
        """The customer signs the work order on the technician's screen."""
        return await self._act(SignWorkOrder(), order_id, blob=signature_png)

    async def propose_change(
        self, order_id: str, items: list[dict[str, Any]], photo: bytes | None
    ) -> QueuedAction | None:
        """Extra work needs the customer's yes, and a photo as evidence of why."""
        if not photo:
            self.notify(t(self.session.lang, "notice.extra_photo"), "error", "photo_required")
            return None
        action = await self._act(ChangeRequest(items=items), order_id, blob=photo)
        if action.status == SYNCED:
            await self.load_change_requests(order_id)
        return action

    def extra_item(self, code: str, quantity: str | int, reason: str) -> dict[str, Any] | None:
        """One extra item as the server takes it (rate-card code, a whole quantity of 1 to
        100, the technician's reason in his words), or None with a notice saying what to
        fix. Checked before the camera opens, so a photo is never taken for nothing."""
        if not code:
            self.notify(t(self.session.lang, "notice.extra_item"), "error", "item_required")
            return None
        text = str(quantity).strip()
        count = int(text) if text.isdecimal() else 0
        if not 1 <= count <= MAX_EXTRA_QUANTITY:
            self.notify(
                t(self.session.lang, "notice.extra_quantity", max=MAX_EXTRA_QUANTITY),
                "error",
                "quantity_invalid",
            )
            return None
        if not reason.strip():
            self.notify(t(self.session.lang, "notice.extra_reason"), "error", "reason_required")
            return None
        return {"code": code, "quantity": count, "reason": reason.strip()[:MAX_EXTRA_REASON]}

    async def propose_extra(
        self, order_id: str, code: str, quantity: str | int, reason: str, photo: bytes | None
    ) -> QueuedAction | None:
        """One rate-card item with its quantity and reason, as the change-request form
        sends it."""
        item = self.extra_item(code, quantity, reason)
        if item is None:
            return None
        return await self.propose_change(order_id, [item], photo)

    async def send_message(self, order_id: str, text: str) -> QueuedAction | None:
        if not text.strip():
            return None
        local = UnsentMessage(text=text.strip(), created_at=self.now())
        self.work.messages.setdefault(order_id, []).append(local)
        self.work.touch()
        action = await self._act(Message(text=text.strip()), order_id)
        if action.status == SYNCED:
            await self.load_messages(order_id)
        return action

    async def sos(self, note: str = "") -> QueuedAction:
        """Sends my location to the operators' safety desk (queued like everything else,
        so it goes out the moment there is any signal)."""
        active = next((o for o in self.active_orders() if in_group(o, "on_site")), None)
        order_id = active.id if active else None
        action = await self._act(Sos(**self._here(), note=note, order_id=order_id), order_id)
        if action.status == SYNCED:
            self.notify(t(self.session.lang, "notice.sos_sent"), "success")
        elif action.status == PENDING:
            self.notify(t(self.session.lang, "notice.sos_pending"), "error", "offline")
        return action

    async def answer_complaint(self, complaint_id: str, text: str) -> bool:
        action = await self._act(ComplaintReply(complaint_id=complaint_id, text=text), None)
        return action.status != REJECTED

    def acknowledge(self, action_id: int) -> None:
        self.queue.acknowledge(action_id)
        self.changed()
