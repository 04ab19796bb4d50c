"""Spot checks through the API: a confirmed order drawn for a check, the inspector's flow,
a failed check's free redo and deposit deduction with the technician told, and who may
do what."""

from __future__ import annotations

from datetime import timedelta

from server.quality.models import QualityCheck
from tests.api.ops.helpers import complete, trial
from tests.unit_of_work import unit_of_work


def set_rules(api, operator, rules: dict) -> None:  # noqa: ANN001
    r = api.put("/ops/settings", operator, json={"rules": rules})
    assert r.status_code == 200, r.text


def passed(api, inspector: dict, check_id: str) -> dict:  # noqa: ANN001
    """The inspector records a pass (by phone): the check as it now stands."""
    r = api.post(
        f"/inspections/{check_id}/outcome",
        inspector,
        json={"result": "pass", "method": "call", "findings": "客户满意"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def sampled_order(api, *, rate_bp: int = 10_000):  # noqa: ANN001, ANN202
    """A completed order, sampled (every order is at 100 %), with an inspector on duty."""
    operator = api.staff("operator")
    inspector = api.staff("quality_inspector")
    set_rules(api, operator, {"quality": {"sampling_rate_bp": rate_bp}})
    customer = api.register("customer", "赵女士")
    tech = api.register("technician", "李师傅")
    order = complete(api, customer, tech)
    return operator, inspector, customer, tech, order


def test_a_confirmed_order_is_sampled_and_given_to_the_least_busy_inspector(api):
    operator, inspector, customer, tech, order = sampled_order(api)
    r = api.get("/inspections", inspector)
    assert r.status_code == 200, r.text
    [check] = r.json()
    assert check["order_id"] == order["id"] and check["status"] == "open"
    assert check["inspector_id"] == inspector["user"]["id"]
    assert check["technician_name"] == "李师傅" and check["service_name_zh"]
    # the one it is assigned to sees whom to call and where to go
    assert check["contact"]["customer_name"] == "赵女士"
    assert check["contact"]["customer_phone"] == customer["phone"]
    assert "三里屯" in check["contact"]["address"]
    notes = api.get("/me/notifications", inspector).json()
    assert [n["kind"] for n in notes] == ["quality.check_assigned"]
    # a second inspector gets the next check (fewer open ones), and never sees this one
    second = api.staff("quality_inspector")
    assert api.get("/inspections", second).json() == []
    r = api.get(f"/inspections/{check['id']}", second)
    assert r.status_code == 404 and r.json()["error"]["code"] == "check_not_found"
    other = complete(api, api.register("customer"), tech)
    [mine] = api.get("/inspections", second).json()
    assert mine["order_id"] == other["id"] and mine["inspector_id"] == second["user"]["id"]


def test_no_order_is_sampled_at_a_zero_rate(api):
    _operator, inspector, *_ = sampled_order(api, rate_bp=0)
    assert api.get("/inspections", inspector).json() == []


def test_a_passed_check_changes_nothing_but_itself(api):
    operator, inspector, _customer, tech, order = sampled_order(api)
    finance = api.staff("finance")
    [check] = api.get("/inspections", inspector).json()
    done = passed(api, inspector, check["id"])
    assert done["status"] == "passed" and done["method"] == "call"
    assert done["redo_order_id"] is None and done["deduction"] == 0
    assert done["contact"] is None  # recorded: the customer's details are no longer shown
    again = api.post(
        f"/inspections/{check['id']}/outcome", inspector, json={"result": "pass", "method": "call"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "check_recorded"
    assert api.get("/inspections", inspector).json() == []
    assert [c["id"] for c in api.get("/inspections?status=passed", inspector).json()] == [
        check["id"]
    ]
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["held"] == 0 and deposit["history"] == []
    assert "deposit:technician:" + tech["user"]["id"] not in trial(api, finance)


def test_a_failed_check_books_a_free_redo_takes_the_deposit_and_tells_the_technician(api, clock):
    operator, inspector, customer, tech, order = sampled_order(api)
    finance = api.staff("finance")
    [check] = api.get("/inspections", inspector).json()
    refused = api.post(
        f"/inspections/{check['id']}/outcome", inspector, json={"result": "fail", "method": "call"}
    )
    assert refused.status_code == 422  # a failure says what was found
    past = (clock.now() - timedelta(hours=1)).isoformat()
    r = api.post(
        f"/inspections/{check['id']}/outcome",
        inspector,
        json={
            "result": "fail",
            "method": "on_site",
            "findings": "未清洁冰箱内部",
            "redo_start": past,
        },
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "redo_start_invalid"
    r = api.post(
        f"/inspections/{check['id']}/outcome",
        inspector,
        json={"result": "fail", "method": "on_site", "findings": "未清洁冰箱内部"},
    )
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["status"] == "failed" and failed["deduction"] == 20_000
    # the free redo: same customer, service and address, nothing to pay, back to dispatch
    redo = api.get(f"/orders/{failed['redo_order_id']}", customer).json()
    assert redo["service_id"] == order["service_id"] and redo["total"] == 0
    assert redo["amount_due"] == 0 and redo["status"] == "PENDING_DISPATCH"
    assert redo["address"] == api.get(f"/orders/{order['id']}", customer).json()["address"]
    start = clock.now() + timedelta(hours=24)
    assert redo["scheduled_start"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    # the deduction: in the ledger, in his deposit's history with its reason
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["held"] == -20_000 and deposit["shortfall"] == 220_000
    assert deposit["required"] == 200_000 and not deposit["capped"]
    [line] = deposit["history"]
    assert line["kind"] == "deduction" and line["amount"] == -20_000
    assert line["check_id"] == check["id"] and line["findings"] == "未清洁冰箱内部"
    assert line["order_id"] == order["id"] and line["service_name_zh"]
    balances = trial(api, finance)
    assert balances["revenue:quality_deductions"] == -20_000
    # both are told
    notes = api.get("/me/notifications", tech).json()
    failed_note = next(n for n in notes if n["kind"] == "quality.check_failed")
    assert "未清洁冰箱内部" in failed_note["body"] and "¥200.00" in failed_note["body"]
    assert failed_note["data"]["redo_order_id"] == failed["redo_order_id"]
    kinds = [n["kind"] for n in api.get("/me/notifications", customer).json()]
    assert "quality.redo_booked" in kinds
    # operators see the check and the deposit
    [seen] = api.get("/ops/quality/checks?status=failed", operator).json()
    assert seen["id"] == check["id"] and seen["contact"] is None
    [summary] = api.get("/ops/quality/deposits", finance).json()
    assert summary["technician_id"] == tech["user"]["id"] and summary["held"] == -20_000
    r = api.get(f"/ops/quality/deposits/{tech['user']['id']}", operator)
    assert r.status_code == 200 and r.json()["history"][0]["check_id"] == check["id"]
    # the redo completing does not touch the original order's money (no complaint holds it)
    with unit_of_work(api.app) as uow:
        stored = uow.session.get(QualityCheck, check["id"])
        assert stored is not None and stored.findings_enc != "未清洁冰箱内部"  # encrypted


def test_a_technician_tops_up_through_the_payment_provider(api):
    *_, tech, _order = sampled_order(api)
    finance = api.staff("finance")
    r = api.post("/technician/deposit/top-ups", tech, json={"amount": 300_000})
    assert r.status_code == 422 and r.json()["error"]["code"] == "top_up_too_large"
    r = api.post("/technician/deposit/top-ups", tech, json={})
    assert r.status_code == 201, r.text
    assert r.json()["purpose"] == "deposit" and r.json()["amount"] == 200_000
    r = api.post(f"/sandbox/payments/{r.json()['payment_id']}/approve", tech)
    assert r.status_code == 200 and r.json()["webhook_outcomes"] == ["deposit_paid"]
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["held"] == 200_000 and deposit["shortfall"] == 0
    assert deposit["history"][0]["kind"] == "top_up" and deposit["history"][0]["amount"] == 200_000
    r = api.post("/technician/deposit/top-ups", tech, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_complete"
    balances = trial(api, finance)
    assert balances["deposit:technician:" + tech["user"]["id"]] == -200_000


def test_who_may_do_what(api):
    operator, inspector, customer, tech, order = sampled_order(api)
    [check] = api.get("/inspections", inspector).json()
    body = {"result": "fail", "method": "call", "findings": "x"}
    for user in (tech, customer, operator):
        r = api.post(f"/inspections/{check['id']}/outcome", user, json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    # a technician sees his own deposit only: there is no way to name another's
    other = api.register("technician", "王师傅")
    assert api.get("/technician/deposit", other).json()["technician_id"] == other["user"]["id"]
    for path in ("/ops/quality/deposits", f"/ops/quality/deposits/{tech['user']['id']}"):
        assert api.get(path, other).status_code == 403
    # an inspector sees no orders and no deposits
    assert api.get(f"/orders/{order['id']}", inspector).status_code == 404
    assert api.get("/ops/quality/deposits", inspector).status_code == 403
    # the inspector's work is in the audit log
    admin = api.staff("admin")
    api.post(f"/inspections/{check['id']}/outcome", inspector, json=body)
    actions = {e["action"] for e in api.get("/ops/audit", admin, params={"limit": 500}).json()}
    assert {"quality.check_read", "quality.check_record"} <= actions


def test_an_unassigned_check_is_claimed_once(api):
    operator = api.staff("operator")
    set_rules(api, operator, {"quality": {"sampling_rate_bp": 10_000}})
    tech = api.register("technician", "李师傅")
    complete(api, api.register("customer"), tech)  # no inspector yet: nobody holds it
    first, second = api.staff("quality_inspector"), api.staff("quality_inspector")
    [check] = api.get("/inspections", first).json()
    assert check["inspector_id"] is None and check["contact"] is None
    r = api.post(f"/inspections/{check['id']}/claim", first)
    assert r.status_code == 200 and r.json()["contact"] is not None
    r = api.post(f"/inspections/{check['id']}/claim", second)
    assert r.status_code == 404  # no longer unassigned: another's looks missing
    assert api.get("/inspections", second).json() == []
