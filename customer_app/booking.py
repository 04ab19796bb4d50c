"""Booking, as the customer does it: find the place (search as they type, the device's
position, a pin moved on the map), pick a slot, see the price update with every choice,
then order and pay. A mixin of :class:`customer_app.state.CustomerState`, which owns
the session, the navigation and the notifications these methods use."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from client.api import ApiError, DoorstepClient, NetworkError
from client.citytime import CITY_TZ
from client.models import (
    CouponRead,
    MembershipRead,
    OrderEventRead,
    OrderRead,
    PaymentRead,
    PlaceRead,
    QuoteRead,
    ServiceRead,
)
from client.position import Locate, LocationUnavailable
from customer_app.i18n import t
from customer_app.model import (
    FALLBACK_LEAD,
    FALLBACK_SLOT_HOURS,
    JSON,
    Address,
    BookingDraft,
    Slot,
    is_hourly,
    parse_slot,
    service_minutes,
)

# seconds of quiet before acting on what the customer is doing: the suggestions wait for
# typing to pause, the price for the last of several quick choices
SUGGEST_DELAY = 0.3
QUOTE_DELAY = 0.25
SAME_POINT_DEG = 1e-6  # about 0.1 m: a pin "moved" less than this has not moved


class BookingFlow:
    client: DoorstepClient
    store: Any
    now: Any
    locate: Locate | None
    lang: str
    form: JSON
    error: str | None
    notice: str | None
    busy: bool
    service: ServiceRead | None
    draft: BookingDraft | None
    slots: list[Slot]
    slots_from_server: bool
    quote: QuoteRead | None
    coupons: list[CouponRead]
    points: JSON | None
    membership: MembershipRead | None
    order: OrderRead | None
    events: list[OrderEventRead]
    payment: PaymentRead | None
    place_hits: list[PlaceRead]
    picked_place: PlaceRead | None

    pin_moved: bool  # the picked place's position is where the customer dragged the pin
    live_quotes: bool  # the price follows every choice (the app); tests ask explicitly
    _suggest_round: int
    _quote_task: asyncio.Task | None
    _quoted_key: tuple | None
    _quoting_key: tuple | None

    def _init_booking(self, *, live_quotes: bool) -> None:
        self.live_quotes = live_quotes
        self.pin_moved = False
        self._suggest_round = 0
        self._quote_task = None
        self._quoted_key = self._quoting_key = None

    if TYPE_CHECKING:  # provided by CustomerState

        def _changed(self) -> None: ...
        def _uid(self) -> str: ...
        def clear_messages(self) -> None: ...
        def go(self, route: str) -> None: ...
        def require_login(self, route: str) -> bool: ...
        @property
        def signed_in(self) -> bool: ...
        async def _run(self, feature: str, call: Any, *, quiet_missing: bool = True) -> Any: ...
        async def _try(self, feature: str, call: Any, default: Any = None) -> Any: ...
        async def refresh_order(self) -> None: ...
        async def track(self, order_id: str) -> None: ...

    # -- places: search, and the saved ones (on the server; app storage for offline) --

    def addresses(self) -> list[Address]:
        raw = self.store.get(f"addresses:{self._uid()}", [])
        return [Address(**a) for a in raw]

    async def load_addresses(self) -> None:
        """The saved places from the server (they follow the customer to a new device),
        newest first, then any kept only here (saved while the server could not be
        reached); the copy in app storage serves while offline."""
        rows = await self._try("addresses", self.client.saved_addresses())
        if rows is None:
            return
        places = [Address.from_saved(r) for r in reversed(rows)]
        places += [a for a in self.addresses() if a.id is None]
        self.store.put(f"addresses:{self._uid()}", [asdict(a) for a in places])
        self._changed()

    async def search_places(self, *, quiet: bool = False) -> None:
        """Suggestions for what the customer typed, nearest to the current address first
        (``quiet``: while typing, an empty list says nothing yet)."""
        q = str(self.form.get("addr_query", "")).strip()
        self._suggest_round += 1
        asked = self._suggest_round
        hits: list[PlaceRead] = []
        if q:
            here = self.draft.address if self.draft is not None else None
            near = (here.lat, here.lng) if here is not None else None
            hits = await self._run("places", self.client.search_places(q, near=near, limit=8))
        if asked != self._suggest_round:
            return  # the customer typed on: a newer search answers
        self.place_hits = list(hits or [])
        if q and not quiet:
            self.notice = None if self.place_hits else "no_places"
        self._changed()

    async def suggest_places(self) -> None:
        """As the customer types: search once typing pauses, not at every keystroke."""
        self._suggest_round += 1
        asked = self._suggest_round
        await asyncio.sleep(SUGGEST_DELAY)
        if asked == self._suggest_round:
            await self.search_places(quiet=True)

    async def use_my_location(self) -> None:
        """The device's position, named by the server where a place is near: the customer
        then types the door as for a searched place."""
        if self.locate is None:
            self.notice = "location_failed"
            self._changed()
            return
        try:
            lat, lng = await self.locate()
        except LocationUnavailable as exc:
            self.notice = exc.code
            self._changed()
            return
        place = await self._try("places", self.client.place_at(lat, lng))
        named = place or PlaceRead(
            name=t(self.lang, "my_location"), address="", district="", lat=lat, lng=lng
        )
        await self.choose_place(named.model_copy(update={"lat": lat, "lng": lng}))

    def pick_place(self, place: PlaceRead, *, moved: bool = False) -> None:
        """A suggestion chosen: it is the booking's place at once (slots and price follow);
        the door typed beside it and the pin moved on the map refine it."""
        self.picked_place, self.pin_moved = place, moved
        self.place_hits = []
        if self.draft is not None:
            self.draft.address = self._picked_address()
            self.quote = None
        self._changed()

    async def choose_place(self, place: PlaceRead, *, moved: bool = False) -> None:
        self.pick_place(place, moved=moved)
        await self.load_slots()

    async def move_pin(self, lat: float, lng: float) -> None:
        """The pin dragged to the right building: the picked place keeps its name, the
        position is where the pin is. A tap on the pin itself (or one the map reports at
        its centre before it is laid out) moves nothing and says nothing."""
        here = self.picked_place
        if here is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return
        if abs(lat - here.lat) < SAME_POINT_DEG and abs(lng - here.lng) < SAME_POINT_DEG:
            return
        moved = self.picked_place.model_copy(update={"lat": lat, "lng": lng})
        await self.choose_place(moved, moved=True)

    def _picked_address(self) -> Address:
        """The picked place with what was typed beside it; named after the place until the
        customer names it (家, 公司)."""
        assert self.picked_place is not None
        label = str(self.form.get("addr_label", "")).strip()
        return Address.from_place(
            self.picked_place,
            detail=str(self.form.get("addr_detail", "")).strip(),
            label=label or self.picked_place.name[:20],
        )

    def default_address(self) -> Address | None:
        places = self.addresses()
        return places[0] if places else None

    def save_address(self, address: Address) -> None:
        places = [a for a in self.addresses() if a.label != address.label or not address.label]
        places.insert(0, address)
        self.store.put(f"addresses:{self._uid()}", [asdict(a) for a in places[:10]])
        if self.draft is not None:
            self.draft.address = address
        self._changed()

    async def submit_address(self) -> bool:
        """Save the picked place with the door typed beside it (on the server, and here)."""
        if self.picked_place is None:
            self.notice = "pick_a_place"
            self._changed()
            return False
        self.clear_messages()
        await self._keep_picked_place()
        if self.draft is not None:
            self.quote = None
            await self.load_slots()
        return True

    async def _keep_picked_place(self) -> None:
        """The picked place with its door, saved on the server (and here): the next
        booking, on any device, starts from it."""
        address = self._picked_address()
        stored = await self._try("addresses", self.client.save_address(address.to_saved()))
        if stored is not None:  # else kept here only, until the server can be reached
            address = Address.from_saved(stored)
        self.save_address(address)
        self.picked_place = None
        for key in ("addr_query", "addr_detail", "addr_label"):
            self.form.pop(key, None)

    # -- booking --------------------------------------------------------------------

    async def begin_booking(
        self, service_id: str, *, preferred_technician_id: str | None = None
    ) -> None:
        if self.service is None or self.service.id != service_id:
            self.service = await self._try("catalog", self.client.service(service_id))
        if self.signed_in:
            await self.load_addresses()
        pricing = self.service.pricing if self.service else {}
        self.draft = BookingDraft(
            service_id=service_id,
            units=int(pricing.get("min_units") or 1),
            area_m2=int(pricing["area_band_m2"]) if pricing.get("area_band_m2") else None,
            address=self.default_address(),
            preferred_technician_id=preferred_technician_id,
            day=self._first_bookable_day(),
        )
        self.quote = None
        self.slots = []
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
        d = self.draft
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
                    units=d.units if is_hourly(self.service) else None,
                ),
            )
        if reply is not None:
            self.slots = [parse_slot(x) for x in reply.slots]
            self.slots_from_server = True
            if (
                self.slots
                and all(s.remaining is None for s in self.slots)
                and (d.day <= self._first_bookable_day())
            ):
                # late in the day every slot of today has passed: open on tomorrow instead
                await self.set_day(d.day + timedelta(days=1))
                return
        else:
            self.slots = self._fallback_slots(d.day)
            self.slots_from_server = False
        if d.slot_start and not any(s.start == d.slot_start and s.available for s in self.slots):
            d.slot_start = None
        self._changed()
        self._quote_soon()

    def _fallback_slots(self, day: date) -> list[Slot]:
        minutes = service_minutes(self.service, (self.draft.units if self.draft else None))
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
        if self.draft:
            self.draft.day = day
            self.draft.slot_start = None
            self.quote = None
        await self.load_slots()

    async def set_address(self, address: Address) -> None:
        """Capacity is counted at the address: a new one means new slots."""
        if self.draft is None:
            return
        self.picked_place = None
        self.update_draft(address=address)
        await self.load_slots()

    async def set_units(self, units: int) -> None:
        """Hours change the visit's length, so the slots are counted again."""
        if self.draft is None:
            return
        self.update_draft(units=units)
        if is_hourly(self.service):
            await self.load_slots()

    def choose_slot(self, slot: Slot) -> None:
        if self.draft and slot.available:
            self.draft.slot_start = slot.start
            self.quote = None
            self._changed()
            self._quote_soon()

    def update_draft(self, **changes: Any) -> None:
        if self.draft is None:
            return
        for k, v in changes.items():
            setattr(self.draft, k, v)
        self.quote = None
        self._changed()
        self._quote_soon()

    def toggle_addon(self, code: str) -> None:
        if self.draft is None:
            return
        addons = list(self.draft.addons)
        if code in addons:
            addons.remove(code)
        else:
            addons.append(code)
        self.update_draft(addons=addons)

    async def load_wallet(self) -> None:
        """Coupons, points and membership (the Me screen and the booking screen)."""
        wallet = await self._try("wallet", self.client.wallet())
        if wallet is not None:
            self.coupons = [c for c in wallet.coupons if c.status == "available"]
            self.points = {"balance": wallet.points, "value": wallet.points_value}
            self.membership = wallet.membership
        self._changed()

    def redeemable_points(self) -> int:
        """Points are redeemed in whole blocks (e.g. 500 points = ¥40)."""
        p = self.points or {}
        block = int((p.get("value") or {}).get("block") or 1)
        return int(p.get("balance", 0)) // block * block

    def booking_problems(self) -> list[str]:
        d = self.draft
        problems = []
        if d is None:
            return ["service"]
        if d.slot_start is None:
            problems.append("time_slot")
        if d.address is None:
            problems.append("address")
        return problems

    def applied_coupon(self) -> str | None:
        """The coupon the current price uses (the customer's pick or the best one)."""
        for line in self.quote.lines if self.quote else []:
            if line.code.startswith("coupon:"):
                return (line.detail or {}).get("coupon_id")
        return None

    def _quote_key(self) -> tuple | None:
        """Everything the price depends on: a quote taken for another key is stale."""
        d = self.draft
        if d is None:
            return None
        place = tuple(sorted(d.address.to_api().items())) if d.address else None
        return (
            d.service_id,
            d.units,
            d.area_m2,
            tuple(d.addons),
            d.slot_start,
            place,
            d.coupon_id,
            d.coupon_auto,
            d.use_points,
        )

    def _take_form(self) -> bool:
        """What the booking screen's fields hold, into the draft: the notes, the area and
        the door of a newly picked place. False (and the reason) when the area is not a
        number of square metres."""
        d = self.draft
        if d is None:
            return False
        if "notes" in self.form:
            d.notes = str(self.form["notes"]).strip()
        area = str(self.form.get("area", "")).strip()
        if area:
            if not area.isdigit() or int(area) < 1:
                self.refused("validation_error", details=_fields("area_m2"))
                self._changed()
                return False
            d.area_m2 = int(area)
        if self.picked_place is not None:
            d.address = self._picked_address()
        return True

    def _quote_options(self, d: BookingDraft) -> JSON:
        pricing = self.service.pricing if self.service else {}
        options: JSON = {"addons": list(d.addons)}
        if d.units:
            options["units"] = d.units
        if d.area_m2 and pricing.get("area_band_m2"):
            options["area_m2"] = d.area_m2
        if d.coupon_id:
            options["coupon_ids"] = [d.coupon_id]
        elif d.coupon_auto and self.coupons:
            options["best_coupon"] = True  # the server picks the coupon that saves the most
        if d.use_points and self.redeemable_points():
            options["points"] = self.redeemable_points()
        return options

    async def request_quote(self) -> QuoteRead | None:
        """The price of the draft as it stands (the screen's fields taken in first)."""
        self.clear_messages()
        d = self.draft
        if d is None or not self._take_form():
            return None
        if self.booking_problems():
            self.refused("validation_error", details=_fields(*self.booking_problems()))
            self._changed()
            return None
        assert d.address is not None and d.slot_start is not None
        key = self._quote_key()
        self.busy, self._quoting_key = True, key
        self._changed()
        try:
            reply = await self._run(
                "quotes",
                self.client.quote(
                    service_id=d.service_id,
                    address=d.address.to_api(),
                    scheduled_start=d.slot_start,
                    **self._quote_options(d),
                ),
            )
        except (ApiError, NetworkError):
            reply = None
        finally:
            self.busy, self._quoting_key = False, None
        if key == self._quote_key():  # else the draft changed meanwhile: a newer quote follows
            self.quote, self._quoted_key = reply, key if reply is not None else None
        self._changed()
        return self.quote

    submit_quote = request_quote  # the booking screen's button, when a price is wanted now

    def _quote_soon(self) -> None:
        """With live quotes, the price follows the customer's choices: asked once they
        pause, and only when slot and place are both chosen."""
        if not self.live_quotes or self.draft is None or self.booking_problems():
            return
        if self._quote_task is not None:
            self._quote_task.cancel()
        self._quote_task = asyncio.get_running_loop().create_task(self._quote_when_settled())

    async def _quote_when_settled(self) -> None:
        await asyncio.sleep(QUOTE_DELAY)
        key = self._quote_key()
        if self.booking_problems() or key == self._quoting_key:
            return  # nothing to price yet, or this very price is on its way
        if self.quote is not None and key == self._quoted_key:
            return
        await self.request_quote()

    async def stop_quoting(self) -> None:
        if self._quote_task is not None:
            self._quote_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._quote_task
            self._quote_task = None

    async def place_order(self) -> OrderRead | None:
        """Create the order from the price shown (asked again if the door or the notes
        changed what it covers), keep a newly picked place, then open the checkout."""
        d = self.draft
        if d is None or not self._take_form():
            return None
        if self.quote is None or self._quoted_key != self._quote_key():
            if await self.request_quote() is None:
                return None
        assert self.quote is not None
        self.clear_messages()
        self.busy = True
        self._changed()
        if self.picked_place is not None:
            await self._keep_picked_place()
        try:
            order = await self._run(
                "orders",
                self.client.create_order(
                    quote_id=self.quote.quote_id,
                    notes=d.notes,
                    preferred_technician_id=d.preferred_technician_id,
                ),
            )
        except (ApiError, NetworkError):
            self.busy = False
            self._changed()
            return None
        self.order, self.events = order, []
        self.payment = None
        await self.start_payment()
        self.busy = False
        self.go(f"/order/{order.id}")
        await self.track(order.id)
        return order

    async def start_payment(self) -> PaymentRead | None:
        if self.order is None:
            return None
        try:
            self.payment = await self._run(
                "payments",
                self.client.pay(self.order.id, provider="sandbox", method="wechat"),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.payment = None
        self._changed()
        return self.payment

    async def approve_sandbox_payment(self) -> bool:
        """What the customer does on the sandbox checkout page (stands in for scanning
        the QR code with a wallet app): the provider then calls the signed webhook."""
        if self.payment is None:
            await self.start_payment()
        if self.payment is None:
            return False
        pid = self.payment.payment_id
        try:
            await self._run("payments", self.client.sandbox_approve(pid), quiet_missing=False)
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.payment = None
        self.notice = "paid"
        await self.refresh_order()
        return True


def _fields(*names: str) -> dict[str, Any]:
    """A 422's details naming ``names``: the app's own checks read as the server's do."""
    return {"errors": [{"loc": ["body", name]} for name in names]}
