"""Address search and reverse geocoding behind one interface, whatever the provider.

``DOORSTEP_GEOCODER`` picks it: ``local`` (the default: the embedded gazetteer, offline),
``nominatim`` and ``baidu`` through geopy's own classes, ``amap`` (高德) through its web
service API as a geopy ``Geocoder``. Every provider answers ``Place``s in WGS-84: Baidu's
BD-09 and Amap's GCJ-02 are converted at this boundary (``server.geo.coords``), and so are
the points sent to them. ``DOORSTEP_GEOCODER_URL`` points an HTTP provider at another
host (a proxy, or the tests' fake servers).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlencode

from geopy.exc import GeocoderServiceError
from geopy.geocoders import BaiduV3, Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from server.geo import coords
from server.geo.gazetteer import Gazetteer

USER_AGENT = "doorstep-home-services/1.0"


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    district: str
    lat: float  # WGS-84
    lng: float


class Provider(Protocol):
    def search(self, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]: ...

    def reverse(self, lat: float, lng: float) -> Place | None: ...


class LocalProvider:
    """The embedded gazetteer: no network, no key."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def search(self, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]:
        return [
            Place(e.name, e.address, e.district, e.lat, e.lng)
            for e in self.gazetteer.search(q, near=near, limit=limit)
        ]

    def reverse(self, lat: float, lng: float) -> Place | None:
        entry = self.gazetteer.nearest(lat, lng)
        if entry is None:
            return None
        return Place(entry.name, entry.address, entry.district, lat, lng)


class NominatimProvider:
    """OpenStreetMap's Nominatim (WGS-84 already), through geopy."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        scheme, domain = _split(base_url, "https", "nominatim.openstreetmap.org")
        self.geocoder = Nominatim(
            user_agent=USER_AGENT, domain=domain, scheme=scheme, timeout=timeout
        )

    def search(self, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]:
        viewbox = None
        if near is not None:  # prefer (not restrict to) about 10 km around the customer
            lat, lng = near
            viewbox = [(lat - 0.1, lng - 0.1), (lat + 0.1, lng + 0.1)]
        found = self.geocoder.geocode(
            q,
            exactly_one=False,
            limit=limit,
            addressdetails=True,
            language="zh",
            viewbox=viewbox,
            bounded=False,
        )
        return [_nominatim_place(loc) for loc in found or []]

    def reverse(self, lat: float, lng: float) -> Place | None:
        loc = self.geocoder.reverse(
            (lat, lng), exactly_one=True, language="zh", addressdetails=True
        )
        return _nominatim_place(loc) if loc is not None else None


def _nominatim_place(loc: Location) -> Place:
    raw = loc.raw
    parts = raw.get("address") or {}
    name = raw.get("name") or str(loc.address).split(",")[0]
    district = parts.get("suburb") or parts.get("city_district") or parts.get("district") or ""
    return Place(name, str(loc.address), district, float(loc.latitude), float(loc.longitude))


class BaiduProvider:
    """Baidu Maps' geocoding v3 (one best match per query), through geopy; BD-09 there."""

    def __init__(self, api_key: str, base_url: str | None, timeout: float) -> None:
        self.geocoder = BaiduV3(api_key=api_key, user_agent=USER_AGENT, timeout=timeout)
        if base_url:
            base = base_url.rstrip("/")
            self.geocoder.api = base + BaiduV3.api_path
            self.geocoder.reverse_api = base + BaiduV3.reverse_path

    def search(self, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]:
        loc = self.geocoder.geocode(q, exactly_one=True)
        if loc is None:
            return []
        lat, lng = coords.bd09_to_wgs84(float(loc.latitude), float(loc.longitude))
        return [Place(q, q, "", lat, lng)][:limit]

    def reverse(self, lat: float, lng: float) -> Place | None:
        loc = self.geocoder.reverse(coords.wgs84_to_bd09(lat, lng), exactly_one=True)
        if loc is None:
            return None
        result = loc.raw
        parts = result.get("addressComponent") or {}
        address = result.get("formatted_address") or str(loc.address)
        name = (result.get("sematic_description") or "").split(",")[0] or address
        district = (result.get("business") or "").split(",")[0] or parts.get("district", "")
        return Place(name, address, district, lat, lng)


