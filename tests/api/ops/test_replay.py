"""What-if replay through the API: an operator asks, the job runs it, the result and its
chart are read back; the rules tried change the outcome."""

from __future__ import annotations

from datetime import timedelta

from server.ops.replay import service as replays
from tests.api.test_dispatch import north_km, paid_order, ready_technician


def _served_period(api):  # noqa: ANN001, ANN202
    """One order paid, offered by the real dispatcher and accepted, 1 km from the job."""
    clock = api.app.state.clock
    start = clock.now() - timedelta(minutes=5)
    tech = ready_technician(api, "近师傅", home=north_km(1))
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer)
    assert api.post("/ops/dispatch/run", api.staff("operator")).status_code == 200
    (offer,) = api.get("/technician/offers", tech).json()
    clock.advance(seconds=12)
    assert api.post(f"/technician/offers/{offer['id']}/accept", tech, json={}).status_code == 200
    clock.advance(minutes=5)
    return order, start, clock.now()


def _run(api, body: dict, operator: dict) -> dict:  # noqa: ANN001
    asked = api.post("/ops/dispatch/replays", operator, json=body)
    assert asked.status_code == 202, asked.text
    replay = asked.json()
    assert replay["status"] == "queued" and replay["result"] is None
    assert replays.replay_job(api.app.state, replay_id=replay["id"]) in ("done", "failed")
    return api.get(f"/ops/dispatch/replays/{replay['id']}", operator).json()


def test_a_replay_compares_what_happened_with_the_rules_tried(api) -> None:  # noqa: ANN001
    order, start, end = _served_period(api)
    operator = api.staff("operator")
    period = {"from": start.isoformat(), "to": end.isoformat()}

    same = _run(api, {**period, "rules": {}}, operator)
    assert same["status"] == "done"
    result = same["result"]
    assert result["orders"] == 1 and result["mode"] == "cascade"
    assert result["happened"]["served_share"] == 1.0
    assert result["happened"]["accept_minutes_p50"] == 0.2  # 12 s after it waited
    assert 0.9 < result["happened"]["km_per_job"] < 1.2
    assert result["replayed"]["served_share"] == 1.0  # the same rules: served again
    assert abs(result["replayed"]["km_per_job"] - result["happened"]["km_per_job"]) < 0.05

    narrow = _run(api, {**period, "rules": {"dispatch": {"search_radius_km": 0.5}}}, operator)
    result = narrow["result"]
    assert result["replayed"]["served_share"] == 0.0  # nobody within 500 m
    assert result["change"]["served_share"] == -1.0
    assert list(result["districts"]) == [order["district"]]

    chart = api.get(f"/ops/dispatch/replays/{narrow['id']}/chart.png", operator)
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")


def test_a_replay_request_is_checked_and_kept_to_operators(api) -> None:  # noqa: ANN001
    operator = api.staff("operator")
    now = api.app.state.clock.now()
    period = {"from": (now - timedelta(days=1)).isoformat(), "to": now.isoformat()}

    wrong = api.post(
        "/ops/dispatch/replays", operator, json={**period, "rules": {"dispatch": {"nope": 1}}}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "rules_invalid"
    naive = api.post(
        "/ops/dispatch/replays", operator, json={"from": "2026-11-01T00:00:00", "to": period["to"]}
    )
    assert naive.status_code == 422
    too_long = _run(
        api, {"from": (now - timedelta(days=40)).isoformat(), "to": period["to"]}, operator
    )
    assert (too_long["status"], too_long["error"]) == ("failed", "period_too_long")
    pool = _run(api, {**period, "rules": {"dispatch": {"mode": "pool"}}}, operator)
    assert (pool["status"], pool["error"]) == ("failed", "replay_mode_unsupported")
    chart = api.get(f"/ops/dispatch/replays/{pool['id']}/chart.png", operator)
    assert chart.status_code == 422 and chart.json()["error"]["code"] == "replay_failed"

    queued = api.post("/ops/dispatch/replays", operator, json=period).json()
    pending = api.get(f"/ops/dispatch/replays/{queued['id']}/chart.png", operator)
    assert pending.status_code == 409 and pending.json()["error"]["code"] == "replay_pending"
    missing = api.get("/ops/dispatch/replays/rpl_nothing", operator)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "replay_not_found"

    for role in ("customer", "technician"):
        user = api.register(role)
        assert api.post("/ops/dispatch/replays", user, json=period).status_code == 403
        assert api.get(f"/ops/dispatch/replays/{queued['id']}", user).status_code == 403
    assert api.get(f"/ops/dispatch/replays/{queued['id']}", api.staff("support")).status_code == 403
