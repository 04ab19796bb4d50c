"""The "saved, waiting to sync" and "no network" notices say what is true: they appear
when an action is kept for later and leave once the network is back and the queue has
been replayed (they used to stay on every screen, until tapped away)."""

from __future__ import annotations

from technician_app.offline import PENDING, SYNCED
from technician_app.state import TechnicianState
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.technician.conftest import FAR, DeviceClock, go_offline, go_online, onboard


async def test_the_waiting_notice_leaves_once_everything_is_synced(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    order = live_server.assign(
        customer, tech.user.id, address={**DEMO_ADDRESS, "lat": FAR[0], "lng": FAR[1]}
    )
    await tech.refresh()
    tech.set_location(*FAR)
    go_offline(tech)
    assert (await tech.depart(order["id"])).status == PENDING
    await tech.load_analytics("day")  # a page opened without signal says so
    assert [n.code for n in tech.session.notices[-2:]] == ["pending_sync", "offline"]
    tech.notify("其他提示")  # notices about other things stay
    go_online(tech, live_server)
    device.tick(5)
    assert (await tech.arrive(order["id"])).status == SYNCED  # replays the departure first
    assert tech.pending_actions == []
    assert all(n.code not in ("pending_sync", "offline") for n in tech.session.notices)
    assert "其他提示" in [n.text for n in tech.session.notices]
