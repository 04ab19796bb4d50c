"""Order notes (door codes, phone numbers) go with the address: encrypted at rest, shown
only in the address window, contacts masked for the technician."""

from __future__ import annotations

from sqlalchemy import text

from tests.api.payment_steps import finish, pay, relogin, to_service

NOTES = "门禁密码 4321#，到了打 13800138000"


def test_notes_follow_the_address_rule_and_are_stored_encrypted(api) -> None:  # noqa: ANN001
    customer, tech = api.register("customer"), api.register("technician")
    quote = api.quote(customer, units=3)
    r = api.post("/orders", customer, json={"quote_id": quote["quote_id"], "notes": NOTES})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["notes"] == NOTES  # its author reads them as written
    with api.app.state.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT notes_enc FROM service_order WHERE id = :id"), {"id": oid}
        ).scalar()
    assert stored and "4321" not in stored and "13800138000" not in stored

    finance = api.staff("finance")
    assert api.get(f"/orders/{oid}", finance).json()["notes"] == ""
    pay(api, customer, oid)
    started = to_service(api, customer, tech, oid)  # accepted: inside the window
    seen = api.get(f"/orders/{oid}", tech).json()["notes"]
    assert "4321#" in seen and "13800138000" not in seen  # the door code, not the phone
    assert api.get(f"/orders/{oid}", api.staff("support")).json()["notes"] == NOTES

    assert finish(api, tech, oid, started["sop"]).status_code == 200
    assert api.post(f"/orders/{oid}/confirm", customer).status_code == 200
    api.app.state.clock.advance(hours=73)  # past the 72 h window after completion
    relogin(api, tech)
    after = api.get(f"/orders/{oid}", tech).json()
    assert after["address_visible"] is False and after["notes"] == ""
