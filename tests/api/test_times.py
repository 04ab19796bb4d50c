"""Times at the edge: a time without an offset is refused everywhere (a Beijing 10:00 read
as UTC would book 18:00), and out-of-range numbers are a 4xx, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

ADDRESS = {"lat": 39.93, "lng": 116.45, "text": "朝阳区"}


def _naive(api, hours: int = 26) -> str:  # noqa: ANN001
    return (api.app.state.clock.now() + timedelta(hours=hours)).replace(tzinfo=None).isoformat()


def _refused_as_naive(r) -> None:  # noqa: ANN001
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "time_without_offset"
    assert {e["type"] for e in error["details"]["errors"]} == {"timezone_aware"}


def test_a_booking_time_without_an_offset_is_refused(api) -> None:  # noqa: ANN001
    customer = api.register("customer")
    body = {"service_id": "svc_daily_cleaning", "address": ADDRESS, "scheduled_start": _naive(api)}
    _refused_as_naive(api.post("/quotes", customer, json=body))
    _refused_as_naive(api.post("/orders", customer, json=body))
    aware = api.app.state.clock.now() + timedelta(hours=26)
    ok = api.post("/quotes", customer, json={**body, "scheduled_start": aware.isoformat()})
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("role", "path", "param"),
    [
        ("customer", "/orders", "before"),
        ("technician", "/technician/earnings", "from"),
        ("admin", "/ops/audit", "from"),
        ("operator", "/ops/orders", "to"),
        ("operator", "/ops/dashboard/summary", "from"),
    ],
)
def test_filters_without_an_offset_are_refused(api, role: str, path: str, param: str) -> None:  # noqa: ANN001
    user = api.register(role) if role in ("customer", "technician") else api.staff(role)
    _refused_as_naive(api.get(path, user, params={param: _naive(api, hours=-1)}))


def test_a_point_or_a_step_time_without_an_offset_is_refused(api) -> None:  # noqa: ANN001
    tech = api.register("technician")
    point = {"lat": 39.93, "lng": 116.45, "occurred_at": _naive(api, hours=0)}
    _refused_as_naive(api.post("/technician/location", tech, json=point))
    _refused_as_naive(api.post("/technician/location", tech, json={"points": [point]}))


def test_sequence_numbers_beyond_range_are_a_4xx(api) -> None:  # noqa: ANN001
    customer = api.register("customer")
    order = api.order(customer)
    r = api.get(f"/orders/{order['id']}/events", customer, params={"after_seq": 2**63})
    assert r.status_code == 422, r.text
    for path in (f"/orders/{order['id']}/messages", "/support/messages"):
        r = api.get(path, customer, params={"after": 2**63})
        assert r.status_code == 422, (path, r.text)  # was a 500 from SQLite's 64-bit integers
