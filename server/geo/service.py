"""Address search for the apps: the configured provider, its failures as clear replies."""

from __future__ import annotations

import functools
import logging

from geopy.exc import GeopyError

from server.core.errors import AppError, Unprocessable
from server.core.settings import Settings
from server.geo import coords, gazetteer
from server.geo.geocoders import (
    AmapProvider,
    BaiduProvider,
    LocalProvider,
    NominatimProvider,
    Place,
    Provider,
)

log = logging.getLogger("doorstep.geo")
PROVIDERS = ("local", "nominatim", "baidu", "amap")


@functools.cache
def _provider(name: str, key: str, url: str, timeout: float) -> Provider:
    if name == "local":
        return LocalProvider(gazetteer.load())
    if name == "nominatim":
        return NominatimProvider(url or None, timeout)
    if name == "baidu":
        return BaiduProvider(key, url or None, timeout)
    if name == "amap":
        return AmapProvider(key, url or None, timeout)
    raise ValueError(f"DOORSTEP_GEOCODER must be one of {', '.join(PROVIDERS)}, not {name!r}")


def provider_for(settings: Settings) -> Provider:
    return _provider(
        settings.geocoder,
        settings.geocoder_key,
        settings.geocoder_url,
        settings.geocoder_timeout_seconds,
    )


def check_point(lat: float, lng: float) -> None:
    if not coords.valid(lat, lng):
        raise Unprocessable(
            "no such place on Earth: latitude within ±90, longitude within ±180",
            code="coordinates_invalid",
            details={"point": f"{lat},{lng}"},
        )


def search(settings: Settings, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]:
    if near is not None:
        check_point(*near)
    try:
        return provider_for(settings).search(q.strip(), near, limit)
    except GeopyError as exc:
        raise _unavailable(exc) from exc


def reverse(settings: Settings, lat: float, lng: float) -> Place | None:
    check_point(lat, lng)
    try:
        return provider_for(settings).reverse(lat, lng)
    except GeopyError as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> AppError:
    log.warning("geocoder failed: %s: %s", type(exc).__name__, exc)
    return AppError(
        "address search is unavailable; try again, or place the pin on the map",
        code="geocoder_unavailable",
        status_code=503,
    )
