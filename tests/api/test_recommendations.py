"""GET /recommendations: the customer's own history, the season, the neighbours' orders
(from three up), best sellers for a newcomer; each with the reason the app shows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from server.orders.recommend import seasons_on
from server.orders.recommendations import seasons
from tests.api.test_dispatch import paid_order

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SANLITUN = {"lat": 39.9334, "lng": 116.4540}  # where api.quote books


def groups(body: dict) -> dict[str, list[tuple[str, str]]]:
    return {
        g["code"]: [(i["service"]["id"], i["reason_zh"]) for i in g["items"]]
        for g in body["groups"]
    }


def test_history_season_and_neighbours(api) -> None:  # noqa: ANN001
    regular = api.register("customer")
    for _ in range(2):
        paid_order(api, regular)
    api.order(regular, service_id="svc_sofa_cleaning")  # never paid: not counted
    for _ in range(3):
        paid_order(api, api.register("customer"), service_id="svc_window_cleaning")

    mine = api.get("/recommendations", regular, params=SANLITUN)
    assert mine.status_code == 200, mine.text
    got = groups(mine.json())
    assert got["repeat"][0][0] == "svc_daily_cleaning"
    assert got["repeat"][0][1].startswith("您预约过2次")
    assert all(sid != "svc_sofa_cleaning" for sid, _ in got["repeat"])
    assert ("svc_window_cleaning", "附近3公里内近30天有3单") in got["nearby"]
    assert "popular" not in got

    today = api.app.state.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    in_force = [s.code for s in seasons_on(today, seasons())]
    assert [s["code"] for s in mine.json()["seasons"]] == in_force
    if in_force:
        assert got["seasonal"]

    far = api.get("/recommendations", regular, params={"lat": 31.23, "lng": 121.47})
    assert "nearby" not in groups(far.json())  # nobody booked around there


def test_a_newcomer_signed_out_gets_best_sellers_and_the_season(api) -> None:  # noqa: ANN001
    paid_order(api, api.register("customer"), service_id="svc_window_cleaning")
    r = api.get("/recommendations")
    assert r.status_code == 200, r.text
    got = groups(r.json())
    assert "repeat" not in got and "nearby" not in got
    assert got["popular"][0] == ("svc_window_cleaning", "平台热销服务")
    assert got["popular"][1][0] == "svc_daily_cleaning"  # then the catalog's own order
    shown = [sid for items in got.values() for sid, _ in items]
    assert len(shown) == len(set(shown))


def test_bad_places_and_tokens_are_refused(api) -> None:  # noqa: ANN001
    r = api.get("/recommendations", params={"lat": 91, "lng": 116})
    assert r.status_code == 422
    r = api.get("/recommendations", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