class Amap(Geocoder):
    """Amap (高德) web service API in geopy's ``Geocoder`` interface: keyword search of
    places (``/v3/place/text``) and reverse geocoding (``/v3/geocode/regeo``). Points go in
    and come out in GCJ-02, as ``"lng,lat"``."""

    domain = "restapi.amap.com"

    def __init__(
        self,
        api_key: str,
        *,
        scheme: str | None = None,
        domain: str | None = None,
        timeout: Any = DEFAULT_SENTINEL,
        user_agent: str | None = None,  # noqa: ANN401
    ) -> None:
        super().__init__(scheme=scheme, timeout=timeout, user_agent=user_agent)
        self.api_key = api_key
        self.domain = domain or self.domain

    def geocode(
        self,
        query: str,
        *,
        near: tuple[float, float] | None = None,
        limit: int = 10,
        exactly_one: bool = False,
        timeout: Any = DEFAULT_SENTINEL,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        params: dict[str, Any] = {
            "key": self.api_key,
            "keywords": query,
            "offset": limit,
            "extensions": "base",
            "output": "JSON",
        }
        if near is not None:
            params["location"] = f"{near[1]:.6f},{near[0]:.6f}"
        url = f"{self.scheme}://{self.domain}/v3/place/text?{urlencode(params)}"
        return self._call_geocoder(
            url, partial(self._parse_places, exactly_one=exactly_one), timeout=timeout
        )

    def reverse(
        self,
        query: tuple[float, float],
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        lat, lng = query
        params = {"key": self.api_key, "location": f"{lng:.6f},{lat:.6f}", "output": "JSON"}
        url = f"{self.scheme}://{self.domain}/v3/geocode/regeo?{urlencode(params)}"
        return self._call_geocoder(url, self._parse_regeo, timeout=timeout)

    @staticmethod
    def _check(page: dict[str, Any]) -> None:
        if str(page.get("status")) != "1":
            raise GeocoderServiceError(f"amap: {page.get('info')} ({page.get('infocode')})")

    def _parse_places(self, page: dict[str, Any], exactly_one: bool) -> Any:  # noqa: ANN401
        self._check(page)
        places = []
        for poi in page.get("pois") or []:
            lng, lat = (float(v) for v in str(poi["location"]).split(","))
            address = poi.get("address") if isinstance(poi.get("address"), str) else ""
            places.append(Location(f"{poi.get('name', '')} {address}".strip(), (lat, lng), poi))
        if exactly_one:
            return places[0] if places else None
        return places

    def _parse_regeo(self, page: dict[str, Any]) -> Location | None:
        self._check(page)
        regeo = page.get("regeocode") or {}
        address = regeo.get("formatted_address")
        if not isinstance(address, str) or not address:
            return None
        return Location(address, (0.0, 0.0), regeo)  # the point asked about is the answer's


class AmapProvider:
    def __init__(self, api_key: str, base_url: str | None, timeout: float) -> None:
        scheme, domain = _split(base_url, "https", Amap.domain)
        self.geocoder = Amap(
            api_key, scheme=scheme, domain=domain, timeout=timeout, user_agent=USER_AGENT
        )

    def search(self, q: str, near: tuple[float, float] | None, limit: int) -> list[Place]:
        near_gcj = coords.wgs84_to_gcj02(*near) if near is not None else None
        out = []
        for loc in self.geocoder.geocode(q, near=near_gcj, limit=limit) or []:
            poi = loc.raw
            lat, lng = coords.gcj02_to_wgs84(float(loc.latitude), float(loc.longitude))
            address = poi.get("address") if isinstance(poi.get("address"), str) else ""
            district = poi.get("business_area") if isinstance(poi.get("business_area"), str) else ""
            out.append(
                Place(
                    str(poi.get("name", "")),
                    address or str(poi.get("name", "")),
                    district or str(poi.get("adname", "")),
                    lat,
                    lng,
                )
            )
        return out[:limit]

    def reverse(self, lat: float, lng: float) -> Place | None:
        loc = self.geocoder.reverse(coords.wgs84_to_gcj02(lat, lng))
        if loc is None:
            return None
        regeo = loc.raw
        parts = regeo.get("addressComponent") or {}
        neighborhood = (parts.get("neighborhood") or {}).get("name")
        building = (parts.get("building") or {}).get("name")
        name = next((n for n in (building, neighborhood) if isinstance(n, str) and n), None)
        township = parts.get("township") if isinstance(parts.get("township"), str) else ""
        return Place(
            name or regeo["formatted_address"],
            regeo["formatted_address"],
            township or str(parts.get("district") or ""),
            lat,
            lng,
        )


def _split(base_url: str | None, scheme: str, domain: str) -> tuple[str, str]:
    """(scheme, host[:port][/path]) of ``base_url``, else the provider's own."""
    if not base_url:
        return scheme, domain
    given_scheme, _, rest = base_url.partition("://")
    return given_scheme, rest.rstrip("/")
