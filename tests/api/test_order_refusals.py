"""Every refusal of the order endpoints: 404 / 403 / 409 / 410 / 422, never a 500."""

from datetime import UTC, datetime, timedelta, timezone

from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from tests.unit_of_work import unit_of_work


def _paid_and_assigned(api, customer, tech) -> str:
    order = api.order(customer)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=order["id"],
            action=Action.PAYMENT_SUCCEEDED,
            actor=Actor(ActorKind.SYSTEM),
        )
        orders_service.move(
            uow,
            order_id=order["id"],
            action=Action.ASSIGN,
            actor=Actor(ActorKind.SYSTEM),
            technician_id=tech["user"]["id"],
        )
    return order["id"]


def test_unknown_and_foreign_orders_look_missing(api):
    alice, bob = api.register(), api.register()
    order = api.order(alice)
    assert api.get("/orders/ord_nope", alice).status_code == 404
    r = api.get(f"/orders/{order['id']}", bob)
    assert r.status_code == 404 and r.json()["error"]["code"] == "order_not_found"
    assert api.get(f"/orders/{order['id']}/events", bob).status_code == 404
    assert api.post(f"/orders/{order['id']}/cancel", bob, json={}).status_code == 404
    assert [o["id"] for o in api.get("/orders", bob).json()] == []


def test_wrong_role(api):
    customer, tech = api.register(), api.register("technician")
    order = api.order(customer)
    r = api.post(f"/orders/{order['id']}/depart", customer, json={})
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    q = api.quote(customer)
    r = api.post("/orders", tech, json={"quote_id": q["quote_id"]})
    assert r.status_code == 403


def test_illegal_transition_is_409_with_current_state(api):
    customer, tech = api.register(), api.register("technician")
    oid = _paid_and_assigned(api, customer, tech)
    r = api.post(f"/orders/{oid}/finish", tech, json={})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "illegal_transition"
    assert r.json()["error"]["details"]["status"] == "ACCEPTED"
    r = api.post(f"/orders/{oid}/confirm", customer)
    assert r.status_code == 409


def test_other_technician_cannot_touch(api):
    customer, tech, other = api.register(), api.register("technician"), api.register("technician")
    oid = _paid_and_assigned(api, customer, tech)
    assert api.post(f"/orders/{oid}/depart", other, json={}).status_code == 404
    assert api.get(f"/orders/{oid}", other).status_code == 404


def test_address_is_hidden_until_accepted(api):
    customer, tech = api.register(), api.register("technician")
    order = api.order(customer)
    assert order["address_visible"] and "三里屯路19号院" in order["address"]
    oid = _paid_and_assigned(api, customer, tech)
    seen = api.get(f"/orders/{oid}", tech).json()
    assert seen["address_visible"] and seen["lat"] is not None


