"""客户管理: a technician's tags, private note and maintenance reminder on a customer he
served, named by his order; due reminders listed for his day view; nobody else reads or
writes them; the note is encrypted at rest."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from server.orders.models import CustomerNote
from tests.api.payment_steps import assign, pay
from tests.unit_of_work import unit_of_work

NOTE = "/technician/customers/by-order/{}/note"


def served(api):
    customer = api.register("customer")
    tech = api.register("technician")
    order = api.order(customer)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    return customer, tech, order


def test_he_notes_a_customer_and_the_reminder_falls_due(api):
    customer, tech, order = served(api)
    empty = api.get(NOTE.format(order["id"]), tech).json()
    assert (empty["tags"], empty["note"], empty["remind_on"], empty["updated_at"]) == (
        [],
        "",
        None,
        None,
    )
    body = {
        "tags": ["有宠物", "老客户", "有宠物"],
        "note": "家里有狗，敲门前先打电话",
        "remind_in_days": 28,
        "remind_what": "更换净水器滤芯",
    }
    r = api.put(NOTE.format(order["id"]), tech, json=body)
    assert r.status_code == 200, r.text
    saved = r.json()
    today = date.fromisoformat(saved["remind_on"]) - timedelta(days=28)
    assert saved["tags"] == ["有宠物", "老客户"] and saved["note"] == body["note"]
    assert api.get(NOTE.format(order["id"]), tech).json() == saved
    with unit_of_work(api.app) as uow:
        row = uow.session.exec(select(CustomerNote)).one()
        assert "敲门" not in (row.note_enc or "")  # encrypted at rest

    # not due yet; due when the day comes (and stays listed, overdue, until cleared)
    assert api.get("/technician/follow-ups", tech).json() == []
    due = api.get("/technician/follow-ups", tech, params={"until": saved["remind_on"]}).json()
    [item] = due
    assert item["order_id"] == order["id"] and item["remind_what"] == "更换净水器滤芯"
    assert item["customer_name"].endswith("*") and item["service_name_zh"] and not item["overdue"]
    later = (today + timedelta(days=40)).isoformat()
    assert api.get("/technician/follow-ups", tech, params={"until": later}).status_code == 200

    # a second order of the same customer shares the note (one per customer)
    second = api.order(customer)
    pay(api, customer, second["id"])
    assign(api, second["id"], tech)
    assert api.get(NOTE.format(second["id"]), tech).json()["note"] == body["note"]
    cleared = api.put(NOTE.format(second["id"]), tech, json={"tags": ["老客户"]}).json()
    assert (cleared["remind_on"], cleared["remind_what"], cleared["note"]) == (None, "", "")
    assert api.get("/technician/follow-ups", tech, params={"until": later}).json() == []


def test_bad_reminders_are_refused_with_codes(api):
    _, tech, order = served(api)
    url = NOTE.format(order["id"])
    r = api.put(url, tech, json={"remind_in_days": 7})
    assert r.status_code == 422 and r.json()["error"]["code"] == "reminder_what_missing"
    r = api.put(url, tech, json={"remind_on": "2020-01-01", "remind_what": "回访"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "reminder_in_past"
    r = api.put(
        url, tech, json={"remind_in_days": 3, "remind_on": "2030-01-01", "remind_what": "x"}
    )
    assert r.status_code == 422
    r = api.put(url, tech, json={"tags": ["这是一个非常非常长的标签名称"]})
    assert r.status_code == 422
    far = (date.today() + timedelta(days=400)).isoformat()
    r = api.get("/technician/follow-ups", tech, params={"until": far})
    assert r.status_code == 422 and r.json()["error"]["code"] == "period_invalid"


def test_only_the_orders_technician_keeps_notes_on_its_customer(api):
    customer, tech, order = served(api)
    other = api.register("technician")
    url = NOTE.format(order["id"])
    assert api.put(url, tech, json={"note": "只给自己看"}).status_code == 200
    r = api.get(url, other)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_order"
    assert api.put(url, other, json={"note": "x"}).status_code == 403
    assert api.get(url, customer).status_code == 403
    assert api.get(NOTE.format("ord_nope"), tech).status_code == 404
    assert api.get("/technician/follow-ups", customer).status_code == 403
