"""A new offer rings and buzzes. A technician has twenty seconds to answer, often with
the phone in a pocket or on a ladder: a card that appears in silence is an offer lost.

``OfferAlerts`` watches the state's offers and rings once for each offer it has not seen
(an offer already pending when the app opens rings too); ``DeviceAlert`` is the ring
itself on a device: the chime (``assets/sounds/offer.wav``, flet-audio) and a vibration
(Flet's haptic feedback; nothing on the web, where the browser has none).

``SystemNotifier`` shows the state's urgent alerts (``technician_app.state.alerts``) as the
system's notifications (flet-notifications, over flutter_local_notifications): a tap opens
the screen the alert names. Its Flutter half is compiled only into a built app (``flet
build apk / ipa / macos / windows / linux``); Flet's prebuilt clients (the ``--web`` build,
the desktop window of ``python -m technician_app``) lack it and would answer "unknown
service", so :func:`make_notifier` uses it only in a built app and the in-app notice
elsewhere.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable

import flet as ft
import flet_audio as fa
from flet.utils import is_embedded
from flet_notifications import (
    AndroidOptions,
    Importance,
    LocalNotifications,
    NotificationChannel,
    NotificationError,
    NotificationEvent,
    NotificationOptions,
    Priority,
)

from technician_app.notifier import Alert, InAppNotifier, Notifier
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


CHANNEL = "urgent"  # Android: a channel of high importance, so an offer pops up over apps


def uses_system_notifications(page: ft.Page) -> bool:
    """Only a built app carries the extension's Flutter half (see the module's text)."""
    return is_embedded() and not page.web


class SystemNotifier:
    """The device's notifications. Made inside the page (it is a page service); the
    system's permission is not asked on start but when the state asks
    (:meth:`ask_permission`: the first time the technician goes online)."""

    def __init__(self, page: ft.Page, open_route: Callable[[str], None], channel_name: str):
        self._page = page
        self._channel_name = channel_name
        self._service = LocalNotifications(
            app_name="Doorstep",
            request_alert_permission=False,
            request_sound_permission=False,
            request_badge_permission=False,
        )

        def tapped(e: NotificationEvent) -> None:
            if e.payload.startswith("/"):
                open_route(e.payload)

        self._service.on_tap = tapped
        self._channel_ready = False
        self._ids = itertools.count(1)

    async def ask_permission(self) -> bool:
        try:
            return bool(await self._service.request_permissions())
        except (NotificationError, RuntimeError, TimeoutError) as exc:
            log.info("notification permission not asked: %s", exc)
            return False

    async def notify(self, title: str, body: str, payload: str) -> None:
        try:
            await self._ensure_channel()
            await self._service.show(
                id=next(self._ids),  # the state alerts each thing once: one id each
                title=title,
                body=body,
                payload=payload,
                channel_id=CHANNEL,
                options=NotificationOptions(
                    android=AndroidOptions(importance=Importance.HIGH.value, priority=Priority.HIGH)
                ),
            )
        except (NotificationError, RuntimeError, TimeoutError) as exc:
            log.info("notification not shown: %s", exc)

    async def _ensure_channel(self) -> None:
        if self._channel_ready or self._page.platform != ft.PagePlatform.ANDROID:
            return
        await self._service.create_notification_channel(
            NotificationChannel(id=CHANNEL, name=self._channel_name, importance=Importance.HIGH)
        )
        self._channel_ready = True


def make_notifier(
    page: ft.Page,
    open_route: Callable[[str], None],
    show_in_app: Callable[[Alert], None],
    channel_name: str,
) -> Notifier:
    """The system's notifications in a built app; the in-app notice elsewhere."""
    if uses_system_notifications(page):
        return SystemNotifier(page, open_route, channel_name)
    return InAppNotifier(show_in_app)
