"""China's three coordinate systems, converted at the geocoding providers' boundary.

Doorstep stores WGS-84 (what GPS and the browser report). Maps and geocoders licensed in
mainland China speak GCJ-02 ("Mars" coordinates: WGS-84 offset by a published
obfuscation of up to several hundred metres), and Baidu its own BD-09 on top of GCJ-02.
Outside mainland China GCJ-02 is WGS-84. The forward transforms are the published
formulas; the inverses have no closed form and are solved by iteration until the forward
transform gives the point back (to well under a millimetre). Pure: no I/O.

``haversine_m`` is the one great-circle distance the server uses (``haversine_many_m`` the
same over arrays); ``server.geo.travel`` turns a distance into a travel time.
"""

from __future__ import annotations

import math

import numpy as np

LatLng = tuple[float, float]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses it
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def out_of_china(lat: float, lng: float) -> bool:
    """The rough box where GCJ-02 applies (the same box every implementation uses)."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> LatLng:
    if out_of_china(lat, lng):
        return lat, lng
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> LatLng:
    """The WGS-84 point whose GCJ-02 image is (lat, lng), by fixed-point iteration."""
    if out_of_china(lat, lng):
        return lat, lng
    return _solve(wgs84_to_gcj02, lat, lng, (lat, lng))


def gcj02_to_bd09(lat: float, lng: float) -> LatLng:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _bd09_to_gcj02_published(lat: float, lng: float) -> LatLng:
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_gcj02(lat: float, lng: float) -> LatLng:
    """The published inverse (good to about 10 cm), refined by iteration until
    ``gcj02_to_bd09`` gives (lat, lng) back."""
    return _solve(gcj02_to_bd09, lat, lng, _bd09_to_gcj02_published(lat, lng))


def _solve(forward, lat: float, lng: float, start: LatLng) -> LatLng:  # noqa: ANN001
    """The point that ``forward`` maps to (lat, lng), by fixed-point iteration from
    ``start`` (the transforms are near-translations, so it converges in a few steps)."""
    w_lat, w_lng = start
    for _ in range(30):
        f_lat, f_lng = forward(w_lat, w_lng)
        e_lat, e_lng = f_lat - lat, f_lng - lng
        w_lat, w_lng = w_lat - e_lat, w_lng - e_lng
        if abs(e_lat) < 1e-12 and abs(e_lng) < 1e-12:
            break
    return w_lat, w_lng


def wgs84_to_bd09(lat: float, lng: float) -> LatLng:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat: float, lng: float) -> LatLng:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in meters on the mean-radius sphere (within a city, well
    under 1 % from the ellipsoid's)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many_m(lat: float, lng: float, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    """``haversine_m`` from one point to many at once (numpy), for batch matrices and scans."""
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lngs - lng)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def box_around(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float] | None:
    """A lat/lng box holding every point within ``radius_m`` (with a margin), or None near
    a pole or the antimeridian, where a box does not help."""
    m_per_deg = EARTH_RADIUS_M * math.pi / 180.0
    dlat = radius_m / m_per_deg * 1.001 + 1e-9
    lat_lo, lat_hi = lat - dlat, lat + dlat
    if lat_lo <= -89.0 or lat_hi >= 89.0:
        return None
    cos_min = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlng = radius_m / (m_per_deg * cos_min) * 1.001 + 1e-9
    if dlng >= 180.0 or lng - dlng < -180.0 or lng + dlng > 180.0:
        return None
    return lat_lo, lat_hi, lng - dlng, lng + dlng


def valid(lat: float, lng: float) -> bool:
    """A point on Earth: finite, latitude within ±90°, longitude within ±180°."""
    return math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
