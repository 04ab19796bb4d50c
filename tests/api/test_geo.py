"""Address search and saved addresses, end to end over HTTP. Each HTTP provider runs
against a local fake that answers in that provider's own format (coordinates in its own
system), so the conversions at the boundary are tested with the wire formats."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import Session, select

from server.geo import coords
from server.geo.models import SavedAddress

TAIKOO_LI = (39.9323, 116.4478)  # WGS-84
Answer = Callable[[str, dict[str, str]], tuple[int, Any]]


class Fake:
    """A provider on 127.0.0.1: ``answer(path, query)`` -> (status, JSON); every request kept."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append((url.path, query))
                status, body = answer(url.path, query)
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings) -> Iterator[Callable[[str, Answer], Fake]]:  # noqa: ANN001
    fakes: list[Fake] = []

    def use(name: str, answer: Answer) -> Fake:
        fake = Fake(answer)
        fakes.append(fake)
        settings.geocoder, settings.geocoder_url, settings.geocoder_key = name, fake.url, "test-key"
        return fake

    yield use
    for fake in fakes:
        fake.close()


def _near(a: tuple[float, float], b: tuple[float, float], metres: float = 0.5) -> bool:
    return coords.haversine_m(*a, *b) < metres


# --- the embedded gazetteer (the default) ----------------------------------------------------


def test_search_and_reverse_offline(api) -> None:  # noqa: ANN001
    customer = api.register()
    r = api.get("/geo/search", customer, params={"q": "sanlitun", "near": "39.93,116.45"})
    assert r.status_code == 200, r.text
    first = r.json()[0]
    assert "三里屯" in first["name"] and first["district"] == "三里屯"
    assert set(first) == {"name", "address", "district", "lat", "lng"}
    r = api.get("/geo/reverse", customer, params={"lat": TAIKOO_LI[0], "lng": TAIKOO_LI[1]})
    assert r.status_code == 200 and r.json()["name"].startswith("三里屯")
    assert (r.json()["lat"], r.json()["lng"]) == TAIKOO_LI  # the point asked about stays
    r = api.get("/geo/reverse", customer, params={"lat": 31.2304, "lng": 121.4737})
    assert r.status_code == 404 and r.json()["error"]["code"] == "place_not_found"


