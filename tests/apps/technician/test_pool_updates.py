"""The open pool in the technician app's state: a pushed pool change reloads it, and of
loads that overlap only the newest reply is shown."""

from __future__ import annotations

import asyncio

from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import onboard


def _pool_mode(live: LiveServer) -> None:
    operator = live.staff("operator")
    r = live.call("PUT", "/ops/settings", operator, json={"rules": {"dispatch": {"mode": "pool"}}})
    assert r.status_code == 200, r.text


async def test_a_pushed_pool_change_reloads_the_pool(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    _pool_mode(live_server)
    await tech.load_pool()
    assert tech.work.pool == []
    order = live_server.paid_order(live_server.register("customer", name="李女士"))
    pushed = {"type": "pool", "change": "added", "order_id": order["id"]}
    await tech._on_feed_message(pushed)  # what the live feed hands over
    assert [p.order_id for p in tech.work.pool] == [order["id"]]
    live_server.move(order["id"], "cancel", reason="计划有变")
    await tech._on_feed_message({**pushed, "change": "removed"})
    assert tech.work.pool == []


async def test_an_older_pool_reply_arriving_last_is_dropped(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    """The screen opening and a pushed change load the pool at once: the first reply (from
    before the order was paid) must not blank the screen if it comes back last."""
    await onboard(tech, live_server)
    assert await tech.set_working(True)
    _pool_mode(live_server)
    real = tech.client.pool
    first_back, second_done = asyncio.Event(), asyncio.Event()
    calls = 0

    async def pool():  # noqa: ANN202
        nonlocal calls
        calls += 1
        if calls == 1:
            reply = await real()  # read before the order was paid ...
            first_back.set()
            await second_done.wait()  # ... and delivered after the newer load
            return reply
        return await real()

    tech.client.pool = pool  # type: ignore[method-assign]
    older = asyncio.create_task(tech.load_pool())
    await first_back.wait()
    order = live_server.paid_order(live_server.register("customer", name="李女士"))
    await tech.load_pool()
    assert [p.order_id for p in tech.work.pool] == [order["id"]]
    second_done.set()
    await older
    assert [p.order_id for p in tech.work.pool] == [order["id"]]
