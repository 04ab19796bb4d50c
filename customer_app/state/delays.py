"""The technician's request to move the visit (改约), as the customer answers it: the new
time and his reason, 同意 (the visit moves) or 拒绝 (another technician is sought), and
what became of it. Loaded with the order page once its timeline shows a request; kept
current by the pushed order events like the rest of the page."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from client.models import DelayRequestRead
from customer_app.state.core import StateCore


class DelayAnswers(StateCore):
    if TYPE_CHECKING:  # provided by OrderActions

        async def _order_action(
            self, feature: str, call: Awaitable[object], notice: str | None = None
        ) -> bool: ...

    async def load_delay_requests(self) -> None:
        """The open order's requests, if its timeline names any (most orders have none,
        and ask nothing)."""
        o = self.visit.order
        if o is None or not any(e.type.startswith("order.delay_") for e in self.visit.events):
            self.visit.delay_requests = []
            return
        self.visit.delay_requests = await self._try(
            "delay_requests", self.client.delay_requests(o.id), []
        )

    def pending_delay(self) -> DelayRequestRead | None:
        """The request waiting for the customer's answer (同意 / 拒绝 on the page)."""
        waiting = [d for d in self.visit.delay_requests if d.status == "pending"]
        return waiting[0] if waiting else None

    def delay_outcome(self) -> DelayRequestRead | None:
        """The newest request once answered or lapsed (a withdrawn one says nothing: the
        visit went ahead as booked)."""
        done = [d for d in self.visit.delay_requests if d.status not in ("pending", "withdrawn")]
        return done[-1] if done else None

    async def answer_delay(self, accept: bool) -> bool:
        """Accept the new time (the visit moves) or decline it (the booked time stands and
        another technician is sought)."""
        request = self.pending_delay()
        if self.visit.order is None or request is None:
            return False
        oid = self.visit.order.id
        if accept:
            call = self.client.accept_delay(oid, request.id)
        else:
            call = self.client.decline_delay(oid, request.id)
        notice = "delay_accepted_notice" if accept else "delay_declined_notice"
        return await self._order_action("delay_requests", call, notice=notice)
