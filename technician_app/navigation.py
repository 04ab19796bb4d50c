"""ETA, distance labels and map-app links for the order screen. Pure functions, no I/O.

Distances and travel times come from ``client.geo`` (the apps' one great-circle distance
and travel-time estimate); the technician's speeds by travel mode are named here.

Map apps: Amap (高德) and Baidu take WGS84 when told so (``coordinate=wgs84`` /
``coord_type=wgs84``); Apple and Google take WGS84 as is; ``geo:`` lets Android pick
whatever map app the technician has installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from client import geo
from technician_app.i18n import DEFAULT_LANG, t

SPEED_KMH = {"ebike": 18.0, "car": 25.0, "walk": 4.5}


def eta_minutes(meters: float, mode: str = "ebike") -> int:
    """Travel estimate: road distance at a typical city speed, at least one minute."""
    return geo.eta_minutes(meters, SPEED_KMH.get(mode, SPEED_KMH["ebike"]))


def format_distance(meters: float, lang: str = DEFAULT_LANG) -> str:
    if meters < 1000:
        return t(lang, "distance.m", n=f"{round(meters / 10) * 10:.0f}")
    return t(lang, "distance.km", n=f"{meters / 1000:.1f}")


@dataclass(frozen=True)
class MapLink:
    key: str
    label: str
    url: str


def map_links(lat: float, lng: float, name: str = "", lang: str = DEFAULT_LANG) -> list[MapLink]:
    """Links that open the address in the device's map apps, best first for China."""
    n = quote(name or t(lang, "map.default_name"))
    return [
        MapLink(
            "amap",
            t(lang, "map.amap"),
            f"https://uri.amap.com/navigation?to={lng:.6f},{lat:.6f},{n}&mode=ride&coordinate=wgs84&callnative=1",
        ),
        MapLink(
            "baidu",
            t(lang, "map.baidu"),
            f"https://api.map.baidu.com/direction?destination=latlng:{lat:.6f},{lng:.6f}|name:{n}"
            f"&coord_type=wgs84&mode=riding&output=html&src=doorstep.technician",
        ),
        MapLink(
            "apple",
            t(lang, "map.apple"),
            f"https://maps.apple.com/?daddr={lat:.6f},{lng:.6f}&dirflg=d",
        ),
        MapLink(
            "google",
            t(lang, "map.google"),
            f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lng:.6f}&travelmode=two-wheeler",
        ),
        MapLink("geo", t(lang, "map.geo"), f"geo:{lat:.6f},{lng:.6f}?q={lat:.6f},{lng:.6f}({n})"),
    ]
