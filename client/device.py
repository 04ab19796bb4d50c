"""What the apps ask of the device through Flet's services: its position (Flet's
geolocator: GPS on a phone, the browser's geolocation on the web; the ``locate()`` of
``client.position``, whose first use asks the user for the permission), and a place to
keep the signed-in session (shared preferences: the browser's local storage on the web)."""

from __future__ import annotations

import json
from typing import Any

import flet as ft
import flet_geolocator as fgl

from client.position import LocationUnavailable

_REFUSED = {fgl.GeolocatorPermissionStatus.DENIED, fgl.GeolocatorPermissionStatus.DENIED_FOREVER}


class DevicePosition:
    """Made inside the page (it registers itself as one of the page's services)."""

    def __init__(self) -> None:
        # on the web, no cached position (maximum age 0): a technician walking to the door
        # must be seen where they are now
        settings = (
            fgl.GeolocatorWebConfiguration if ft.context.page.web else fgl.GeolocatorConfiguration
        )
        self._geo = fgl.Geolocator(
            configuration=settings(
                accuracy=fgl.GeolocatorPositionAccuracy.HIGH, time_limit=ft.Duration(seconds=15)
            )
        )

    async def locate(self) -> tuple[float, float]:
        status = await self._geo.get_permission_status()
        if status != fgl.GeolocatorPermissionStatus.DENIED_FOREVER and status not in (
            fgl.GeolocatorPermissionStatus.WHILE_IN_USE,
            fgl.GeolocatorPermissionStatus.ALWAYS,
        ):
            status = await self._geo.request_permission()
        if status in _REFUSED:
            raise LocationUnavailable("location_denied")
        if not await self._geo.is_location_service_enabled():
            raise LocationUnavailable("location_off")
        try:
            position = await self._geo.get_current_position()
        except Exception as exc:  # a timeout or the platform's refusal, as the device reports it
            raise LocationUnavailable("location_failed") from exc
        if position.latitude is None or position.longitude is None:
            raise LocationUnavailable("location_failed")
        return float(position.latitude), float(position.longitude)


class DeviceSessionKeeper:
    """A signed-in session kept on the device through Flet's shared preferences: the
    browser's local storage on the web, so a restart of the app's server signs no one
    out and no browser sees another's session. Made inside the page (a page service)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._prefs = ft.SharedPreferences()

    async def load(self) -> dict[str, Any] | None:
        raw = await self._prefs.get(self.key)
        if not isinstance(raw, str):
            return None
        try:
            saved = json.loads(raw)
        except ValueError:
            return None
        return saved if isinstance(saved, dict) else None

    async def save(self, session: dict[str, Any] | None) -> None:
        if session is None:
            await self._prefs.remove(self.key)
        else:
            await self._prefs.set(self.key, json.dumps(session))
