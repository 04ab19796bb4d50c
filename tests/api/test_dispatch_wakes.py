"""What wakes the dispatcher: each is a ``dispatch.round`` job deferred by the change
itself, for the partition where it happens (no loop looks for work)."""

from __future__ import annotations

import pytest

from server.core.jobs import JobEngine
from server.dispatch import dispatcher
from tests.api.test_dispatch import ADDRESS, north_km, paid_order, ready_technician


@pytest.fixture
def deferred(monkeypatch) -> list[tuple[str, dict]]:  # noqa: ANN001
    """The jobs deferred (name, options and arguments), instead of queued."""
    seen: list[tuple[str, dict]] = []
    monkeypatch.setattr(JobEngine, "defer", lambda self, uow, name, **kw: seen.append((name, kw)))
    dispatcher._moved_wakes.clear()
    return seen


def _rounds(seen: list[tuple[str, dict]]) -> list[dict]:
    return [kw for name, kw in seen if name == dispatcher.ROUND_JOB]


def test_paying_and_coming_online_wake_the_partition(api, deferred) -> None:  # noqa: ANN001
    tech = ready_technician(api, "近师傅", home=north_km(1))  # comes online on the way
    assert _rounds(deferred)[-1]["partition"] == "39:116"
    deferred.clear()
    paid_order(api, api.register("customer", "张女士"))
    (round_,) = _rounds(deferred)
    assert round_ == {"lock": "dispatch:39:116", "delay_seconds": 0, "partition": "39:116"}
    deferred.clear()
    assert api.put("/technician/status", tech, json={"online": False}).status_code == 200
    assert _rounds(deferred) == []  # going offline places nothing


def test_a_free_technician_moving_wakes_the_partition_now_and_then(api, deferred) -> None:  # noqa: ANN001
    tech = ready_technician(api, "近师傅", home=north_km(1))
    deferred.clear()
    clock = api.app.state.clock
    clock.advance(seconds=dispatcher.MOVE_WAKE_SECONDS)  # past the set-up's own report
    point = {"lat": ADDRESS[0] + 0.01, "lng": ADDRESS[1]}
    for _ in range(3):
        assert api.post("/technician/location", tech, json=point).status_code == 200
        clock.advance(seconds=1)
    assert len(_rounds(deferred)) == 1  # three reports in 3 s: one wake-up
    clock.advance(seconds=dispatcher.MOVE_WAKE_SECONDS)
    assert api.post("/technician/location", tech, json=point).status_code == 200
    assert len(_rounds(deferred)) == 2
    shanghai = {"lat": 31.2304, "lng": 121.4737}  # another partition wakes on its own
    assert api.post("/technician/location", tech, json=shanghai).status_code == 200
    assert _rounds(deferred)[-1]["partition"] == "31:121"


def test_batch_mode_waits_one_window_before_the_round(api, deferred) -> None:  # noqa: ANN001
    operator = api.staff("admin")
    r = api.put(
        "/ops/settings",
        operator,
        json={"rules": {"dispatch": {"mode": "batch", "batch_interval_seconds": 30}}},
    )
    assert r.status_code == 200, r.text
    deferred.clear()
    paid_order(api, api.register("customer", "张女士"))
    (round_,) = _rounds(deferred)
    assert round_["delay_seconds"] == 30


def test_an_app_that_comes_back_wakes_the_partition(api, deferred) -> None:  # noqa: ANN001
    """Orders waiting near him may be his now: dispatch looks again as his feed opens."""
    tech = ready_technician(api, "近师傅", home=north_km(1))
    feed = f"/api/v1/ws?token={tech['access_token']}"
    deferred.clear()
    with api.client.websocket_connect(feed) as ws:  # present already (he just went online)
        assert ws.receive_json()["type"] == "welcome"
    assert _rounds(deferred) == []
    api.app.state.clock.advance(seconds=api.app.state.settings.presence_window_seconds)
    with api.client.websocket_connect(feed) as ws:  # the app is back after a while
        assert ws.receive_json()["type"] == "welcome"
        (round_,) = _rounds(deferred)
        assert round_["partition"] == "39:116"