def test_book_in_one_step_with_the_booking_body(api):
    """POST /orders with the fields of POST /quotes: quoted now, booked at that price."""
    customer = api.register()
    start = (api.app.state.clock.now() + timedelta(hours=26)).isoformat()
    booking = {
        "service_id": "svc_daily_cleaning",
        "scheduled_start": start,
        "units": 3,
        "address": {"lat": 39.9334, "lng": 116.4540, "text": "朝阳区三里屯路19号院"},
    }
    r = api.post("/orders", customer, json={**booking, "notes": "请带鞋套"})
    assert r.status_code == 201, r.text
    order = r.json()
    quoted = api.post("/quotes", customer, json=booking).json()  # the same booking, priced apart
    assert order["total"] == quoted["total"] and order["notes"] == "请带鞋套"
    assert [line["code"] for line in order["price_snapshot"]["lines"]] == [
        line["code"] for line in quoted["lines"]
    ]
    for body in (
        {},
        {"service_id": "svc_daily_cleaning"},
        {**booking, "quote_id": quoted["quote_id"]},
    ):
        r = api.post("/orders", customer, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", body
    r = api.post("/orders", customer, json={**booking, "service_id": "svc_nope"})
    assert r.status_code == 404
    assert len(api.get("/orders", customer).json()) == 1  # nothing half-booked


def test_quote_refusals(api):
    customer = api.register()
    q = api.quote(customer)
    assert api.post("/orders", customer, json={"quote_id": q["quote_id"]}).status_code == 201
    r = api.post("/orders", customer, json={"quote_id": q["quote_id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "quote_used"
    q2 = api.quote(customer)
    api.app.state.clock.advance(hours=2)
    customer = api.login(customer)
    r = api.post("/orders", customer, json={"quote_id": q2["quote_id"]})
    assert r.status_code == 410 and r.json()["error"]["code"] == "quote_expired"
    r = api.post("/orders", customer, json={"quote_id": "quo_nope"})
    assert r.status_code == 404
    other = api.register()
    q3 = api.quote(customer)
    assert api.post("/orders", other, json={"quote_id": q3["quote_id"]}).status_code == 404
    r = api.post(
        "/quotes",
        customer,
        json={
            "service_id": "svc_daily_cleaning",
            "address": {"lat": 200, "lng": 0, "text": "x"},
            "scheduled_start": "2026-06-02T02:00:00Z",
        },
    )
    assert r.status_code == 422
    r = api.post(
        "/quotes",
        customer,
        json={
            "service_id": "svc_daily_cleaning",
            "address": {"lat": 39.9, "lng": 116.4, "text": "x"},
            "scheduled_start": "2020-01-01T00:00:00Z",
        },
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "scheduled_in_past"


def test_optimistic_lock_conflict(api):
    customer, tech = api.register(), api.register("technician")
    oid = _paid_and_assigned(api, customer, tech)
    with unit_of_work(api.app) as uow:
        stale = orders_service.get(uow, order_id=oid)
        version = stale.version
    api.post(f"/orders/{oid}/depart", tech, json={})
    with unit_of_work(api.app) as uow:
        order = orders_service.get(uow, order_id=oid)
        try:
            orders_service.save_version(uow.session, order, version, {"district": "late write"})
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", "") == "conflict"
            assert exc.details["status"] == "EN_ROUTE"
        else:
            raise AssertionError("a stale version must not write")


def test_sop_refusals(api):
    customer, tech = api.register(), api.register("technician")
    oid = _paid_and_assigned(api, customer, tech)
    assert (
        api.post(f"/orders/{oid}/sop/1/done", tech, json={}).status_code == 409
    )  # not in service yet
    api.post(f"/orders/{oid}/depart", tech, json={})
    api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9334, "lng": 116.4540})
    api.post(f"/orders/{oid}/work-order/confirm", customer, json={})
    assert api.post(f"/orders/{oid}/start", tech, json={}).status_code == 200
    order = api.get(f"/orders/{oid}", tech).json()
    photo_steps = [s["no"] for s in order["sop"] if s["photo"]]
    first = order["sop"][0]
    if first["photo"]:
        r = api.post(f"/orders/{oid}/sop/1/done", tech, json={})
        assert r.status_code == 422 and r.json()["error"]["code"] == "sop_photo_required"
    if len(order["sop"]) > 1:
        r = api.post(f"/orders/{oid}/sop/2/done", tech, json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "sop_out_of_order"
    r = api.post(f"/orders/{oid}/sop/99/done", tech, json={})
    assert r.status_code == 422
    r = api.post(f"/orders/{oid}/finish", tech, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "sop_incomplete"
    assert photo_steps  # every service carries photo evidence
    # someone else's photo can't be attached
    other = api.register("technician")
    up = api.post(
        "/files",
        other,
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"1" * 10, "image/png")},
        data={"kind": "photo"},
    )
    r = api.post(f"/orders/{oid}/sop/1/done", tech, json={"photo_file_id": up.json()["id"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_not_found"


def test_device_times_must_be_aware_and_plausible(api, clock):
    """``occurred_at`` from a phone: stored as aware UTC; naive, far-future or ancient refused."""

    customer, tech = api.register(), api.register("technician")
    oid = _paid_and_assigned(api, customer, tech)
    now = clock.now()
    cases = [
        (now.replace(tzinfo=None).isoformat(), "time_without_offset"),
        ((now + timedelta(minutes=6)).isoformat(), "occurred_at_in_future"),
        ((now - timedelta(days=8)).isoformat(), "occurred_at_too_old"),
    ]
    for value, code in cases:
        r = api.post(f"/orders/{oid}/depart", tech, json={"occurred_at": value})
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (value, r.text)
    assert api.get(f"/orders/{oid}", tech).json()["status"] == "ACCEPTED"  # nothing moved
    # an offset is kept as the same instant in UTC
    local = (now - timedelta(minutes=3)).astimezone(timezone(timedelta(hours=8)))
    r = api.post(f"/orders/{oid}/depart", tech, json={"occurred_at": local.isoformat()})
    assert r.status_code == 200, r.text
    event = api.get(f"/orders/{oid}/events", tech).json()[-1]
    stored = datetime.fromisoformat(event["occurred_at"]).replace(tzinfo=UTC)
    assert stored == now - timedelta(minutes=3)
    # SOP steps go through the same check
    api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9334, "lng": 116.4540})
    api.post(f"/orders/{oid}/work-order/confirm", customer, json={})
    assert api.post(f"/orders/{oid}/start", tech, json={}).status_code == 200
    r = api.post(
        f"/orders/{oid}/sop/1/done",
        tech,
        json={"occurred_at": now.replace(tzinfo=None).isoformat(), "note": "ok"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "time_without_offset"


def test_a_booking_nobody_could_serve_is_refused_at_the_quote(api):
    """Shanghai or (0, 0), a start minutes away, a 100,000 m² "home": each refused with
    its reason before any money is asked for."""
    customer = api.register()
    start = api.app.state.clock.now() + timedelta(hours=26)

    def quote(lat: float, lng: float, at: datetime = start, **extra):  # noqa: ANN202
        body = {
            "service_id": "svc_daily_cleaning",
            "scheduled_start": at.isoformat(),
            "address": {"lat": lat, "lng": lng, "text": "某地"},
            **extra,
        }
        return api.post("/quotes", customer, json=body)

    for lat, lng in ((31.2304, 121.4737), (0.0, 0.0)):
        r = quote(lat, lng)
        assert r.status_code == 422 and r.json()["error"]["code"] == "outside_service_area", r.text
    r = quote(39.93, 116.45, api.app.state.clock.now() + timedelta(minutes=5))
    assert r.status_code == 422 and r.json()["error"]["code"] == "scheduled_too_soon"
    assert r.json()["error"]["details"]["min_lead_minutes"] == 60
    r = quote(39.93, 116.45, area_m2=100000)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert quote(39.93, 116.45, area_m2=120).status_code == 201


def test_one_vocabulary_for_filters_and_unknown_values_are_refused(api):
    """A filter value nobody uses is a 422 with the known ones (an empty list would read
    as "no such orders"); the anomaly dispatch writes is a code the filter knows."""
    customer, operator = api.register(), api.staff("operator")
    r = api.get("/orders", customer, params={"status": "FINISHED_MAYBE"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "status_unknown"
    assert "COMPLETED" in r.json()["error"]["details"]["known"]
    both = {"status": "PENDING_PAYMENT,COMPLETED"}
    assert api.get("/orders", customer, params=both).status_code == 200
    r = api.get("/ops/orders", operator, params={"status": "nope"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "status_unknown"
    for code in ("no_candidate", "offer_limit", "late_arrival", "any"):
        assert api.get("/ops/orders", operator, params={"anomaly": code}).status_code == 200, code
    r = api.get("/ops/orders", operator, params={"anomaly": "haunted"})
    assert r.status_code == 422 and "no_candidate" in r.json()["error"]["details"]["known"]


def test_every_staff_filter_refuses_a_value_outside_its_vocabulary(api):
    """An unknown value is a 422 naming the known ones, not an empty list read as "none"."""
    support, operator = api.staff("support"), api.staff("operator")
    cases = [
        ("/ops/technicians", operator, {"status": "verifed"}, "status_unknown", "verified"),
        ("/ops/alerts", operator, {"status": "opened"}, "status_unknown", "escalated"),
        ("/ops/risk/flags", operator, {"status": "done"}, "status_unknown", "reviewed"),
        ("/ops/risk/flags", operator, {"kind": "fraud"}, "kind_unknown", "login_lockout"),
        ("/ops/complaints", support, {"status": "closed"}, "status_unknown", "resolved"),
    ]
    for path, user, params, code, one_known in cases:
        r = api.get(path, user, params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (path, r.text)
        assert one_known in r.json()["error"]["details"]["known"]
        known = r.json()["error"]["details"]["known"]
        r = api.get(path, user, params={next(iter(params)): known[0]})
        assert r.status_code == 200, (path, r.text)
    assert api.get("/ops/technicians", operator, params={"status": ""}).status_code == 200  # all
