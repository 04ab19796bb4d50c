"""Where the visit is: the customer's saved places (on the server, kept here for
offline), search as they type, the device's position and a pin moved on the map. A
mixin of :class:`customer_app.state.CustomerState` (through ``BookingFlow``)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import TYPE_CHECKING

from client.models import PlaceRead
from client.position import LocationUnavailable
from customer_app.i18n import t
from customer_app.model import Address
from customer_app.state.core import StateCore

# seconds of quiet before searching: the suggestions wait for typing to pause
SUGGEST_DELAY = 0.3
SAME_POINT_DEG = 1e-6  # about 0.1 m: a pin "moved" less than this has not moved


class PlaceChoice(StateCore):
    _suggest_round: int

    if TYPE_CHECKING:  # provided by BookingFlow

        async def load_slots(self) -> None: ...

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
        self._changed(self.booking)

    async def search_places(self, *, quiet: bool = False) -> None:
        """Suggestions for what the customer typed, nearest to the current address first
        (``quiet``: while typing, an empty list says nothing yet)."""
        q = str(self.session.form.get("addr_query", "")).strip()
        self._suggest_round += 1
        asked = self._suggest_round
        hits: list[PlaceRead] = []
        if q:
            here = self.booking.draft.address if self.booking.draft is not None else None
            near = (here.lat, here.lng) if here is not None else None
            hits = await self._run("places", self.client.search_places(q, near=near, limit=8))
        if asked != self._suggest_round:
            return  # the customer typed on: a newer search answers
        self.booking.place_hits = list(hits or [])
        if q and not quiet:
            self.session.notice = None if self.booking.place_hits else "no_places"
        self._changed(self.booking)

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
            self.session.notice = "location_failed"
            self._changed(self.booking)
            return
        try:
            lat, lng = await self.locate()
        except LocationUnavailable as exc:
            self.session.notice = exc.code
            self._changed(self.booking)
            return
        place = await self._try("places", self.client.place_at(lat, lng))
        named = place or PlaceRead(
            name=t(self.session.lang, "my_location"), address="", district="", lat=lat, lng=lng
        )
        await self.choose_place(named.model_copy(update={"lat": lat, "lng": lng}))

    def pick_place(self, place: PlaceRead, *, moved: bool = False) -> None:
        """A suggestion chosen: it is the booking's place at once (slots and price follow);
        the door typed beside it and the pin moved on the map refine it."""
        self.booking.picked_place, self.booking.pin_moved = place, moved
        self.booking.place_hits = []
        if self.booking.draft is not None:
            self.booking.draft.address = self._picked_address()
        self._changed(self.booking)

    async def choose_place(self, place: PlaceRead, *, moved: bool = False) -> None:
        self.pick_place(place, moved=moved)
        await self.load_slots()

    async def move_pin(self, lat: float, lng: float) -> None:
        """The pin dragged to the right building: the picked place keeps its name, the
        position is where the pin is. A tap on the pin itself (or one the map reports at
        its centre before it is laid out) moves nothing and says nothing."""
        here = self.booking.picked_place
        if here is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return
        if abs(lat - here.lat) < SAME_POINT_DEG and abs(lng - here.lng) < SAME_POINT_DEG:
            return
        moved = here.model_copy(update={"lat": lat, "lng": lng})
        await self.choose_place(moved, moved=True)

    def _picked_address(self) -> Address:
        """The picked place with what was typed beside it; named after the place until the
        customer names it (家, 公司)."""
        assert self.booking.picked_place is not None
        label = str(self.session.form.get("addr_label", "")).strip()
        return Address.from_place(
            self.booking.picked_place,
            detail=str(self.session.form.get("addr_detail", "")).strip(),
            label=label or self.booking.picked_place.name[:20],
        )

    def default_address(self) -> Address | None:
        places = self.addresses()
        return places[0] if places else None

    def save_address(self, address: Address) -> None:
        places = [a for a in self.addresses() if a.label != address.label or not address.label]
        places.insert(0, address)
        self.store.put(f"addresses:{self._uid()}", [asdict(a) for a in places[:10]])
        if self.booking.draft is not None:
            self.booking.draft.address = address
        self._changed(self.booking)

    async def submit_address(self) -> bool:
        """Save the picked place with the door typed beside it (on the server, and here)."""
        if self.booking.picked_place is None:
            self.session.notice = "pick_a_place"
            self._changed(self.booking)
            return False
        self.clear_messages()
        await self._keep_picked_place()
        if self.booking.draft is not None:
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
        self.booking.picked_place = None
        for key in ("addr_query", "addr_detail", "addr_label"):
            self.session.drop(key)
