"""Complaint → frozen money → DISPUTED → support investigates → refund → COMPLETED,
with the ledger balanced."""

from __future__ import annotations

from datetime import timedelta

from server.orders import service as orders_service
from server.technicians import service as technicians_service
from tests.api.ops.helpers import (
    assign,
    audit_actions,
    complete,
    photo,
    relogin,
    trial,
    walk_to_finished,
)
from tests.unit_of_work import unit_of_work


def test_complaint_to_full_refund_with_ledger_balanced(api):
    customer = api.register("customer", "张女士")
    tech = api.register("technician", "李师傅")
    support, finance, admin = api.staff("support"), api.staff("finance"), api.staff("admin")
    operator = api.staff("operator")
    r = api.put(
        "/ops/settings",
        operator,
        json={"rules": {"ops": {"risk": {"complaint_rate_min_orders": 1}}}},
    )
    assert r.status_code == 200, r.text
    order = walk_to_finished(api, customer, tech)
    oid, paid = order["id"], order["total"]

    evidence = photo(api, customer, oid)
    r = api.post(
        f"/orders/{oid}/complaints",
        customer,
        json={"category": "quality", "text": "厨房没有清洁", "photo_file_ids": [evidence]},
    )
    assert r.status_code == 201, r.text
    complaint = r.json()
    assert complaint["status"] == "open" and complaint["escrow_frozen"] is True
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "DISPUTED"
    again = api.post(
        f"/orders/{oid}/complaints", customer, json={"category": "late", "text": "again"}
    )
    assert again.status_code == 409

    # the technician sees it and answers
    mine = api.get("/technician/complaints", tech).json()
    assert [c["id"] for c in mine] == [complaint["id"]]
    r = api.post(
        f"/technician/complaints/{complaint['id']}/answer", tech, json={"text": "厨房已按工单清洁"}
    )
    assert r.status_code == 200 and r.json()["technician_answer"]
    assert any(n["kind"] == "complaint.opened" for n in api.get("/me/notifications", tech).json())

    # support investigates: timeline, photos, escrow frozen
    detail = api.get(f"/ops/complaints/{complaint['id']}", support)
    assert detail.status_code == 200, detail.text
    detail = detail.json()
    assert detail["photo_file_ids"] == [evidence]
    assert "order.disputed" in [e["type"] for e in detail["timeline"]]
    assert detail["escrow"]["frozen"] is True and detail["escrow"]["held"] == paid
    assert detail["location_trail"] == []

    r = api.post(
        f"/ops/complaints/{complaint['id']}/resolve",
        support,
        json={"outcome": "refund_full", "note": "照片证实未清洁"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "refund_full" and r.json()["amount"] == paid
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "COMPLETED"
    r = api.post(
        f"/ops/complaints/{complaint['id']}/resolve",
        support,
        json={"outcome": "reject", "note": "x"},
    )
    assert r.status_code == 409

    balances = trial(api, finance)
    assert balances["cash:provider:sandbox"] == 0  # all of it went back
    # one upheld complaint on one order: 100% > 5% → in the profile (dispatch reads it) and flagged
    with unit_of_work(api.app) as uow:
        profile = technicians_service.get_profile(uow, user_id=tech["user"]["id"])
        assert profile.complaint_rate == 1.0
    flags = api.get("/ops/risk/flags", operator, params={"kind": "complaint_rate"}).json()
    assert [f["subject_id"] for f in flags] == [tech["user"]["id"]]
    for user in (customer, tech):
        kinds = [n["kind"] for n in api.get("/me/notifications", user).json()]
        assert "complaint.resolved" in kinds
    entries = audit_actions(api, admin, target_id=complaint["id"])
    assert {e["action"] for e in entries} >= {"complaint.read", "complaint.resolve"}
    resolve = next(e for e in entries if e["action"] == "complaint.resolve")
    assert (
        resolve["actor_id"] == support["user"]["id"]
        and resolve["ip"]
        and resolve["details"]["amount"] == paid
    )


def test_partial_refund_after_completion_and_window(api, clock):
    customer = api.register("customer")
    tech = api.register("technician")
    support, finance = api.staff("support"), api.staff("finance")
    order = complete(api, customer, tech)
    oid, paid = order["id"], order["total"]
    before = trial(api, finance)
    assert before[f"payable:technician:{tech['user']['id']}"] != 0  # owed to the technician
    r = api.post(
        f"/orders/{oid}/complaints", customer, json={"category": "damage", "text": "花瓶碎了"}
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    bad = api.post(
        f"/ops/complaints/{cid}/resolve", support, json={"outcome": "refund_partial", "note": "x"}
    )
    assert bad.status_code == 422
    bad = api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "refund_partial", "amount": paid, "note": "x"},
    )
    assert bad.status_code == 422
    r = api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "refund_partial", "amount": 3000, "note": "赔偿部分"},
    )
    assert r.status_code == 200, r.text
    after = trial(api, finance)
    assert after["cash:provider:sandbox"] == before["cash:provider:sandbox"] - 3000
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "COMPLETED"

    # a second order: the after-sale window closes
    order2 = complete(api, customer, tech)
    clock.advance(days=8)
    customer = relogin(api, customer)
    r = api.post(
        f"/orders/{order2['id']}/complaints", customer, json={"category": "quality", "text": "late"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "after_sale_window_closed"


def test_reject_releases_money_to_technician(api):
    customer = api.register("customer")
    tech = api.register("technician")
    support, finance = api.staff("support"), api.staff("finance")
    order = walk_to_finished(api, customer, tech)
    cid = api.post(
        f"/orders/{order['id']}/complaints", customer, json={"category": "other", "text": "?"}
    ).json()["id"]
    r = api.post(
        f"/ops/complaints/{cid}/resolve", support, json={"outcome": "reject", "note": "无证据"}
    )
    assert r.status_code == 200, r.text
    balances = trial(api, finance)
    assert balances[f"payable:technician:{tech['user']['id']}"] != 0
    assert balances["cash:provider:sandbox"] == order["total"]


def test_complaint_refusals(api):
    customer, other = api.register("customer"), api.register("customer")
    tech = api.register("technician")
    order = walk_to_finished(api, customer, tech)
    oid = order["id"]
    r = api.post(f"/orders/{oid}/complaints", other, json={"category": "quality", "text": "x"})
    assert r.status_code == 404
    r = api.post(f"/orders/{oid}/complaints", tech, json={"category": "quality", "text": "x"})
    assert r.status_code == 403
    r = api.post(f"/orders/{oid}/complaints", customer, json={"category": "nonsense", "text": "x"})
    assert r.status_code == 422
    foreign = photo(api, other)
    r = api.post(
        f"/orders/{oid}/complaints",
        customer,
        json={"category": "quality", "text": "x", "photo_file_ids": [foreign]},
    )
    assert r.status_code == 422
    fresh = api.order(customer)
    r = api.post(
        f"/orders/{fresh['id']}/complaints", customer, json={"category": "quality", "text": "x"}
    )
    assert r.status_code == 409
    r = api.post("/technician/complaints/cmp_nope/answer", tech, json={"text": "x"})
    assert r.status_code == 404


def _walk_assigned(api, customer, tech, oid):  # noqa: ANN001, ANN202
    """An order the system assigned to ``tech``: travel, serve, SOP, finish, confirm."""
    assert api.post(f"/orders/{oid}/depart", tech, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
    assert r.status_code == 200, r.text
    assert api.post(f"/orders/{oid}/work-order/confirm", customer, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/start", tech, json={})
    assert r.status_code == 200, r.text
    for step in r.json()["sop"]:
        body = {"photo_file_id": photo(api, tech, oid)} if step["photo"] else {}
        assert api.post(f"/orders/{oid}/sop/{step['no']}/done", tech, json=body).status_code == 200
    assert api.post(f"/orders/{oid}/finish", tech, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/confirm", customer)
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text


def _redo_case(api, customer, tech, support):  # noqa: ANN001, ANN202
    order = walk_to_finished(api, customer, tech)
    r = api.post(
        f"/orders/{order['id']}/complaints",
        customer,
        json={"category": "quality", "text": "窗户没擦干净"},
    )
    assert r.status_code == 201, r.text
    return order, r.json()["id"]


def test_redo_books_a_free_visit_and_holds_the_money_until_it_is_done(api, clock):
    customer = api.register("customer", "赵女士")
    tech = api.register("technician", "钱师傅")
    support, finance = api.staff("support"), api.staff("finance")
    order, cid = _redo_case(api, customer, tech, support)
    oid, paid = order["id"], order["total"]
    tech_account = f"payable:technician:{tech['user']['id']}"

    # redo needs a start in the future
    for body in (
        {"outcome": "redo", "note": "返工"},
        {
            "outcome": "redo",
            "note": "返工",
            "redo_start": (clock.now() - timedelta(hours=1)).isoformat(),
        },
        {
            "outcome": "reject",
            "note": "x",
            "redo_start": (clock.now() + timedelta(days=1)).isoformat(),
        },
    ):
        r = api.post(f"/ops/complaints/{cid}/resolve", support, json=body)
        assert r.status_code == 422, r.text
    start = clock.now() + timedelta(days=2)
    r = api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "redo", "note": "安排原师傅返工", "redo_start": start.isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "redo" and r.json()["escrow_frozen"] is True
    assert api.get(f"/orders/{oid}", customer).json()["status"] == "COMPLETED"

    # the follow-up: same customer, service, address; free; linked; straight to dispatch
    resolved = [
        e
        for e in api.get(f"/orders/{oid}/events", customer).json()
        if e["type"] == "order.resolved"
    ]
    redo_id = resolved[-1]["payload"]["redo_order_id"]
    redo = api.get(f"/orders/{redo_id}", customer)
    assert redo.status_code == 200, redo.text
    redo = redo.json()
    assert redo["customer_id"] == customer["user"]["id"]
    assert redo["service_id"] == order["service_id"]
    assert redo["total"] == 0 and redo["amount_due"] == 0
    assert redo["status"] == "PENDING_DISPATCH"
    with unit_of_work(api.app) as uow:
        stored = orders_service.get(uow, order_id=redo_id)
        assert stored.preferred_technician_id == tech["user"]["id"]
        assert stored.address_enc == orders_service.get(uow, order_id=oid).address_enc
    assert redo["address"] == api.get(f"/orders/{oid}", customer).json()["address"]
    assert (redo["lat"], redo["lng"]) == (39.9334, 116.4540)
    assert redo["price_snapshot"]["redo_of"] == oid
    assert redo["price_snapshot"]["lines"] == [
        {"code": "redo", "label": "返工（免费）", "amount": 0}
    ]
    assert redo["scheduled_start"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    created = api.get(f"/orders/{redo_id}/events", customer).json()[0]
    assert created["type"] == "order.created" and created["payload"]["redo_of"] == oid

    # the original's money stays held: nothing to the technician yet
    detail = api.get(f"/ops/complaints/{cid}", support).json()
    assert detail["escrow"]["frozen"] is True and detail["escrow"]["held"] == paid
    assert trial(api, finance).get(tech_account, 0) == 0

    # the redo is done and confirmed → the original's money is released
    assign(api, redo_id, tech)
    _walk_assigned(api, customer, tech, redo_id)
    detail = api.get(f"/ops/complaints/{cid}", support).json()
    assert detail["escrow"]["frozen"] is False and detail["escrow"]["state"] == "released"
    assert detail["escrow_frozen"] is False
    balances = trial(api, finance)  # asserts the difference is zero
    assert abs(balances[tech_account]) == detail["escrow"]["technician_share"] > 0
    assert api.get(f"/orders/{redo_id}", customer).json()["status"] == "COMPLETED"


def test_cancelled_redo_releases_the_original(api, clock):
    customer = api.register("customer")
    tech = api.register("technician")
    support, finance = api.staff("support"), api.staff("finance")
    order, cid = _redo_case(api, customer, tech, support)
    start = clock.now() + timedelta(days=3)
    r = api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "redo", "note": "返工", "redo_start": start.isoformat()},
    )
    assert r.status_code == 200, r.text
    redo_id = next(
        e["payload"]["redo_order_id"]
        for e in api.get(f"/orders/{order['id']}/events", customer).json()
        if e["type"] == "order.resolved"
    )
    r = api.post(f"/orders/{redo_id}/cancel", customer, json={"reason": "不需要了"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED"
    detail = api.get(f"/ops/complaints/{cid}", support).json()
    assert detail["escrow"]["frozen"] is False and detail["escrow"]["state"] == "released"
    trial(api, finance)


def test_quarterly_levels_run_once_per_quarter(api, clock):
    from server.reviews import service as reviews_service

    api.register("technician", "孙师傅")
    admin = api.staff("admin")
    with unit_of_work(api.app) as uow:
        first = reviews_service.run_quarterly_levels(uow)
    with unit_of_work(api.app) as uow:
        second = reviews_service.run_quarterly_levels(uow)
    assert first == "2026Q2" and second is None
    runs = audit_actions(api, admin, action="levels.quarterly")
    assert [(e["target_id"], e["details"]["scored_quarter"]) for e in runs] == [
        ("2026Q2", "2026Q1")
    ]
    assert len(audit_actions(api, admin, action="technician.level")) >= 1
    clock.advance(days=92)  # 2026-09-01: the next quarter runs again
    assert reviews_service.quarterly_levels_once(api.app) == "2026Q3"
    with unit_of_work(api.app) as uow:
        assert reviews_service.run_quarterly_levels(uow) is None
