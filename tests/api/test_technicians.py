"""Technician onboarding over HTTP: profile, availability, area, certificates, review, online."""

from __future__ import annotations

from datetime import timedelta

from server.audit import log as audit_service
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.technicians import service as technicians_service
from tests.unit_of_work import unit_of_work

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def upload(api, user, kind: str, data: bytes = PNG, name: str = "a.png") -> str:  # noqa: ANN001
    mime = "application/pdf" if data.startswith(b"%PDF") else "image/png"
    r = api.post("/files", user, files={"file": (name, data, mime)}, data={"kind": kind})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def onboard(
    api,
    name: str = "王师傅",
    skills=("cleaning",),
    cert_types=("health",),  # noqa: ANN001
    expires_on: str = "2027-03-31",
) -> dict:
    """A technician with a complete file, waiting for review."""
    tech = api.register("technician", name)
    photo = upload(api, tech, "photo")
    r = api.put(
        "/technician/profile",
        tech,
        json={
            "gender": "female",
            "birth_year": 1985,
            "experience_years": 8,
            "bio": "八年保洁经验",
            "photo_file_id": photo,
            "skills": list(skills),
        },
    )
    assert r.status_code == 200, r.text
    r = api.put(
        "/technician/service-area",
        tech,
        json={"center": {"lat": 39.9334, "lng": 116.4540}, "radius_km": 5, "max_distance_km": 6},
    )
    assert r.status_code == 200, r.text
    for i, kind in enumerate(cert_types):
        file_id = upload(api, tech, "certificate", PDF if i % 2 else PNG)
        r = api.post(
            "/technician/certificates",
            tech,
            json={
                "type": kind,
                "file_id": file_id,
                "number": f"NO-{i:04d}",
                "expires_on": expires_on,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending"
    return tech


def test_profile_created_on_first_read_and_updated(api):
    tech = api.register("technician", "李师傅")
    r = api.get("/technician/profile", tech)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["verification_status"] == "pending"
        and body["level"] == "B"
        and body["online"] is False
    )
    assert body["skills"] == [] and body["phone"] == tech["phone"]
    r = api.put(
        "/technician/profile",
        tech,
        json={"skills": ["cleaning", "cooking", "cleaning"], "bio": "你好"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["skills"] == ["cleaning", "cooking"]
    assert r.json()["bio"] == "你好" and r.json()["submitted_at"] is not None
    # partial update keeps what was not sent
    r = api.put("/technician/profile", tech, json={"experience_years": 3})
    assert r.json()["skills"] == ["cleaning", "cooking"] and r.json()["experience_years"] == 3


def test_bad_input_is_refused(api):
    tech = api.register("technician")
    r = api.put("/technician/profile", tech, json={"skills": ["cleaning", "flying"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "skill_unknown"
    assert r.json()["error"]["details"]["unknown"] == ["flying"]
    r = api.put("/technician/profile", tech, json={"birth_year": 1800})
    assert r.status_code == 422
    r = api.put("/technician/service-area", tech, json={"center": {"lat": 39.9, "lng": 116.4}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "service_area_required"
    r = api.put(
        "/technician/service-area", tech, json={"polygon": [[39.9, 116.4], [39.91, 116.41]]}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "service_area_polygon_invalid"
    r = api.put(
        "/technician/availability",
        tech,
        json={"weekly": {"mon": [["09:00", "12:00"], ["11:00", "14:00"]]}},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "availability_overlap"
    r = api.put("/technician/availability", tech, json={"weekly": {"funday": [["09:00", "12:00"]]}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "availability_weekday_invalid"
    r = api.put("/technician/availability", tech, json={"weekly": {"mon": [["9am", "12:00"]]}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "availability_time_invalid"
    r = api.put(
        "/technician/availability",
        tech,
        json={"time_off": [{"start": "2026-06-03T00:00:00Z", "end": "2026-06-02T00:00:00Z"}]},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "time_off_invalid"
    # another technician's photo can't be attached
    other = api.register("technician")
    photo = upload(api, other, "photo")
    r = api.put("/technician/profile", tech, json={"photo_file_id": photo})
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_not_found"


def test_availability_and_service_area_round_trip(api):
    tech = api.register("technician")
    body = {
        "weekly": {"mon": [["13:00", "20:00"], ["08:00", "12:00"]], "sat": [["22:00", "06:00"]]},
        "time_off": [
            {
                "start": "2026-06-10T00:00:00+08:00",
                "end": "2026-06-12T00:00:00+08:00",
                "reason": "回老家",
            },
            {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z", "reason": "past"},
        ],
    }
    r = api.put("/technician/availability", tech, json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["weekly"]["mon"] == [["08:00", "12:00"], ["13:00", "20:00"]]
    assert got["weekly"]["sat"] == [["22:00", "06:00"]] and got["weekly"]["tue"] == []
    assert got["weekly_minutes"] == 4 * 60 + 7 * 60 + 8 * 60
    assert [t["reason"] for t in got["time_off"]] == ["回老家"]  # past leave dropped
    assert api.get("/technician/availability", tech).json() == got

    polygon = [[39.95, 116.42], [39.95, 116.48], [39.91, 116.48], [39.91, 116.42]]
    r = api.put("/technician/service-area", tech, json={"polygon": polygon, "max_distance_km": 8})
    assert r.status_code == 200, r.text
    area = api.get("/technician/service-area", tech).json()
    assert area["kind"] == "polygon" and area["polygon"] == polygon and area["center"] is None
    assert area["max_distance_km"] == 8


def test_onboarding_review_approve_and_go_online(api):
    tech = onboard(api, skills=("cleaning", "housekeeping"), cert_types=("health",))
    r = api.put("/technician/status", tech, json={"online": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_verified"

    operator = api.staff("operator")
    queue = api.get("/ops/technicians?status=pending", operator)
    assert queue.status_code == 200, queue.text
    item = next(i for i in queue.json() if i["profile"]["user_id"] == tech["user"]["id"])
    assert item["ready_for_review"] is True
    assert item["profile"]["phone"] != tech["phone"] and "*" in item["profile"]["phone"]  # masked
    assert [c["type"] for c in item["certificates"]] == ["health"]

    support = api.staff("support")
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/verify", support, json={"decision": "approve"}
    )
    assert r.status_code == 403  # support may look, not decide
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/verify",
        operator,
        json={"decision": "approve", "note": "ok"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["profile"]["verification_status"] == "verified"
    assert [c["status"] for c in r.json()["certificates"]] == ["verified"]

    r = api.put("/technician/status", tech, json={"online": True})
    assert r.status_code == 200 and r.json() == {"online": True, "verification_status": "verified"}
    with unit_of_work(api.app) as uow:
        found = technicians_service.list_dispatchable(uow)
    assert [t.id for t in found] == [tech["user"]["id"]]
    fact = found[0]
    assert fact.skills == frozenset({"cleaning", "housekeeping"})
    assert [(c.type, c.expires_on.isoformat()) for c in fact.certificates] == [
        ("health", "2027-03-31")
    ]
    assert (
        fact.area_center == (39.9334, 116.4540)
        and fact.area_radius_km == 5
        and fact.max_distance_km == 6
    )

    # suspended: offline and not dispatchable; reinstated: verified again
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/suspend", operator, json={"reason": "投诉核实中"}
    )
    assert (
        r.status_code == 200
        and r.json()["verification_status"] == "suspended"
        and r.json()["online"] is False
    )
    r = api.put("/technician/status", tech, json={"online": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "technician_suspended"
    with unit_of_work(api.app) as uow:
        assert technicians_service.list_dispatchable(uow) == []
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/reinstate", operator, json={"reason": "核实无误"}
    )
    assert r.status_code == 200 and r.json()["verification_status"] == "verified"
    r = api.post(
        f"/ops/technicians/{tech['user']['id']}/reinstate", operator, json={"reason": "again"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_suspended"
    with unit_of_work(api.app) as uow:
        actions = [e.action for e in audit_service.search(uow, target_id=tech["user"]["id"])]
    assert sorted(actions) == [
        "technician.reinstate",
        "technician.suspend",
        "technician.verify.approve",
    ]


def test_reject_then_resubmit_returns_to_queue(api):
    tech = onboard(api)
    operator = api.staff("operator")
    tid = tech["user"]["id"]
    r = api.post(f"/ops/technicians/{tid}/verify", operator, json={"decision": "reject"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "note_required"
    r = api.post(
        f"/ops/technicians/{tid}/verify",
        operator,
        json={"decision": "reject", "note": "健康证照片模糊"},
    )
    assert r.status_code == 200
    assert r.json()["profile"]["verification_status"] == "rejected"
    assert r.json()["certificates"][0]["status"] == "rejected"
    mine = api.get("/technician/profile", tech).json()
    assert (
        mine["verification_status"] == "rejected" and mine["verification_note"] == "健康证照片模糊"
    )
    file_id = upload(api, tech, "certificate")
    r = api.post(
        "/technician/certificates",
        tech,
        json={"type": "health", "file_id": file_id, "expires_on": "2027-06-30"},
    )
    assert r.status_code == 201
    assert api.get("/technician/profile", tech).json()["verification_status"] == "pending"
    queue = api.get("/ops/technicians", operator).json()
    assert tid in [i["profile"]["user_id"] for i in queue]


def test_refusals(api):
    customer = api.register("customer")
    for method, path in [
        ("get", "/technician/profile"),
        ("get", "/technician/availability"),
        ("get", "/technician/service-area"),
        ("get", "/technician/certificates"),
    ]:
        r = getattr(api, method)(path, customer)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden", path
    r = api.put("/technician/status", customer, json={"online": True})
    assert r.status_code == 403
    r = api.get("/ops/technicians", customer)
    assert r.status_code == 403
    assert api.get("/technician/profile").status_code == 401

    a = onboard(api, "甲师傅")
    b = api.register("technician", "乙师傅")
    cert_id = api.get("/technician/certificates", a).json()[0]["id"]
    assert api.get(f"/technician/certificates/{cert_id}", a).status_code == 200
    r = api.get(f"/technician/certificates/{cert_id}", b)
    assert r.status_code == 404 and r.json()["error"]["code"] == "certificate_not_found"
    assert api.get("/technician/certificates", b).json() == []
    # b can't claim a's uploaded file as their own certificate
    a_file = upload(api, a, "certificate")
    r = api.post("/technician/certificates", b, json={"type": "health", "file_id": a_file})
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_not_found"

    # an unknown type, an expired date, a photo-kind file, a file used twice
    own = upload(api, b, "certificate")
    r = api.post("/technician/certificates", b, json={"type": "wizard", "file_id": own})
    assert r.status_code == 422 and r.json()["error"]["code"] == "certificate_type_unknown"
    r = api.post(
        "/technician/certificates",
        b,
        json={"type": "health", "file_id": own, "expires_on": "2026-05-31"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "certificate_expired"
    photo = upload(api, b, "photo")
    r = api.post("/technician/certificates", b, json={"type": "health", "file_id": photo})
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_not_found"
    r = api.post(
        "/technician/certificates",
        b,
        json={"type": "health", "file_id": own, "expires_on": "2026-06-01"},
    )
    assert r.status_code == 201  # expiring today is still valid today
    r = api.post("/technician/certificates", b, json={"type": "health", "file_id": own})
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_file_used"

    # verifying someone unknown, suspending someone unverified
    operator = api.staff("operator")
    r = api.post("/ops/technicians/usr_nobody/verify", operator, json={"decision": "approve"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "technician_not_found"
    r = api.post(f"/ops/technicians/{b['user']['id']}/suspend", operator, json={"reason": "x"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_verified"
    r = api.post(f"/ops/technicians/{b['user']['id']}/verify", operator, json={"decision": "maybe"})
    assert r.status_code == 422
    # no skills declared: can't be approved
    r = api.post(
        f"/ops/technicians/{b['user']['id']}/verify", operator, json={"decision": "approve"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "profile_incomplete"


def test_verified_needs_service_area_to_go_online(api):
    tech = api.register("technician")
    api.put("/technician/profile", tech, json={"skills": ["installation"]})
    operator = api.staff("operator")
    assert (
        api.post(
            f"/ops/technicians/{tech['user']['id']}/verify", operator, json={"decision": "approve"}
        ).status_code
        == 200
    )
    r = api.put("/technician/status", tech, json={"online": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_area_required"
    assert api.put("/technician/status", tech, json={"online": False}).status_code == 200


def test_public_profile_hides_private_fields_and_files_follow_verification(api):
    tech = onboard(
        api,
        "赵师傅",
        skills=("cleaning",),
        cert_types=("health", "work_at_height"),
        expires_on="2026-06-30",
    )
    customer = api.register("customer")
    tid = tech["user"]["id"]
    # pending technicians are not shown to customers
    assert api.get(f"/technicians/{tid}", customer).status_code == 404
    assert api.get(f"/technicians/{tid}", tech).status_code == 200  # but to themselves
    certs = api.get("/technician/certificates", tech).json()
    assert api.get(f"/files/{certs[0]['file_id']}", customer).status_code == 404  # not verified yet

    operator = api.staff("operator")
    api.post(f"/ops/technicians/{tid}/verify", operator, json={"decision": "approve"})
    r = api.get(f"/technicians/{tid}", customer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["name"] == "赵师傅" and body["verified"] is True and body["accepting_orders"] is False
    )
    assert {c["type"] for c in body["certificates"]} == {"health", "work_at_height"}
    assert all(
        c["status"] == "verified" and c["expires_on"] == "2026-06-30" for c in body["certificates"]
    )
    text = r.text
    assert tech["phone"] not in text and "NO-0000" not in text and "last_location" not in text
    assert "lat" not in body and "phone" not in body
    # the photo is now readable by a customer; a certificate scan (an ID number, a face)
    # never: its owner and the staff who review it, not a customer and not finance
    assert api.get(body["photo_url"].removeprefix("/api/v1"), customer).status_code == 200
    assert all("file_url" not in c for c in body["certificates"])
    scan = f"/files/{certs[0]['file_id']}"
    assert api.get(scan, customer).status_code == 404
    assert api.get(scan, api.staff("finance")).status_code == 404
    assert api.get(scan, operator).status_code == 200 and api.get(scan, tech).status_code == 200

    # a verified certificate past its date reads as expired for everyone
    api.app.state.clock.advance(days=30)
    customer = api.register("customer")  # the old tokens have expired meanwhile
    login = api.post(
        "/auth/login", json={"phone": tech["phone"], "password": "correct horse"}
    ).json()
    tech = {"headers": {"Authorization": f"Bearer {login['access_token']}"}}
    body = api.get(f"/technicians/{tid}", customer).json()
    assert {c["status"] for c in body["certificates"]} == {"expired"}
    assert {c["status"] for c in api.get("/technician/certificates", tech).json()} == {"expired"}


def test_renewal_certificate_reviewed_on_its_own(api):
    tech = onboard(api)
    operator = api.staff("operator")
    tid = tech["user"]["id"]
    api.post(f"/ops/technicians/{tid}/verify", operator, json={"decision": "approve"})
    file_id = upload(api, tech, "certificate")
    cert = api.post(
        "/technician/certificates",
        tech,
        json={"type": "health", "file_id": file_id, "expires_on": "2028-03-31"},
    ).json()
    queue = api.get("/ops/technicians?status=verified&pending_certificates=true", operator).json()
    assert [i["profile"]["user_id"] for i in queue] == [tid]
    r = api.post(
        f"/ops/technicians/{tid}/certificates/{cert['id']}/review",
        operator,
        json={"decision": "approve"},
    )
    assert r.status_code == 200 and r.json()["status"] == "verified"
    r = api.post(
        f"/ops/technicians/{tid}/certificates/{cert['id']}/review",
        operator,
        json={"decision": "approve"},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_already_reviewed"
    assert (
        api.get("/ops/technicians?status=verified&pending_certificates=true", operator).json() == []
    )
    r = api.post(
        f"/ops/technicians/{tid}/level", operator, json={"level": "S", "reason": "季度评定"}
    )
    assert r.status_code == 200 and r.json()["level"] == "S"
    r = api.post(f"/ops/technicians/{tid}/level", operator, json={"level": "Z"})
    assert r.status_code == 422


def test_location_time_off_and_order_counters(api):
    tech = onboard(api)
    operator = api.staff("operator")
    tid = tech["user"]["id"]
    api.post(f"/ops/technicians/{tid}/verify", operator, json={"decision": "approve"})
    api.put("/technician/status", tech, json={"online": True})
    clock = api.app.state.clock
    now = clock.now()
    api.put(
        "/technician/availability",
        tech,
        json={
            "weekly": {
                d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            "time_off": [
                {
                    "start": (now + timedelta(days=3)).isoformat(),
                    "end": (now + timedelta(days=4)).isoformat(),
                }
            ],
        },
    )
    with unit_of_work(api.app) as uow:
        technicians_service.update_location(uow, user_id=tid, lat=39.93, lng=116.45, at=now)
        technicians_service.update_location(
            uow, user_id=tid, lat=1.0, lng=1.0, at=now - timedelta(minutes=5)
        )
        fact = technicians_service.list_dispatchable(uow, now=now)[0]
        assert fact.location == (39.93, 116.45)  # the older report was ignored
        assert len(fact.time_off) == 1 and fact.weekly_windows[0][0] == 0
        tz = "Asia/Shanghai"
        # 2026-06-01 10:00 Beijing is a Monday inside 08:00-20:00
        assert technicians_service.is_available(
            uow, user_id=tid, start=now, end=now + timedelta(hours=2), timezone=tz
        )
        assert not technicians_service.is_available(
            uow,
            user_id=tid,
            start=now + timedelta(hours=9),
            end=now + timedelta(hours=11),
            timezone=tz,
        )
        assert not technicians_service.is_available(
            uow,
            user_id=tid,
            start=now + timedelta(days=3, hours=1),
            end=now + timedelta(days=3, hours=2),
            timezone=tz,
        )

    # offers, acceptances and completions are counted from the order machine
    customer = api.register("customer")
    order = api.order(customer)
    system = Actor(ActorKind.SYSTEM)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow, order_id=order["id"], action=Action.PAYMENT_SUCCEEDED, actor=system
        )
        orders_service.move(
            uow, order_id=order["id"], action=Action.OFFER, actor=system, technician_id=tid
        )
    r = api.get("/technician/profile", tech).json()["stats"]
    assert r["offers_received"] == 1 and r["offers_accepted"] == 0
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow, order_id=order["id"], action=Action.ACCEPT, actor=Actor(ActorKind.TECHNICIAN, tid)
        )
    r = api.post(f"/orders/{order['id']}/transfer", tech, json={"reason": "临时有事"})
    assert r.status_code == 200, r.text
    stats = api.get("/technician/profile", tech).json()["stats"]
    assert (
        stats["offers_accepted"] == 1
        and stats["acceptance_rate"] == 1.0
        and stats["transfer_count"] == 1
    )
