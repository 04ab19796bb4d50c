"""An SOS is pushed at once to every responder (live feed and inbox, with the position)
and escalated to the admins when nobody takes it up."""

from __future__ import annotations

import pytest

from server.ops import sos
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_sos_reaches_every_responder_at_once_and_escalates(api, feed, app) -> None:  # noqa: ANN001
    operator, support, admin = api.staff("operator"), api.staff("support"), api.staff("admin")
    finance, customer = api.staff("finance"), api.register("customer")
    with feed(operator) as fo, feed(finance) as ff, feed(customer) as fc:
        r = api.post("/sos", customer, json={"lat": 39.93, "lng": 116.45, "note": "有人闯入"})
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        pushed = [m for m in fo.drain() if m["type"] == "sos"]
        assert [(m["alert_id"], m["lat"], m["lng"], m["escalated"]) for m in pushed] == [
            (alert_id, 39.93, 116.45, False)
        ]
        assert [m for m in ff.drain() if m["type"] == "sos"] == []  # finance handles money
        assert [m for m in fc.drain() if m["type"] == "sos"] == []
    for responder in (operator, support, admin):
        inbox = api.get("/me/notifications", responder).json()
        assert [n["data"]["alert_id"] for n in inbox if n["kind"] == "sos"] == [alert_id]
    assert api.get("/me/notifications", finance).json() == []

    minutes = 3  # ops.monitor.sos_escalate_minutes
    app.state.clock.advance(minutes=minutes - 1)
    with unit_of_work(app) as uow:
        assert sos.escalate_unanswered(uow) == []
    app.state.clock.advance(minutes=2)
    with unit_of_work(app) as uow:
        assert sos.escalate_unanswered(uow) == [alert_id]
        assert sos.escalate_unanswered(uow) == []  # once
    titles = [n["title"] for n in api.get("/me/notifications", admin).json() if n["kind"] == "sos"]
    assert any("超时未处理" in t for t in titles)
