"""The price of the booking as it is being made: asked again as each choice settles,
the last price kept on screen (marked as updating) until the new one arrives, and the
customer's best coupon applied unless they chose another or none. A mixin of
:class:`customer_app.state.CustomerState` (through ``BookingFlow``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from client.api import ApiError, NetworkError
from client.models import QuoteLineRead, QuoteRead
from customer_app.model import JSON, BookingDraft
from customer_app.state.core import StateCore

# seconds of quiet before asking the price: the last of several quick choices counts
QUOTE_DELAY = 0.25


class LivePrice(StateCore):
    live_quotes: bool  # the price follows every choice (the app); tests ask explicitly
    _quote_task: asyncio.Task | None
    _quoted_key: tuple | None  # what the shown price was asked for
    _quoting_key: tuple | None  # what the price on its way was asked for

    if TYPE_CHECKING:  # provided by BookingFlow

        def booking_problems(self) -> list[str]: ...
        def _take_form(self) -> bool: ...
        def update_draft(self, **changes: Any) -> None: ...

    def redeemable_points(self) -> int:
        """Points are redeemed in whole blocks (e.g. 500 points = ¥40)."""
        p = self.me.points or {}
        block = int((p.get("value") or {}).get("block") or 1)
        return int(p.get("balance", 0)) // block * block

    # -- coupons ----------------------------------------------------------------------

    def _coupon_line(self) -> QuoteLineRead | None:
        for line in self.booking.quote.lines if self.booking.quote else []:
            if line.code.startswith("coupon:"):
                return line
        return None

    def applied_coupon(self) -> str | None:
        """The coupon the current price uses (the customer's pick or the best one)."""
        line = self._coupon_line()
        return (line.detail or {}).get("coupon_id") if line else None

    def coupon_saving(self) -> int:
        """What the applied coupon takes off the price, in fen (0 without one)."""
        line = self._coupon_line()
        return -line.amount if line else 0

    def choose_coupon(self, coupon_id: str | None) -> None:
        """The customer's own pick (``None``: no coupon); the price follows."""
        self.update_draft(coupon_id=coupon_id, coupon_auto=False)

    def use_best_coupon(self) -> None:
        self.update_draft(coupon_id=None, coupon_auto=True)

    # -- the price ----------------------------------------------------------------------

    @property
    def price_updating(self) -> bool:
        """The price shown was asked for other choices than the draft's now: it stays on
        screen, marked, until the new one arrives."""
        return self.booking.quote is not None and self._quoted_key != self._quote_key()

    def _quote_key(self) -> tuple | None:
        """Everything the price depends on: a quote taken for another key is stale."""
        d = self.booking.draft
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
            len(self.me.coupons),  # the wallet arrived: the best coupon may apply now
        )

    def _quote_options(self, d: BookingDraft) -> JSON:
        pricing = self.catalog.service.pricing if self.catalog.service else {}
        options: JSON = {"addons": list(d.addons)}
        if d.units:
            options["units"] = d.units
        if d.area_m2 and pricing.get("area_band_m2"):
            options["area_m2"] = d.area_m2
        if d.coupon_id:
            options["coupon_ids"] = [d.coupon_id]
        elif d.coupon_auto and self.me.coupons:
            options["best_coupon"] = True  # the server picks the coupon that saves the most
        if d.use_points and self.redeemable_points():
            options["points"] = self.redeemable_points()
        return options

    async def request_quote(self) -> QuoteRead | None:
        """The price of the draft as it stands (the screen's fields taken in first)."""
        self.clear_messages()
        d = self.booking.draft
        if d is None or not self._take_form():
            return None
        if self.booking_problems():
            self.refused("validation_error", details=_fields(*self.booking_problems()))
            self._changed(self.booking)
            return None
        assert d.address is not None and d.slot_start is not None
        key = self._quote_key()
        self.session.busy, self._quoting_key = True, key
        self._changed(self.booking)
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
            self.session.busy, self._quoting_key = False, None
        if key == self._quote_key():  # else the draft changed meanwhile: a newer quote follows
            self.booking.quote, self._quoted_key = reply, key if reply is not None else None
        self._changed(self.booking)
        return self.booking.quote if key == self._quoted_key else None

    submit_quote = request_quote  # the booking screen's button, when a price is wanted now

    def _quote_soon(self) -> None:
        """With live quotes, the price follows the customer's choices: asked once they
        pause, and only when slot and place are both chosen."""
        if not self.live_quotes or self.booking.draft is None or self.booking_problems():
            return
        if self._quote_task is not None:
            self._quote_task.cancel()
        self._quote_task = asyncio.get_running_loop().create_task(self._quote_when_settled())

    async def _quote_when_settled(self) -> None:
        await asyncio.sleep(QUOTE_DELAY)
        key = self._quote_key()
        if self.booking_problems() or key == self._quoting_key:
            return  # nothing to price yet, or this very price is on its way
        if self.booking.quote is not None and key == self._quoted_key:
            return
        await self.request_quote()

    async def stop_quoting(self) -> None:
        if self._quote_task is not None:
            self._quote_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._quote_task
            self._quote_task = None


def _fields(*names: str) -> dict[str, Any]:
    """A 422's details naming ``names``: the app's own checks read as the server's do."""
    return {"errors": [{"loc": ["body", name]} for name in names]}
