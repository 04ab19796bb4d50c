"""Two-way ratings, public reviews, score explanation, appeals, quarterly levels."""

from __future__ import annotations

from server.technicians import service as technicians_service
from tests.api.ops.helpers import audit_actions, complete, relogin, walk_to_finished
from tests.unit_of_work import unit_of_work


def test_two_way_ratings_public_view_and_profile_stats(api):
    customer, tech = api.register("customer", "欧阳娜娜"), api.register("technician", "冯师傅")
    order = walk_to_finished(api, customer, tech)
    oid = order["id"]
    body = {"response": 5, "skill": 4, "attitude": 5, "care": 4, "text": "准时,干净"}
    r = api.post(f"/orders/{oid}/reviews", customer, json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_not_completed"
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    assert (
        api.post(f"/orders/{oid}/reviews", customer, json={"response": 5, "text": "x"}).status_code
        == 422
    )
    assert (
        api.post(f"/orders/{oid}/reviews", customer, json={**body, "skill": 6}).status_code == 422
    )
    r = api.post(f"/orders/{oid}/reviews", customer, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["overall"] == 4.5
    assert api.post(f"/orders/{oid}/reviews", customer, json=body).status_code == 409
    assert api.post(f"/orders/{oid}/reviews", tech, json={"text": "x"}).status_code == 422
    r = api.post(f"/orders/{oid}/reviews", tech, json={"overall": 5, "text": "客户很友善"})
    assert r.status_code == 201 and r.json()["subject_id"] == customer["user"]["id"]
    stranger = api.register("customer")
    assert api.post(f"/orders/{oid}/reviews", stranger, json=body).status_code == 404

    public = api.client.get(f"/api/v1/technicians/{tech['user']['id']}/reviews").json()
    assert len(public) == 1 and public[0]["author_name"] == "欧**"
    assert customer["user"]["id"] not in str(public)
    assert api.client.get("/api/v1/technicians/usr_nobody/reviews").status_code == 404
    with unit_of_work(api.app) as uow:
        profile = technicians_service.get_profile(uow, user_id=tech["user"]["id"])
        assert (
            profile.rating_count == 1 and profile.rating_avg == 4.5 and profile.good_rate_30d == 1.0
        )
        assert profile.rating_dimensions == {"response": 5, "skill": 4, "attitude": 5, "care": 4}


def test_score_explained_appeal_removes_penalty_and_levels(api, clock):
    customer, tech = api.register("customer"), api.register("technician", "陈师傅")
    support, operator, admin = api.staff("support"), api.staff("operator"), api.staff("admin")
    orders = [complete(api, customer, tech) for _ in range(2)]
    for o in orders:
        r = api.post(
            f"/orders/{o['id']}/reviews",
            customer,
            json={"response": 5, "skill": 5, "attitude": 5, "care": 5},
        )
        assert r.status_code == 201
    r = api.post(
        f"/orders/{orders[0]['id']}/complaints",
        customer,
        json={"category": "attitude", "text": "态度差"},
    )
    cid = r.json()["id"]
    api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "refund_partial", "amount": 1000, "note": "部分退款"},
    )
    score = api.get("/technician/score", tech).json()
    assert score["ratings"] == 2 and score["penalty_points"] == 5.0
    assert [p["kind"] for p in score["penalties"]] == ["upheld_complaint"]
    assert len(score["contributing_reviews"]) == 2 and len(score["explanation"]) == 5

    r = api.post(
        "/technician/appeals",
        tech,
        json={"target_type": "complaint", "target_id": cid, "reason": "客户当时情绪激动,我有录音"},
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert (
        api.post(
            "/technician/appeals",
            tech,
            json={"target_type": "complaint", "target_id": cid, "reason": "again"},
        ).status_code
        == 409
    )
    other = api.register("technician")
    assert (
        api.post(
            "/technician/appeals",
            other,
            json={"target_type": "complaint", "target_id": cid, "reason": "x"},
        ).status_code
        == 404
    )
    assert [
        a["id"] for a in api.get("/ops/appeals", support, params={"status": "pending"}).json()
    ] == [aid]
    r = api.post(
        f"/ops/appeals/{aid}/decide", support, json={"decision": "upheld", "note": "录音证实"}
    )
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    assert (
        api.post(
            f"/ops/appeals/{aid}/decide", support, json={"decision": "rejected", "note": "x"}
        ).status_code
        == 409
    )
    assert api.get("/technician/score", tech).json()["penalty_points"] == 0
    kinds = [n["kind"] for n in api.get("/me/notifications", tech).json()]
    assert "appeal.decided" in kinds
    entry = audit_actions(api, admin, action="appeal.decide")[0]
    assert (
        entry["details"]["effect"]["penalty_voided"] == cid
        and entry["actor_id"] == support["user"]["id"]
    )

    # the quarterly review: the previous quarter (Q1 2026 in June), then Q2 from July
    r = api.post("/ops/levels/recompute", operator)
    assert r.status_code == 200, r.text
    row = next(t for t in r.json()["technicians"] if t["technician_id"] == tech["user"]["id"])
    assert (
        row["quarter"] == "2026Q1" and row["level"] == "B"
    )  # no ratings then: prior only, too few for A
    clock.advance(days=31)  # July: Q2 with the two five-star ratings
    operator, tech = relogin(api, operator, "staff password"), relogin(api, tech)
    r = api.post("/ops/levels/recompute", operator)
    row = next(t for t in r.json()["technicians"] if t["technician_id"] == tech["user"]["id"])
    assert row["quarter"] == "2026Q2" and row["score"] > 90
    score = api.get("/technician/score", tech).json()
    assert score["level"] == row["level"] and score["level_history"][0]["quarter"] == "2026Q2"
    assert any(
        e["target_id"] == tech["user"]["id"]
        for e in audit_actions(
            api, relogin(api, admin, "staff password"), action="technician.level"
        )
    )


def test_appeal_a_review_removes_it_from_the_public_list(api):
    customer, tech = api.register("customer"), api.register("technician")
    support = api.staff("support")
    o = complete(api, customer, tech)
    review = api.post(
        f"/orders/{o['id']}/reviews",
        customer,
        json={"response": 1, "skill": 1, "attitude": 1, "care": 1, "text": "恶意差评"},
    ).json()
    aid = api.post(
        "/technician/appeals",
        tech,
        json={"target_type": "review", "target_id": review["id"], "reason": "订单已按要求完成"},
    ).json()["id"]
    assert (
        api.post(
            f"/ops/appeals/{aid}/decide", tech, json={"decision": "upheld", "note": "x"}
        ).status_code
        == 403
    )
    r = api.post(
        f"/ops/appeals/{aid}/decide", support, json={"decision": "upheld", "note": "证据充分"}
    )
    assert r.status_code == 200
    assert api.client.get(f"/api/v1/technicians/{tech['user']['id']}/reviews").json() == []
    assert [a["status"] for a in api.get("/technician/appeals", tech).json()] == ["upheld"]
