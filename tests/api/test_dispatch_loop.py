"""The dispatcher running on its own: the background loop and the city simulation."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.ops.stats import gini
from simulation.city import simulate
from simulation.world import SimConfig
from tests.api.test_dispatch import north_km, paid_order, ready_technician
from tests.conftest import Api


@pytest.fixture
def live_api(settings, clock, engine):  # noqa: ANN001, ANN201
    """An app whose background tasks run, the dispatcher among them."""
    live = settings.model_copy(
        update={"background_tasks": True, "background_interval_seconds": 0.2}
    )
    with TestClient(create_app(live, clock=clock, engine=engine)) as client:
        yield Api(client)


def _wait_for(predicate, seconds: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_background_loop_offers_a_paid_order_and_expires_it(live_api):
    api = live_api
    tech = ready_technician(api, "近师傅", home=north_km(1))
    customer = api.register("customer", "张女士")
    order = paid_order(api, customer)
    assert _wait_for(lambda: api.get("/technician/offers", tech).json() != [])
    (offer,) = api.get("/technician/offers", tech).json()
    assert offer["order_id"] == order["id"]
    api.app.state.clock.advance(seconds=25)
    assert _wait_for(
        lambda: (
            "order.offer_timed_out"
            in [e["type"] for e in api.get(f"/orders/{order['id']}/events", customer).json()]
        )
    )


def test_an_offer_deadline_survives_a_server_restart(settings, clock, engine):  # noqa: ANN001
    """The deadline lives in the database: a server that starts after it passed expires it."""
    quiet = settings.model_copy(update={"background_tasks": False})
    with TestClient(create_app(quiet, clock=clock, engine=engine)) as client:
        api = Api(client)
        tech = ready_technician(api, "近师傅", home=north_km(1))
        customer = api.register("customer", "张女士")
        order = paid_order(api, customer)
        assert api.post("/ops/dispatch/run", api.staff("operator")).status_code == 200
        (offer,) = api.get("/technician/offers", tech).json()
        assert offer["order_id"] == order["id"]
    # the first server is gone; the deadline passes while nothing runs
    clock.advance(seconds=25)
    live = settings.model_copy(
        update={"background_tasks": True, "background_interval_seconds": 0.2}
    )
    with TestClient(create_app(live, clock=clock, engine=engine)) as client:
        api = Api(client)
        events = lambda: [  # noqa: E731
            e["type"] for e in api.get(f"/orders/{order['id']}/events", customer).json()
        ]
        assert _wait_for(lambda: "order.offer_timed_out" in events()), events()
        assert api.get("/technician/offers", tech).json() == []


def test_gini():
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 9]) == pytest.approx(2 / 3, abs=1e-4)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0


def test_simulation_runs_the_demo_district(engine, settings):  # noqa: ANN001
    config = SimConfig(
        hours=0.25, orders_per_hour=40, seed=3, start=SimConfig().start + timedelta(days=1)
    )
    report = simulate(engine=engine, settings=settings, config=config, echo=lambda _line: None)
    assert report.orders > 0 and report.offers > 0
    assert report.accepted + report.waiting_at_end + report.cancelled == report.orders
    assert report.offers >= report.offers_accepted + report.offers_declined + report.offers_expired
    assert report.offers_accepted <= report.accepted
    assert report.technicians_online > 0 and report.rounds > 0
    assert 0.0 <= report.jobs_per_technician["gini"] <= 1.0


def test_paying_defers_the_partition_round_and_operators_see_the_jobs(live_api):
    """The round is a job deferred by the payment itself (no polling loop), and the
    operators read the queue: what runs periodically, and each job's state."""
    api = live_api
    tech = ready_technician(api, "近师傅", home=north_km(1))
    customer = api.register("customer", "张女士")
    paid_order(api, customer)
    assert _wait_for(lambda: api.get("/technician/offers", tech).json() != [])
    operator = api.staff("operator")
    queue = api.get("/ops/jobs", operator).json()
    assert queue["runs_in"] == "web" and queue["durable"] is False
    periods = {s["task"]: s["every_seconds"] for s in queue["schedule"]}
    assert periods["dispatch.deadlines"] == 1 and periods["dispatch.sweep"] == 10
    rounds = [j for j in queue["jobs"] if j["task"] == "dispatch.round"]
    assert rounds and rounds[-1]["args"] == {"partition": "39:116"}
    assert rounds[-1]["lock"] == "dispatch:39:116"
    assert _wait_for(
        lambda: any(
            j["task"] == "dispatch.round" and j["status"] == "succeeded"
            for j in api.get("/ops/jobs?status=succeeded", operator).json()["jobs"]
        )
    )
    refused = api.get("/ops/jobs?status=lost", operator)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "status_unknown"
    assert api.get("/ops/jobs", customer).status_code == 403
    assert api.get("/ops/jobs", tech).status_code == 403
