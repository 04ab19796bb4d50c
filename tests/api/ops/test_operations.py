"""Operator flows: settings changes audited with old/new, monitoring and anomalies, SOS,
risk rules, login lockout, certificate expiry, dashboards and the report."""

from __future__ import annotations

from datetime import date, timedelta

from server.technicians import expiry
from server.technicians.models import Certificate
from tests.api.ops.helpers import assign, audit_actions, complete, onboard, pay, relogin
from tests.unit_of_work import unit_of_work


def test_settings_change_is_audited_with_old_and_new(api):
    operator, support, admin = api.staff("operator"), api.staff("support"), api.staff("admin")
    before = api.get("/ops/settings", operator).json()
    old_weight = before["rules"]["reviews"]["weight_skill"]
    r = api.put(
        "/ops/settings",
        operator,
        json={
            "rules": {
                "reviews": {"weight_skill": old_weight + 5},
                "ops": {"monitor": {"no_accept_minutes": 20}},
            },
            "expected_version": before["version"],
            "note": "更看重技能",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["reviews"]["weight_skill"] == old_weight + 5
    assert api.put("/ops/settings", support, json={"rules": {}}).status_code == 403
    bad = api.put(
        "/ops/settings", operator, json={"rules": {"ops": {"risk": {"login_max_failures": 0}}}}
    )
    assert bad.status_code == 422

    history = api.get("/ops/settings/history", support).json()
    assert (
        history[0]["version"] == r.json()["version"]
        and history[0]["changed_by"] == operator["user"]["id"]
    )
    changes = {c["path"]: (c["old"], c["new"]) for c in history[0]["changes"]}
    assert changes == {
        "reviews.weight_skill": (old_weight, old_weight + 5),
        "ops.monitor.no_accept_minutes": (15, 20),
    }
    entry = audit_actions(api, admin, action="settings.update")[0]
    assert entry["actor_id"] == operator["user"]["id"] and entry["ip"]
    assert {c["path"] for c in entry["details"]["changes"]} == set(changes)
    assert api.get("/ops/audit/verify", admin).json()["ok"] is True


def test_settings_refuse_unknown_keys_and_non_finite_numbers(api):
    operator = api.staff("operator")
    before = api.get("/ops/settings", operator).json()["version"]
    typo = api.put(
        "/ops/settings", operator, json={"rules": {"dispatch": {"offer_timeout_secs": 30}}}
    )
    assert typo.status_code == 422 and typo.json()["error"]["code"] == "rules_invalid"
    assert ["dispatch", "offer_timeout_secs"] in [
        e["loc"] for e in typo.json()["error"]["details"]["errors"]
    ]
    infinite = api.put(  # Python's json module parses the bare token Infinity
        "/ops/settings",
        operator,
        content='{"rules": {"dispatch": {"weights": {"proximity": Infinity}}}}',
        headers={"content-type": "application/json"},
    )
    assert infinite.status_code == 422 and infinite.json()["error"]["code"] == "rules_invalid"
    long_note = api.put("/ops/settings", operator, json={"rules": {}, "note": "x" * 501})
    assert long_note.status_code == 422
    assert api.get("/ops/settings", operator).json()["version"] == before  # nothing stored


def test_staff_writes_outside_ops_are_audited_customer_writes_are_not(api):
    customer, support, admin = api.register("customer"), api.staff("support"), api.staff("admin")
    mine, theirs = api.order(customer), api.order(customer)
    r = api.post(f"/orders/{mine['id']}/cancel", customer, json={"reason": "改期"})
    assert r.status_code == 200, r.text
    r = api.post(f"/orders/{theirs['id']}/cancel", support, json={"reason": "客户来电要求取消"})
    assert r.status_code == 200, r.text
    entries = audit_actions(api, admin, action="http.post /orders/{order_id}/cancel")
    assert [(e["actor_id"], e["target_id"]) for e in entries] == [
        (support["user"]["id"], theirs["id"])
    ]
    assert entries[0]["ip"]


def test_orders_monitor_filters_and_anomalies_and_sos(api, clock):
    customer, tech = api.register("customer", "赵先生"), api.register("technician", "钱师傅")
    operator, admin = api.staff("operator"), api.staff("admin")
    waiting = api.order(customer)
    pay(api, customer, waiting["id"])
    accepted = api.order(customer, hours_ahead=1)
    pay(api, customer, accepted["id"])
    assign(api, accepted["id"], tech)

    r = api.get("/ops/orders", operator, params={"status": "PENDING_DISPATCH"})
    assert [o["id"] for o in r.json()] == [waiting["id"]] and r.json()[0]["anomalies"] == []
    r = api.get("/ops/orders", operator, params={"technician_id": tech["user"]["id"]})
    assert [o["id"] for o in r.json()] == [accepted["id"]]
    assert api.get("/ops/orders", operator, params={"customer_id": customer["user"]["id"]}).json()[
        0
    ]["id"]
    assert api.get("/ops/orders", operator, params={"district": "nowhere"}).json() == []
    assert api.get("/ops/orders", operator, params={"anomaly": "bogus"}).status_code == 422
    assert "address" not in api.get("/ops/orders", operator).json()[0]

    # 31 minutes later: nobody accepted the first; the second should have left (start in 1 h,
    # planned departure 45 min before, +15 min grace = 30 min from now)
    clock.advance(minutes=29)
    operator = relogin(api, operator, "staff password")
    assert api.get("/ops/orders", operator, params={"anomaly": "not_departed"}).json() == []
    clock.advance(minutes=2)
    operator, customer, tech = (
        relogin(api, operator, "staff password"),
        relogin(api, customer),
        relogin(api, tech),
    )
    r = api.get("/ops/orders", operator, params={"anomaly": "no_accept"})
    assert [o["id"] for o in r.json()] == [waiting["id"]]
    r = api.get("/ops/orders", operator, params={"anomaly": "not_departed"})
    assert [o["id"] for o in r.json()] == [accepted["id"]]

    sos = api.post(
        "/sos",
        tech,
        json={"lat": 39.93, "lng": 116.45, "order_id": accepted["id"], "note": "被狗咬"},
    )
    assert sos.status_code == 201, sos.text
    other = api.register("customer")
    assert (
        api.post(
            "/sos", other, json={"lat": 39.9, "lng": 116.4, "order_id": accepted["id"]}
        ).status_code
        == 404
    )
    assert api.post("/sos", operator, json={"lat": 39.9, "lng": 116.4}).status_code == 422
    board = api.get("/ops/anomalies", operator).json()
    assert board["counts"]["sos"] == 1 and board["counts"]["no_accept"] == 1
    assert [a["id"] for a in board["alerts"]] == [sos.json()["id"]]
    r = api.post(
        f"/ops/alerts/{sos.json()['id']}/handle",
        operator,
        json={"status": "closed", "note": "已联系"},
    )
    assert r.status_code == 200 and r.json()["handled_by"] == operator["user"]["id"]
    assert "sos" not in api.get("/ops/anomalies", operator).json()["counts"]
    actions = {e["action"] for e in audit_actions(api, relogin(api, admin, "staff password"))}
    assert {"orders.search", "sos.raise", "sos.handle"} <= actions


def test_cancel_burst_raises_a_risk_flag(api):
    customer = api.register("customer")
    operator = api.staff("operator")
    for _ in range(3):
        order = api.order(customer, hours_ahead=48)
        r = api.post(f"/orders/{order['id']}/cancel", customer, json={"reason": "changed my mind"})
        assert r.status_code == 200, r.text
    flags = api.get("/ops/risk/flags", operator).json()
    assert [(f["kind"], f["subject_id"]) for f in flags] == [
        ("cancel_burst", customer["user"]["id"])
    ]
    assert flags[0]["details"]["cancels"] == 3
    r = api.post(f"/ops/risk/flags/{flags[0]['id']}/review", operator, json={"note": "正常用户"})
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    assert api.get("/ops/risk/flags", operator).json() == []


def test_login_lockout_after_failures_is_audited(api, clock):
    """Failures lock out the client that made them (the owner elsewhere still signs in),
    each lockout in a row twice as long as the one before."""
    from fastapi.testclient import TestClient

    from server.risk.service import throttle_key

    user = api.register("customer")
    admin = api.staff("admin")
    attacker = api.client  # the test client's own address
    key = throttle_key(api.app.state.cipher.blind_index(user["phone"]), "testclient")

    def fail_five_times() -> None:
        api.app.state.rate_limiter.reset(
            f"login:client:{key}"
        )  # the limiter's window: not the point
        for _ in range(5):
            r = attacker.post(
                "/api/v1/auth/login", json={"phone": user["phone"], "password": "wrong password"}
            )
            assert r.status_code == 401, r.text

    def sign_in(client) -> int:  # noqa: ANN001
        api.app.state.rate_limiter.reset(f"login:client:{key}")
        return client.post(
            "/api/v1/auth/login", json={"phone": user["phone"], "password": "correct horse"}
        )

    fail_five_times()
    r = sign_in(attacker)
    assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"
    assert 14 * 60 < r.json()["error"]["details"]["retry_after_seconds"] <= 15 * 60 + 1
    with TestClient(api.app, client=("203.0.113.7", 50000)) as owner:
        assert sign_in(owner).status_code == 200  # the owner, elsewhere, is not locked out
    entries = audit_actions(api, admin, action="auth.lockout")
    assert [e["target_id"] for e in entries] == [user["user"]["id"]]
    clock.advance(minutes=16)
    fail_five_times()  # again at once: locked twice as long
    r = sign_in(attacker)
    assert 29 * 60 < r.json()["error"]["details"]["retry_after_seconds"] <= 30 * 60 + 1
    clock.advance(minutes=31)
    assert sign_in(attacker).status_code == 200  # and a success starts the count afresh
    fail_five_times()
    assert sign_in(attacker).json()["error"]["details"]["retry_after_seconds"] <= 15 * 60 + 1


def test_certificate_expiry_sweep_notifies_and_audits(api, clock, settings):
    tech = api.register("technician", "孙师傅")
    admin = api.staff("admin")
    with unit_of_work(api.app) as uow:
        for cid, expires in (("crt_old", date(2026, 5, 31)), ("crt_new", date(2027, 1, 1))):
            uow.session.add(
                Certificate(
                    id=cid,
                    technician_id=tech["user"]["id"],
                    type="health",
                    file_id="fil_x",
                    expires_on=expires,
                    status="verified",
                    created_at=clock.now(),
                )
            )
    with unit_of_work(api.app) as uow:
        assert expiry.expire_certificates(uow, timezone=settings.timezone) == ["crt_old"]
    with unit_of_work(api.app) as uow:
        assert expiry.expire_certificates(uow, timezone=settings.timezone) == []
        assert uow.session.get(Certificate, "crt_old").status == "expired"
        assert uow.session.get(Certificate, "crt_new").status == "verified"
    notes = api.get("/me/notifications", tech).json()
    assert [n["kind"] for n in notes] == ["certificate.expired"]
    r = api.post(f"/me/notifications/{notes[0]['id']}/read", tech)
    assert r.status_code == 200 and r.json()["read_at"]
    assert api.get("/me/notifications", tech, params={"unread": True}).json() == []
    assert [e["target_id"] for e in audit_actions(api, admin, action="certificate.expire")] == [
        "crt_old"
    ]


def test_dashboards_and_report(api, clock, tmp_path):
    customer, tech = api.register("customer"), api.register("technician", "周师傅")
    finance, support = api.staff("finance"), api.staff("support")
    done = complete(api, customer, tech)
    r = api.post(
        f"/orders/{done['id']}/reviews",
        customer,
        json={"response": 5, "skill": 4, "attitude": 5, "care": 5, "text": "很好"},
    )
    assert r.status_code == 201, r.text
    since = (clock.now() - timedelta(days=1)).isoformat()
    until = (clock.now() + timedelta(hours=1)).isoformat()
    params = {"from": since, "to": until}
    summary = api.get("/ops/dashboard/summary", finance, params=params)
    assert summary.status_code == 200, summary.text
    data = summary.json()
    assert data["gmv"]["gmv"] == done["total"] + done["extras_total"] and data["gmv"]["orders"] == 1
    assert data["orders_per_hour"]["total"] == 1 and len(data["orders_per_hour"]["hours"]) == 25
    assert data["acceptance"]["orders"] == 1 and data["acceptance"]["p50_seconds"] is not None
    assert data["on_time"]["arrivals"] == 1
    assert data["complaints"]["complaint_rate"] == 0
    assert data["technicians"]["top"][0]["technician_id"] == tech["user"]["id"]
    for name in ("orders-per-hour", "gmv", "acceptance", "on-time", "complaints", "technicians"):
        assert api.get(f"/ops/dashboard/{name}", finance, params=params).status_code == 200
    assert api.get("/ops/dashboard/gmv", support).status_code == 403
    assert (
        api.get("/ops/dashboard/gmv", finance, params={"from": until, "to": since}).status_code
        == 422
    )

    from server.ops.report import render

    path = render(data, tmp_path / "report")
    assert path.read_text(encoding="utf-8").count("<img") == 3
    assert (tmp_path / "report" / "orders_per_hour.png").read_bytes()[:4] == b"\x89PNG"


def test_verification_is_audited_and_the_net_catches_the_rest(api):
    """Verification, suspension and reinstatement are audited by the technicians domain;
    a staff write without its own entry (here: a payout run) is caught by the middleware."""
    tech = onboard(api, "何师傅")
    operator, admin, finance = api.staff("operator"), api.staff("admin"), api.staff("finance")
    tid = tech["user"]["id"]
    r = api.post(
        f"/ops/technicians/{tid}/verify", operator, json={"decision": "approve", "note": "ok"}
    )
    assert r.status_code == 200, r.text
    assert (
        api.post(
            f"/ops/technicians/{tid}/suspend", operator, json={"reason": "投诉核实中"}
        ).status_code
        == 200
    )
    assert (
        api.post(
            f"/ops/technicians/{tid}/reinstate", operator, json={"reason": "核实无误"}
        ).status_code
        == 200
    )
    entries = audit_actions(api, admin, target_id=tid)
    actions = [e["action"] for e in reversed(entries)]
    for verb in ("verify", "suspend", "reinstate"):
        assert any(verb in a for a in actions), actions
    assert all(e["actor_id"] == operator["user"]["id"] for e in entries)
    assert all(e["ip"] for e in entries)  # the request's address, though the service passed none
    # a refused write leaves no entry
    api.post(f"/ops/technicians/{tid}/suspend", api.staff("support"), json={"reason": "x"})
    assert len(audit_actions(api, admin, target_id=tid)) == len(entries)

    r = api.post("/ops/payouts/run", finance)
    assert r.status_code == 201, r.text
    net = audit_actions(api, admin, action="http.post /ops/payouts/run")
    assert len(net) == 1 and net[0]["actor_id"] == finance["user"]["id"] and net[0]["ip"]
    # a settings change is recorded once, precisely, not again by the net
    api.put(
        "/ops/settings", operator, json={"rules": {"ops": {"monitor": {"overrun_minutes": 40}}}}
    )
    assert audit_actions(api, admin, action="http.put") == []
    assert len(audit_actions(api, admin, action="settings.update")) == 1
    assert api.get("/ops/audit/verify", admin).json()["ok"] is True


def test_staff_reads_of_personal_data_are_audited(api):
    customer, support, admin = api.register("customer"), api.staff("support"), api.staff("admin")
    order = api.order(customer)
    assert api.get(f"/orders/{order['id']}", support).json()[
        "address"
    ]  # staff see the exact address
    assert api.get(f"/orders/{order['id']}", customer).status_code == 200  # the owner: not audited
    entries = audit_actions(api, admin, target_id=order["id"])
    assert [(e["action"], e["actor_id"]) for e in entries] == [
        ("http.get /orders/{order_id}", support["user"]["id"])
    ]
