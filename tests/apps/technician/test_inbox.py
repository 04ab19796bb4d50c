"""The technician's inbox in the app's state: loaded once signed in, a pushed notice joins
it at once, a tap marks it read."""

from __future__ import annotations

from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import onboard


async def test_the_inbox_lists_pushed_notices_and_marks_them_read(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    await tech.load_inbox()
    assert tech.live.inbox_loaded and tech.live.inbox_unread == len(
        [n for n in tech.live.inbox if n.read_at is None]
    )
    before = len(tech.live.inbox)
    pushed = {
        "type": "notification",
        "notification": {
            "id": "ntf_pushed",
            "kind": "technician.not_departed",
            "title": "请立即出发 / Please set off now",
            "body": "日常保洁 · 06-10 10:00",
            "data": {"order_id": "ord_x"},
            "created_at": "2026-06-10T02:15:00+00:00",
            "read_at": None,
        },
    }
    await tech._on_feed_message(pushed)  # what the live feed hands over
    await tech._on_feed_message(pushed)  # a resumed feed: listed once
    assert [n.id for n in tech.live.inbox][:1] == ["ntf_pushed"] and len(
        tech.live.inbox
    ) == before + 1
    unread = tech.live.inbox_unread
    assert unread >= 1
    await tech.read_all_notices()
    assert tech.live.inbox_unread == 0  # reloaded from the server: the pushed sample is not there
