"""Booking, as the customer does it: the place (``booking_places``), the day and the
slot, the options, the price that follows every choice (``booking_price``), then order
and pay. A mixin of :class:`customer_app.state.CustomerState`, which owns the session,
the navigation and the notifications these methods use."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from client.api import ApiError, NetworkError
from client.citytime import CITY_TZ
from client.models import (
    OrderRead,
    PaymentRead,
)
from customer_app.booking_places import PlaceChoice
from customer_app.booking_price import LivePrice, _fields
from customer_app.model import (
    FALLBACK_LEAD,
    FALLBACK_SLOT_HOURS,
    Address,
    BookingDraft,
    Slot,
    parse_slot,
    service_minutes,
)


class BookingFlow(PlaceChoice, LivePrice):
    def _init_booking(self, *, live_quotes: bool) -> None:
        self.live_quotes = live_quotes
        self._suggest_round = 0
        self._quote_task: asyncio.Task | None = None
        self._quoted_key = self._quoting_key = None

    if TYPE_CHECKING:  # provided by CustomerState

        async def refresh_order(self) -> None: ...
        async def track(self, order_id: str) -> None: ...
        async def load_stored_value(self) -> None: ...

    # -- booking --------------------------------------------------------------------

    async def begin_booking(
        self, service_id: str, *, preferred_technician_id: str | None = None
    ) -> None:
        if self.catalog.service is None or self.catalog.service.id != service_id:
            self.catalog.service = await self._try("catalog", self.client.service(service_id))
        if self.signed_in:
            await self.load_addresses()
        pricing = self.catalog.service.pricing if self.catalog.service else {}
        self.booking.draft = BookingDraft(
            service_id=service_id,
            units=int(pricing.get("min_units") or 1),
            area_m2=int(pricing["area_band_m2"]) if pricing.get("area_band_m2") else None,
            address=self.default_address(),
            preferred_technician_id=preferred_technician_id,
            day=self._first_bookable_day(),
        )
        self.booking.quote, self._quoted_key = None, None  # a new booking: no price yet
        self.booking.slots = []
        if not self.require_login(f"/book/{service_id}"):
            return
        await asyncio.gather(self.load_slots(), self.load_wallet())
        self.go(f"/book/{service_id}")

    def _first_bookable_day(self) -> date:
        local = (self.now() + FALLBACK_LEAD).astimezone(CITY_TZ)
        last_start = max(FALLBACK_SLOT_HOURS)
        return local.date() if local.hour < last_start else local.date() + timedelta(days=1)

    def bookable_days(self, n: int = 7) -> list[date]:
        first = self._first_bookable_day()
        return [first + timedelta(days=i) for i in range(n)]

    async def load_slots(self) -> None:
        d = self.booking.draft
        if d is None or d.day is None:
            return
        reply = None
        if d.address:  # capacity is counted at an address: without one, the estimated grid
            reply = await self._try(
                "slots",
                self.client.slots(
                    d.service_id,
                    date=d.day.isoformat(),
                    lat=d.address.lat,
                    lng=d.address.lng,
                    units=d.units,  # the slot is as long as the visit for this amount
                ),
            )
        if reply is not None:
            self.booking.slots = [parse_slot(x) for x in reply.slots]
            self.booking.slots_from_server = True
            if (
                self.booking.slots
                and all(s.remaining is None for s in self.booking.slots)
                and (d.day <= self._first_bookable_day())
            ):
                # late in the day every slot of today has passed: open on tomorrow instead
                await self.set_day(d.day + timedelta(days=1))
                return
        else:
            self.booking.slots = self._fallback_slots(d.day)
            self.booking.slots_from_server = False
        if d.slot_start and not any(
            s.start == d.slot_start and s.available for s in self.booking.slots
        ):
            d.slot_start = None
        self._changed(self.booking)
        self._quote_soon()

    def _fallback_slots(self, day: date) -> list[Slot]:
        minutes = service_minutes(
            self.catalog.service, (self.booking.draft.units if self.booking.draft else None)
        )
        earliest = self.now() + FALLBACK_LEAD
        slots = []
        for hour in FALLBACK_SLOT_HOURS:
            start = datetime.combine(day, time(hour), CITY_TZ).astimezone(UTC)
            slots.append(
                Slot(
                    start=start, end=start + timedelta(minutes=minutes), available=start >= earliest
                )
            )
        return slots

    async def set_day(self, day: date) -> None:
        if self.booking.draft:
            self.booking.draft.day = day
            self.booking.draft.slot_start = None
        await self.load_slots()

    async def set_address(self, address: Address) -> None:
        """Capacity is counted at the address: a new one means new slots."""
        if self.booking.draft is None:
            return
        self.booking.picked_place = None
        self.update_draft(address=address)
        await self.load_slots()

    async def set_units(self, units: int) -> None:
        """The amount changes the visit's length (2 hours or 4 hours, 4 panes or 8), so
        the slots are counted again for a visit that long."""
        if self.booking.draft is None:
            return
        self.update_draft(units=units)
        await self.load_slots()

    def choose_slot(self, slot: Slot) -> None:
        if self.booking.draft and slot.available:
            self.booking.draft.slot_start = slot.start
            self._changed(self.booking)
            self._quote_soon()

    def update_draft(self, **changes: Any) -> None:
        if self.booking.draft is None:
            return
        for k, v in changes.items():
            setattr(self.booking.draft, k, v)
        self._changed(self.booking)  # the last price stays on screen, marked as updating
        self._quote_soon()

    def toggle_addon(self, code: str) -> None:
        if self.booking.draft is None:
            return
        addons = list(self.booking.draft.addons)
        if code in addons:
            addons.remove(code)
        else:
            addons.append(code)
        self.update_draft(addons=addons)

    async def load_wallet(self) -> None:
        """Coupons, points and membership (the Me screen and the booking screen)."""
        wallet = await self._try("wallet", self.client.wallet())
        if wallet is not None:
            self.me.coupons = [c for c in wallet.coupons if c.status == "available"]
            self.me.points = {"balance": wallet.points, "value": wallet.points_value}
            self.me.membership = wallet.membership
        self._changed(self.booking)

    def booking_problems(self) -> list[str]:
        d = self.booking.draft
        problems = []
        if d is None:
            return ["service"]
        if d.slot_start is None:
            problems.append("time_slot")
        if d.address is None:
            problems.append("address")
        return problems

    def _take_form(self) -> bool:
        """What the booking screen's fields hold, into the draft: the notes, the area and
        the door of a newly picked place. False (and the reason) when the area is not a
        number of square metres."""
        d = self.booking.draft
        if d is None:
            return False
        if "notes" in self.session.form:
            d.notes = str(self.session.form["notes"]).strip()
        area = str(self.session.form.get("area", "")).strip()
        if area:
            if not area.isdigit() or int(area) < 1:
                self.refused("validation_error", details=_fields("area_m2"))
                self._changed(self.booking)
                return False
            d.area_m2 = int(area)
        if self.booking.picked_place is not None:
            d.address = self._picked_address()
        return True

    async def place_order(self) -> OrderRead | None:
        """Create the order from the price shown (asked again if the door or the notes
        changed what it covers), keep a newly picked place, then open the checkout."""
        d = self.booking.draft
        if d is None or not self._take_form():
            return None
        if self.booking.quote is None or self._quoted_key != self._quote_key():
            if await self.request_quote() is None:
                return None
        assert self.booking.quote is not None
        self.clear_messages()
        self.session.busy = True
        self._changed(self.booking)
        if self.booking.picked_place is not None:
            await self._keep_picked_place()
        try:
            order = await self._run(
                "orders",
                self.client.create_order(
                    quote_id=self.booking.quote.quote_id,
                    notes=d.notes,
                    preferred_technician_id=d.preferred_technician_id,
                ),
            )
        except (ApiError, NetworkError):
            self.session.busy = False
            self._changed(self.booking)
            return None
        self.visit.order, self.visit.events = order, []
        self.visit.payment = None
        await self.start_payment()
        self.session.busy = False
        self.go(f"/order/{order.id}")
        await self.track(order.id)
        return order

    async def start_payment(self) -> PaymentRead | None:
        if self.visit.order is None:
            return None
        try:
            self.visit.payment = await self._run(
                "payments",
                self.client.pay(self.visit.order.id, provider="sandbox", method="wechat"),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.visit.payment = None
        await self.load_stored_value()  # 余额支付 beside the checkout
        return self.visit.payment

    async def approve_sandbox_payment(self) -> bool:
        """What the customer does on the sandbox checkout page (stands in for scanning
        the QR code with a wallet app): the provider then calls the signed webhook."""
        if self.visit.payment is None:
            await self.start_payment()
        if self.visit.payment is None:
            return False
        pid = self.visit.payment.payment_id
        try:
            await self._run("payments", self.client.sandbox_approve(pid), quiet_missing=False)
        except (ApiError, NetworkError):
            self._changed(self.booking)
            return False
        self.visit.payment = None
        self.session.notice = "paid"
        await self.refresh_order()
        return True
