"""Privacy: nothing in clear at rest after a full flow, key rotation, virtual numbers,
masked phones, exact address only from acceptance to 72 h after completion."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from server.auth.models import User
from server.core.crypto import FieldCipher
from server.core.idempotency import IdempotencyRecord
from server.orders import service as orders_service
from server.orders.machine import Action
from server.privacy import service as privacy_service
from tests.api.ops.helpers import SYSTEM, assign, complete, pay, photo, relogin, walk_to_finished
from tests.conftest import PG_URL
from tests.unit_of_work import unit_of_work

ADDRESS = "朝阳区三里屯路19号院3号楼2单元501"
NOTES = "门禁密码 4321# 请敲门三下"
CHAT = "暗号是红色玫瑰"
DOOR_MARK = b"DOORPHOTO-7731"
DOOR_PHOTO = b"\x89PNG\r\n\x1a\n" + DOOR_MARK * 40
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs DOORSTEP_TEST_DATABASE_URL")


def _idempotency_key_on_every_post(api) -> None:  # noqa: ANN001
    """As the shared client does: stored replies (tokens, addresses) are data at rest too."""

    def add_key(request) -> None:  # noqa: ANN001
        if request.method == "POST":
            request.headers["Idempotency-Key"] = uuid.uuid4().hex

    api.client.event_hooks["request"].append(add_key)


@pytest.mark.parametrize("db_kind", ["sqlite", pytest.param("postgresql", marks=needs_pg)])
def test_no_plaintext_address_or_phone_at_rest_after_a_full_flow(api, db_kind):
    _idempotency_key_on_every_post(api)
    customer, tech = api.register("customer", "吴女士"), api.register("technician", "郑师傅")
    support = api.staff("support")
    order = walk_to_finished(api, customer, tech)
    oid = order["id"]
    r = api.post(
        f"/orders/{oid}/messages",
        customer,
        json={"text": f"我的电话 {customer['phone']},门牌 {ADDRESS},{CHAT}"},
    )
    assert r.status_code == 201, r.text
    quote = api.quote(customer)
    r = api.post("/orders", customer, json={"quote_id": quote["quote_id"], "notes": NOTES})
    assert r.status_code == 201 and r.json()["notes"] == NOTES, r.text
    r = api.post("/technician/location", tech, json={"lat": 39.9391234, "lng": 116.4512345})
    assert r.status_code == 200, r.text  # a trail point, and the last position
    r = api.post(
        "/files",
        customer,
        files={"file": ("door.png", DOOR_PHOTO, "image/png")},
        data={"kind": "photo", "order_id": oid},
    )
    assert r.status_code == 201, r.text
    api.post(f"/orders/{oid}/messages", tech, json={"text": f"好的,打我 {tech['phone']}"})
    r = api.post(
        f"/orders/{oid}/complaints",
        customer,
        json={
            "category": "damage",
            "text": f"地址 {ADDRESS} 的花瓶碎了,联系 {customer['phone']}",
            "photo_file_ids": [photo(api, customer, oid)],
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    api.post(f"/technician/complaints/{cid}/answer", tech, json={"text": f"请打 {tech['phone']}"})
    assert api.get(f"/orders/{oid}/contact", customer).status_code == 200
    api.post(
        "/sos",
        customer,
        json={"lat": 39.9334, "lng": 116.4540, "order_id": oid, "note": ADDRESS[:3]},
    )
    redo_start = api.app.state.clock.now() + timedelta(days=1)
    r = api.post(
        f"/ops/complaints/{cid}/resolve",
        support,
        json={"outcome": "redo", "note": "安排返工", "redo_start": redo_start.isoformat()},
    )
    assert r.status_code == 200, r.text
    r = api.post(
        f"/orders/{oid}/reviews",
        customer,
        json={
            "response": 3,
            "skill": 3,
            "attitude": 4,
            "care": 1,
            "text": f"加我 {customer['phone']}",
        },
    )
    assert r.status_code == 201, r.text
    assert customer["phone"] not in r.json()["text"]

    # the technician sees the complaint with contact details masked; support sees it whole
    seen = api.get("/technician/complaints", tech).json()[0]["text"]
    assert customer["phone"] not in seen and ADDRESS[:6] in seen
    assert customer["phone"] in api.get(f"/ops/complaints/{cid}", support).json()["text"]

    with Session(api.app.state.engine) as s:  # the replies above were kept (to replay them)
        assert s.exec(select(IdempotencyRecord)).first() is not None
    needles = [
        customer["phone"],
        tech["phone"],
        ADDRESS,
        ADDRESS[:8],
        NOTES,
        CHAT,
        customer["access_token"],
        customer["refresh_token"],
    ]
    engine = api.app.state.engine
    hits = privacy_service.scan_plaintext(engine=engine, needles=needles)
    assert hits == [], hits
    # positions in clear are to the block at most: the exact ones are encrypted
    with engine.connect() as conn:
        for table, columns in (
            ("service_order", "lat, lng"),
            ("quote", "lat, lng"),
            ("technician_profile", "last_lat, last_lng"),
        ):
            for row in conn.exec_driver_sql(f"SELECT {columns} FROM {table}"):
                assert all(v is None or v == round(v, 3) for v in row), (table, row)
    for table in ("technician_location", "ops_alert"):  # no position column at all
        names = {c["name"] for c in inspect(engine).get_columns(table)}
        assert not names & {"lat", "lng"}, (table, names)
    raw = needles + [DOOR_MARK.decode()]
    files = [p for p in api.app.state.settings.files_dir.rglob("*") if p.is_file()]
    assert len(files) >= 3  # the photos and the document: sealed, every one
    assert [p.name for p in files if any(n.encode() in p.read_bytes() for n in raw)] == []
    if db_kind == "sqlite":  # the file itself, free pages and the write-ahead log included
        engine.dispose()  # the last connection to close checkpoints the log into the file
        database = Path(engine.url.database)
        stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert [n for n in raw if n.encode() in stored] == []


def test_key_rotation_re_encrypts_every_column(api, settings):
    customer, tech = api.register("customer"), api.register("technician")
    order = walk_to_finished(api, customer, tech)
    api.post(
        f"/orders/{order['id']}/complaints",
        customer,
        json={"category": "quality", "text": "x 13912345678"},
    )
    engine = api.app.state.engine
    old_key = hashlib.sha256(("enc:" + settings.secret_key).encode()).digest()
    new_key = os.urandom(32)
    keys = ",".join(base64.urlsafe_b64encode(k).decode().rstrip("=") for k in (new_key, old_key))
    rotated = FieldCipher.from_settings(keys, settings.secret_key)
    counts = privacy_service.rotate_keys(engine=engine, cipher=rotated)
    assert counts["app_user.phone_enc"] >= 2 and counts["service_order.address_enc"] == 1
    assert counts["complaint.text_enc"] == 1
    assert set(privacy_service.rotate_keys(engine=engine, cipher=rotated).values()) == {
        0
    }  # idempotent
    only_new = FieldCipher([new_key], index_key=b"unused")
    for table_name, column_name in privacy_service.encrypted_columns():
        column = SQLModel.metadata.tables[table_name].columns[column_name]
        with engine.connect() as conn:
            for (token,) in conn.execute(sa_select(column).where(column.is_not(None))):
                assert not only_new.needs_rotation(token)
                only_new.decrypt(token)
    with Session(engine) as s:
        user = s.get(User, customer["user"]["id"])
        assert only_new.decrypt(user.phone_enc) == customer["phone"]


def test_virtual_number_per_order_and_unbinding(api, clock):
    customer, tech, stranger = (
        api.register("customer"),
        api.register("technician"),
        api.register("customer"),
    )
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    r = api.get(f"/orders/{oid}/contact", customer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "contact_not_yet"
    assign(api, oid, tech)
    mine = api.get(f"/orders/{oid}/contact", customer).json()
    theirs = api.get(f"/orders/{oid}/contact", tech).json()
    assert mine["virtual_number"] == theirs["virtual_number"]
    assert mine["virtual_number"] not in (customer["phone"], tech["phone"])
    assert mine["counterpart_role"] == "technician" and "*" in mine["counterpart_phone_masked"]
    assert (
        theirs["counterpart_phone_masked"]
        == customer["phone"][:3] + "****" + customer["phone"][-4:]
    )
    assert api.get(f"/orders/{oid}/contact", stranger).status_code == 404
    # a second order gets another number from the pool
    other = complete(api, customer, tech)
    assert (
        api.get(f"/orders/{other['id']}/contact", customer).json()["virtual_number"]
        != mine["virtual_number"]
    )

    clock.advance(hours=73)
    customer = relogin(api, customer)
    r = api.get(f"/orders/{other['id']}/contact", customer)
    assert r.status_code == 410 and r.json()["error"]["code"] == "contact_expired"
    with unit_of_work(api.app) as uow:
        assert privacy_service.unbind_expired(uow) == []  # the read above unbound it
    # the first order is still in progress: its number stays
    assert (
        api.get(f"/orders/{oid}/contact", customer).json()["virtual_number"]
        == mine["virtual_number"]
    )


def test_unbind_sweep_after_72_hours(api, clock):
    customer, tech = api.register("customer"), api.register("technician")
    done = complete(api, customer, tech)
    assert api.get(f"/orders/{done['id']}/contact", tech).status_code == 200
    clock.advance(hours=71)
    with unit_of_work(api.app) as uow:
        assert privacy_service.unbind_expired(uow) == []
    clock.advance(hours=2)
    with unit_of_work(api.app) as uow:
        assert len(privacy_service.unbind_expired(uow)) == 1


def test_exact_address_only_from_acceptance_to_72_hours_after(api, clock):
    customer, tech, offered = (
        api.register("customer"),
        api.register("technician"),
        api.register("technician"),
    )
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=oid,
            action=Action.OFFER,
            actor=SYSTEM,
            technician_id=offered["user"]["id"],
        )
    view = api.get(f"/orders/{oid}", offered).json()
    assert view["address_visible"] is False and ADDRESS not in view["address"]
    with unit_of_work(api.app) as uow:
        orders_service.move(
            uow,
            order_id=oid,
            action=Action.DECLINE,
            actor=orders_service.actor_for(uow.session.get(User, offered["user"]["id"])),
        )
    assign(api, oid, tech)
    view = api.get(f"/orders/{oid}", tech).json()
    assert view["address_visible"] is True and view["address"] == ADDRESS
    finance = api.staff("finance")
    with unit_of_work(api.app) as uow:
        o = orders_service.get(uow, order_id=oid)
        assert (
            orders_service.address_visible_to(
                o, uow.session.get(User, finance["user"]["id"]), clock.now()
            )
            is False
        )
    done = complete(api, customer, tech)
    clock.advance(hours=71)
    tech = relogin(api, tech)
    assert api.get(f"/orders/{done['id']}", tech).json()["address"] == ADDRESS
    clock.advance(hours=2)
    tech = relogin(api, tech)
    view = api.get(f"/orders/{done['id']}", tech).json()
    assert view["address_visible"] is False and ADDRESS not in view["address"]


def test_order_files_follow_the_address_rule(api, clock):
    """The work-order PDF prints the exact address: finance never reads it, the technician
    only until 72 h after completion, other technicians never."""
    customer, tech = api.register("customer"), api.register("technician")
    other = api.register("technician")
    support, finance = api.staff("support"), api.staff("finance")
    done = complete(api, customer, tech)
    assert done["work_order_file_id"] is None  # confirmed; the PDF follows the reply
    assert api.file_documents() == 1
    pdf = api.get(f"/orders/{done['id']}", customer).json()["work_order_file_id"]
    assert pdf
    readers = ((customer, 200), (support, 200), (tech, 200), (finance, 404), (other, 404))
    for user, status in readers:
        assert api.get(f"/files/{pdf}", user).status_code == status, user["user"]["role"]
    clock.advance(hours=71)
    tech = relogin(api, tech)
    assert api.get(f"/files/{pdf}", tech).status_code == 200
    clock.advance(hours=2)
    tech, customer = relogin(api, tech), relogin(api, customer)
    assert api.get(f"/files/{pdf}", tech).status_code == 404
    assert api.get(f"/files/{pdf}", customer).status_code == 200
