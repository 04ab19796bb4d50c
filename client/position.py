"""Where the device is, as both apps' state layers see it: ``locate()`` gives (lat, lng)
in WGS-84 or raises ``LocationUnavailable`` with the reason to show. Pure: the device
itself is reached through ``client.device`` (Flet's geolocator)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class LocationUnavailable(Exception):
    """The device gave no position; ``code`` says why: ``location_denied`` (permission
    refused), ``location_off`` (location services off), ``location_failed`` (no fix)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


Locate = Callable[[], Awaitable[tuple[float, float]]]
