"""The deposit rule through the API: a complaint rate over the limit raises the required
deposit and caps the technician's daily orders in dispatch; a top-up to it lifts the cap,
and so does the rate falling back (a complaint rejected)."""

from __future__ import annotations

from server.dispatch import world as dispatch_world
from tests.api.ops.helpers import complete
from tests.api.test_dispatch import ADDRESS, ready_technician
from tests.unit_of_work import unit_of_work


def daily_cap(api, technician_id: str) -> int | None:  # noqa: ANN001
    """What dispatch reads of him: his daily cap (None: not capped)."""
    with unit_of_work(api.app) as uow:
        world = dispatch_world.load_world(
            uow,
            now=uow.clock.now(),
            timezone=api.app.state.settings.timezone,
            ids=[technician_id],
            presence=False,
        )
        return world.techs[technician_id].daily_cap


def test_a_complaint_rate_over_the_limit_raises_the_deposit_and_caps_his_orders(api):
    operator, support, finance = api.staff("operator"), api.staff("support"), api.staff("finance")
    r = api.put(
        "/ops/settings",
        operator,
        json={
            "rules": {
                "quality": {"deposit": {"min_orders": 2}},
                "ops": {"risk": {"restricted_daily_order_cap": 3}},
            }
        },
    )
    assert r.status_code == 200, r.text
    tech = ready_technician(api, "李师傅", home=ADDRESS, operator=operator)
    tid = tech["user"]["id"]
    customer = api.register("customer", "赵女士")
    first = complete(api, customer, tech)
    assert api.get("/technician/deposit", tech).json()["rate_bp"] is None  # one order: no rate
    complete(api, customer, tech)
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["orders"] == 2 and deposit["rate_bp"] == 0 and not deposit["raised"]
    assert daily_cap(api, tid) is None

    # a complaint: 1 of 2 finished orders (50 % > 5 %)
    r = api.post(
        f"/orders/{first['id']}/complaints",
        customer,
        json={"category": "quality", "text": "厨房没有清洁"},
    )
    assert r.status_code == 201, r.text
    complaint_id = r.json()["id"]
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["raised"] and deposit["rate_bp"] == 5000 and deposit["complaints"] == 1
    assert deposit["required"] == 500_000 and deposit["shortfall"] == 500_000
    assert deposit["capped"] and deposit["daily_cap"] == 3
    assert daily_cap(api, tid) == 3
    note = api.get("/me/notifications", tech).json()[0]
    assert note["kind"] == "quality.deposit_raised" and "¥5000.00" in note["body"]
    [row] = api.get("/ops/quality/deposits?raised=true", finance).json()
    assert row["technician_id"] == tid and row["capped"]

    # a large top-up needs its second confirmation, as any large payment
    r = api.post("/technician/deposit/top-ups", tech, json={})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "large_order_confirmation_required"
    r = api.post("/technician/deposit/top-ups", tech, json={"confirm_large": True})
    assert r.status_code == 201 and r.json()["amount"] == 500_000
    assert daily_cap(api, tid) == 3  # nothing held until the provider says it is paid
    r = api.post(f"/sandbox/payments/{r.json()['payment_id']}/approve", tech)
    assert r.status_code == 200, r.text
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["held"] == 500_000 and not deposit["capped"] and deposit["daily_cap"] is None
    assert daily_cap(api, tid) is None

    # the complaint rejected: the rate falls back, the base deposit applies again
    r = api.post(
        f"/ops/complaints/{complaint_id}/resolve",
        support,
        json={"outcome": "reject", "note": "照片显示已清洁"},
    )
    assert r.status_code == 200, r.text
    deposit = api.get("/technician/deposit", tech).json()
    assert not deposit["raised"] and deposit["required"] == 200_000 and deposit["rate_bp"] == 0
    kinds = [n["kind"] for n in api.get("/me/notifications", tech).json()]
    assert "quality.deposit_lowered" in kinds


def test_the_hourly_job_lets_old_complaints_leave_the_window(api, clock):
    operator = api.staff("operator")
    r = api.put(
        "/ops/settings", operator, json={"rules": {"quality": {"deposit": {"min_orders": 1}}}}
    )
    assert r.status_code == 200, r.text
    tech = ready_technician(api, "李师傅", home=ADDRESS, operator=operator)
    customer = api.register("customer", "赵女士")
    order = complete(api, customer, tech)
    r = api.post(
        f"/orders/{order['id']}/complaints", customer, json={"category": "late", "text": "迟到"}
    )
    assert r.status_code == 201, r.text
    assert api.get("/technician/deposit", tech).json()["raised"]
    clock.advance(days=31)
    operator = api.login(operator, password="staff password")
    r = api.post("/ops/quality/deposits/reassess", operator)
    assert r.status_code == 200, r.text
    assert r.json()["lowered"] == [tech["user"]["id"]]
    tech = api.login(tech)
    assert not api.get("/technician/deposit", tech).json()["raised"]
