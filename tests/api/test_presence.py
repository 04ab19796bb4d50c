"""Presence over HTTP: offers reach a technician who is online and whose app showed a
sign of life lately (going online, a location report, an open live connection); one
online in the database with no app open is skipped, and presence runs out."""

from __future__ import annotations

import time
from collections.abc import Callable

from server.technicians.models import TechnicianProfile
from tests.api.test_dispatch import (
    app_still_open,
    north_km,
    paid_order,
    ready_technician,
    run,
    set_rules,
)
from tests.unit_of_work import unit_of_work


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for ``condition`` (what another thread does), failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def _window(api) -> float:  # noqa: ANN001
    return api.app.state.settings.presence_window_seconds


def _profile(api, operator: dict, tech: dict) -> dict:  # noqa: ANN001
    r = api.get(f"/ops/technicians/{tech['id']}", operator)
    assert r.status_code == 200, r.text
    return r.json()["profile"]


def _rejected(api, operator: dict, order_id: str) -> dict[str, list[str]]:  # noqa: ANN001
    r = api.get(f"/ops/dispatch/{order_id}", operator)
    assert r.status_code == 200, r.text
    (decision,) = r.json()["decisions"]
    return {
        tid: [reason["code"] for reason in reasons]
        for tid, reasons in decision["rejected"]["technicians"].items()
    }


def test_the_offer_goes_to_the_present_technician_not_the_nearer_absent_one(api):  # noqa: ANN001
    operator = api.staff("operator")
    near = ready_technician(api, "近师傅", home=north_km(1), operator=operator)
    far = ready_technician(api, "远师傅", home=north_km(4), operator=operator)
    # both went online a while ago; only the far one's app is still reporting
    api.app.state.clock.advance(seconds=_window(api) + 1)
    app_still_open(api, far)
    assert _profile(api, operator, near)["present"] is False
    seen = _profile(api, operator, far)
    assert seen["present"] is True and seen["online"] is True and seen["last_seen_at"]

    order = paid_order(api, api.register("customer"))
    assert run(api, operator)["offered"] == 1
    assert api.get("/technician/offers", near).json() == []
    (offer,) = api.get("/technician/offers", far).json()
    assert offer["order_id"] == order["id"]
    assert _rejected(api, operator, order["id"])[near["id"]] == ["absent"]


def test_presence_runs_out_after_the_window_and_a_report_brings_it_back(api):  # noqa: ANN001
    operator = api.staff("operator")
    tech = ready_technician(api, "王师傅", home=north_km(1), operator=operator)
    clock = api.app.state.clock
    clock.advance(seconds=_window(api) - 1)
    assert _profile(api, operator, tech)["present"] is True  # going online was a sign
    clock.advance(seconds=1)
    assert _profile(api, operator, tech)["present"] is False

    order = paid_order(api, api.register("customer"))
    report = run(api, operator)
    assert report["offered"] == 0 and report["no_candidate"] == 1
    assert _rejected(api, operator, order["id"])[tech["id"]] == ["absent"]

    clock.advance(minutes=1)  # past the retry interval of an order nobody could take
    app_still_open(api, tech)
    assert run(api, operator)["offered"] == 1
    (offer,) = api.get("/technician/offers", tech).json()
    assert offer["order_id"] == order["id"]


def test_an_app_polling_for_work_is_present(api):  # noqa: ANN001
    """Without its live connection the app polls its offers and the pool: signs too."""
    operator = api.staff("operator")
    tech = ready_technician(api, "轮询师傅", home=north_km(1), operator=operator)
    clock = api.app.state.clock
    for asking in ("/technician/offers", "/technician/pool"):
        clock.advance(seconds=_window(api))
        assert _profile(api, operator, tech)["present"] is False
        assert api.get(asking, tech).status_code == 200
        assert _profile(api, operator, tech)["present"] is True


def test_online_in_the_database_alone_is_not_present(api):  # noqa: ANN001
    """As the demo seeds them: online with no app ever opened."""
    operator = api.staff("operator")
    tech = ready_technician(api, "种子师傅", home=north_km(1), operator=operator)
    api.app.state.clock.advance(minutes=10)
    with unit_of_work(api.app) as uow:
        profile = uow.session.get(TechnicianProfile, tech["id"])
        assert profile is not None and profile.online
    paid_order(api, api.register("customer"))
    assert run(api, operator)["offered"] == 0


def test_an_open_live_connection_is_presence_and_closing_it_ends_it(api):  # noqa: ANN001
    operator = api.staff("operator")
    tech = ready_technician(api, "连线师傅", home=north_km(1), operator=operator)
    api.app.state.clock.advance(minutes=10)  # went online long ago, app closed since
    assert _profile(api, operator, tech)["present"] is False
    order = paid_order(api, api.register("customer"))
    with api.client.websocket_connect(f"/api/v1/ws?token={tech['access_token']}") as ws:
        assert ws.receive_json()["type"] == "welcome"  # sent once his arrival is recorded
        assert _profile(api, operator, tech)["present"] is True
        assert run(api, operator)["offered"] == 1
        (offer,) = api.get("/technician/offers", tech).json()
        assert offer["order_id"] == order["id"]
    # the server records the departure as its side of the socket ends
    until(lambda: _profile(api, operator, tech)["present"] is False)


def test_asking_for_oneself_needs_no_earlier_sign(api):  # noqa: ANN001
    """Viewing the pool, claiming: the technician asking is there by asking."""
    operator = api.staff("operator")
    tech = ready_technician(api, "抢单师傅", home=north_km(1), operator=operator)
    set_rules(api, operator, {"dispatch": {"mode": "pool"}})
    order = paid_order(api, api.register("customer"))
    api.app.state.clock.advance(seconds=_window(api) + 300)
    (item,) = api.get("/technician/pool", tech).json()
    assert item["order_id"] == order["id"]
    r = api.post(f"/orders/{order['id']}/claim", tech, json={})
    assert r.status_code == 200, r.text
