"""A new offer rings and buzzes. A technician has twenty seconds to answer, often with
the phone in a pocket or on a ladder: a card that appears in silence is an offer lost.

``OfferAlerts`` watches the state's offers and rings once for each offer it has not seen
(an offer already pending when the app opens rings too); ``DeviceAlert`` is the ring
itself on a device: the chime (``assets/sounds/offer.wav``, flet-audio) and a vibration
(Flet's haptic feedback; nothing on the web, where the browser has none).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import flet as ft
import flet_audio as fa

from technician_app.state.model import Offer

log = logging.getLogger("technician_app.alerts")
CHIME = "sounds/offer.wav"


class OfferAlerts:
    """Which offers are new since the last look; each is rung for once."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def arrived(self, offers: Iterable[Offer]) -> list[str]:
        """Ids of the offers (not the pool's open orders) not seen before; those no longer
        offered are forgotten, so an order offered again later rings again."""
        ids = [o.id for o in offers if o.source == "offer"]
        new = [i for i in ids if i not in self._seen]
        self._seen = set(ids)
        return new


class DeviceAlert:
    """The ring on this device. Made inside the page (both are page services)."""

    def __init__(self) -> None:
        self._chime = fa.Audio(src=CHIME, release_mode=fa.ReleaseMode.STOP)
        self._haptics = ft.HapticFeedback()

    async def ring(self) -> None:
        try:
            await self._chime.play()
            await self._haptics.heavy_impact()
        except (RuntimeError, TimeoutError) as exc:  # a device without sound or vibration
            log.info("offer alert not played: %s", exc)