def test_bad_input_is_a_clear_4xx(api) -> None:  # noqa: ANN001
    customer = api.register()
    assert api.get("/geo/search", params={"q": "国贸"}).status_code == 401
    cases = [
        ("/geo/search", {"q": ""}, "validation_error"),
        ("/geo/search", {"q": "国贸", "near": "north"}, "coordinates_invalid"),
        ("/geo/search", {"q": "国贸", "near": "95,116"}, "coordinates_invalid"),
        ("/geo/reverse", {"lat": 91, "lng": 116}, "coordinates_invalid"),
        ("/geo/reverse", {"lat": "nan", "lng": 116}, "coordinates_invalid"),
        ("/geo/reverse", {"lat": 39.9}, "validation_error"),
    ]
    for path, params, code in cases:
        r = api.get(path, customer, params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (params, r.text)


def test_address_search_is_metered_per_user(api, settings) -> None:  # noqa: ANN001
    settings.geocoder_requests_per_minute = 3
    customer, other = api.register(), api.register()
    for _ in range(3):
        assert api.get("/geo/search", customer, params={"q": "国贸"}).status_code == 200
    r = api.get("/geo/reverse", customer, params={"lat": 39.9, "lng": 116.4})
    assert r.status_code == 429 and r.json()["error"]["code"]
    assert api.get("/geo/search", other, params={"q": "国贸"}).status_code == 200


# --- HTTP providers, against fakes in their own formats -------------------------------------


def test_amap_speaks_gcj02_both_ways(api, provider) -> None:  # noqa: ANN001
    gcj = coords.wgs84_to_gcj02(*TAIKOO_LI)

    def amap(path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/v3/place/text":
            poi = {
                "name": "三里屯太古里",
                "address": "三里屯路19号",
                "location": f"{gcj[1]},{gcj[0]}",
                "adname": "朝阳区",
                "business_area": "三里屯",
                "id": "B000A7BD6C",
            }
            return 200, {
                "status": "1",
                "count": "1",
                "info": "OK",
                "infocode": "10000",
                "pois": [poi],
            }
        return 200, {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "regeocode": {
                "formatted_address": "北京市朝阳区三里屯街道三里屯路19号三里屯太古里",
                "addressComponent": {
                    "district": "朝阳区",
                    "township": "三里屯街道",
                    "neighborhood": {"name": "三里屯太古里", "type": "购物服务"},
                    "building": {"name": [], "type": []},
                },
            },
        }

    fake = provider("amap", amap)
    customer = api.register()
    r = api.get("/geo/search", customer, params={"q": "太古里", "near": "39.93,116.45"})
    assert r.status_code == 200, r.text
    place = r.json()[0]
    assert place["name"] == "三里屯太古里" and place["district"] == "三里屯"
    assert _near((place["lat"], place["lng"]), TAIKOO_LI)  # back in WGS-84
    path, query = fake.requests[-1]
    assert query["keywords"] == "太古里" and query["key"] == "test-key"
    lng, lat = (float(v) for v in query["location"].split(","))
    assert _near((lat, lng), coords.wgs84_to_gcj02(39.93, 116.45))  # sent in GCJ-02
    r = api.get("/geo/reverse", customer, params={"lat": TAIKOO_LI[0], "lng": TAIKOO_LI[1]})
    assert r.json()["name"] == "三里屯太古里" and r.json()["district"] == "三里屯街道"
    lng, lat = (float(v) for v in fake.requests[-1][1]["location"].split(","))
    assert _near((lat, lng), gcj)


def test_baidu_through_geopy_speaks_bd09(api, provider) -> None:  # noqa: ANN001
    bd = coords.wgs84_to_bd09(*TAIKOO_LI)

    def baidu(path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/geocoding/v3/":
            return 200, {
                "status": 0,
                "result": {
                    "location": {"lng": bd[1], "lat": bd[0]},
                    "precise": 1,
                    "confidence": 80,
                    "level": "购物",
                },
            }
        return 200, {
            "status": 0,
            "result": {
                "location": {"lng": bd[1], "lat": bd[0]},
                "formatted_address": "北京市朝阳区三里屯路19号",
                "business": "三里屯,工体",
                "sematic_description": "三里屯太古里内,北京三里屯通盈中心",
                "addressComponent": {"district": "朝阳区", "street": "三里屯路"},
            },
        }

    fake = provider("baidu", baidu)
    customer = api.register()
    r = api.get("/geo/search", customer, params={"q": "三里屯太古里"})
    assert r.status_code == 200, r.text
    assert _near((r.json()[0]["lat"], r.json()[0]["lng"]), TAIKOO_LI)
    assert fake.requests[-1][1]["ak"] == "test-key"
    r = api.get("/geo/reverse", customer, params={"lat": TAIKOO_LI[0], "lng": TAIKOO_LI[1]})
    assert r.json()["name"] == "三里屯太古里内" and r.json()["district"] == "三里屯"
    lat, lng = (float(v) for v in fake.requests[-1][1]["location"].split(","))
    assert _near((lat, lng), bd)  # sent in BD-09


def test_nominatim_through_geopy_is_wgs84(api, provider) -> None:  # noqa: ANN001
    place = {
        "place_id": 1,
        "lat": str(TAIKOO_LI[0]),
        "lon": str(TAIKOO_LI[1]),
        "name": "三里屯太古里",
        "display_name": "三里屯太古里, 三里屯路, 朝阳区, 北京市, 中国",
        "address": {"suburb": "三里屯街道", "city": "北京市"},
    }
    fake = provider("nominatim", lambda path, q: (200, [place] if path == "/search" else place))
    customer = api.register()
    r = api.get("/geo/search", customer, params={"q": "太古里", "near": "39.93,116.45"})
    assert r.status_code == 200, r.text
    assert r.json()[0] == {
        "name": "三里屯太古里",
        "address": place["display_name"],
        "district": "三里屯街道",
        "lat": TAIKOO_LI[0],
        "lng": TAIKOO_LI[1],
    }
    assert fake.requests[-1][1]["q"] == "太古里" and "viewbox" in fake.requests[-1][1]
    r = api.get("/geo/reverse", customer, params={"lat": TAIKOO_LI[0], "lng": TAIKOO_LI[1]})
    assert r.json()["name"] == "三里屯太古里"


@pytest.mark.parametrize("name", ["amap", "baidu", "nominatim"])
def test_a_failing_provider_is_503_not_500(api, provider, name) -> None:  # noqa: ANN001
    provider(name, lambda path, q: (500, {"error": "down"}))
    customer = api.register()
    r = api.get("/geo/search", customer, params={"q": "国贸"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "geocoder_unavailable", r.text


def test_amap_refusing_the_key_is_503(api, provider) -> None:  # noqa: ANN001
    provider(
        "amap",
        lambda path, q: (200, {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}),
    )
    r = api.get("/geo/reverse", api.register(), params={"lat": 39.93, "lng": 116.45})
    assert r.status_code == 503 and r.json()["error"]["code"] == "geocoder_unavailable"


# --- saved addresses ------------------------------------------------------------------------


def test_saved_addresses_are_the_customers_own_and_encrypted(api) -> None:  # noqa: ANN001
    customer, other, tech = api.register(), api.register(), api.register("technician")
    home = {
        "label": "家",
        "text": "三里屯太古里",
        "lat": TAIKOO_LI[0],
        "lng": TAIKOO_LI[1],
        "district": "三里屯",
        "detail": "3号楼2单元502",
    }
    r = api.post("/me/addresses", customer, json=home)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert {k: saved[k] for k in home} == home
    office = {
        **home,
        "label": "公司",
        "text": "国贸三期",
        "lat": 39.9097,
        "lng": 116.4596,
        "detail": "52层",
    }
    assert api.post("/me/addresses", customer, json=office).status_code == 201
    assert [a["label"] for a in api.get("/me/addresses", customer).json()] == ["家", "公司"]
    assert api.get("/me/addresses", other).json() == []
    assert api.get("/me/addresses", tech).status_code == 403
    # someone else's id is as if absent
    assert api.put(f"/me/addresses/{saved['id']}", other, json=home).status_code == 404
    assert (
        api.client.delete(
            f"/api/v1/me/addresses/{saved['id']}", headers=other["headers"]
        ).status_code
        == 404
    )
    moved = {**home, "detail": "5号楼1单元101"}
    r = api.put(f"/me/addresses/{saved['id']}", customer, json=moved)
    assert r.status_code == 200 and r.json()["detail"] == "5号楼1单元101"
    with Session(api.app.state.engine) as session:
        rows = session.exec(select(SavedAddress)).all()
        assert all("三里屯" not in row.place_enc and "39.93" not in row.place_enc for row in rows)
    r = api.client.delete(f"/api/v1/me/addresses/{saved['id']}", headers=customer["headers"])
    assert r.status_code == 204
    assert [a["label"] for a in api.get("/me/addresses", customer).json()] == ["公司"]


def test_saved_address_input_is_checked(api) -> None:  # noqa: ANN001
    customer = api.register()
    base = {"label": "家", "text": "三里屯", "lat": 39.93, "lng": 116.45}
    for bad in (
        {**base, "lat": 91},
        {**base, "label": ""},
        {**base, "text": "x" * 301},
        {k: v for k, v in base.items() if k != "lng"},
    ):
        assert api.post("/me/addresses", customer, json=bad).status_code == 422, bad
    for _ in range(20):
        assert api.post("/me/addresses", customer, json=base).status_code == 201
    r = api.post("/me/addresses", customer, json=base)
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_addresses"
