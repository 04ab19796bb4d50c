"""PDFs are filed after the reply: the request records that a document is due, the
filing job renders, stores and attaches it once, and the feed says it is ready."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import Session, select

from server.files import filing
from server.files.models import StoredFile
from server.orders import work_order
from server.orders.machine import Action
from server.realtime import visibility


def _accepted(api, move) -> tuple[dict, dict, str]:  # noqa: ANN001
    customer, tech = api.register("customer"), api.register("technician")
    oid = api.order(customer)["id"]
    move(oid, Action.PAYMENT_SUCCEEDED)
    move(oid, Action.ASSIGN, technician_id=tech["user"]["id"])
    return customer, tech, oid


def _confirm(api, customer, oid) -> dict:  # noqa: ANN001
    r = api.post(f"/orders/{oid}/work-order/confirm", customer, json={"signed_on": "customer_app"})
    assert r.status_code == 200, r.text
    return r.json()


def _documents(app) -> list[StoredFile]:  # noqa: ANN001
    with Session(app.state.engine) as session:
        return list(session.exec(select(StoredFile).where(StoredFile.kind == "document")).all())


def test_confirmation_replies_without_rendering(api, move, monkeypatch) -> None:  # noqa: ANN001
    def broken(**_: object) -> bytes:
        raise RuntimeError("the renderer is not called in the request")

    monkeypatch.setattr(work_order, "render_work_order_pdf", broken)
    customer, _, oid = _accepted(api, move)
    order = _confirm(api, customer, oid)
    assert order["work_order_confirmed_at"] and order["work_order_file_id"] is None


def test_the_job_files_once_and_the_parties_hear_of_it(api, feed, move, app) -> None:  # noqa: ANN001
    customer, tech, oid = _accepted(api, move)
    stranger = api.register("customer")
    with feed(customer) as fc, feed(tech) as ft, feed(stranger) as fs:
        _confirm(api, customer, oid)
        assert api.file_documents() == 1
        file_id = api.get(f"/orders/{oid}", customer).json()["work_order_file_id"]
        for connection in (fc, ft):
            documents = [m for m in connection.drain() if m["type"] == "document"]
            assert documents == [
                {
                    "type": "document",
                    "kind": "work_order",
                    "order_id": oid,
                    "file_id": file_id,
                    "customer_id": customer["user"]["id"],
                    "technician_id": tech["user"]["id"],
                }
            ]
        assert [m for m in fs.drain() if m["type"] == "document"] == []
    pdf = api.get(f"/files/{file_id}", customer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert api.file_documents() == 0  # nothing due any more
    assert len(_documents(app)) == 1


def test_a_second_renderer_loses_and_leaves_no_file(api, move, app) -> None:  # noqa: ANN001
    customer, _, oid = _accepted(api, move)
    _confirm(api, customer, oid)
    first, second = filing._find(app), filing._find(app)  # two workers saw it due
    assert len(first) == len(second) == 1
    winner = filing._keep(app, first[0], first[0].render())
    assert winner is not None
    assert filing._keep(app, second[0], second[0].render()) is None
    files = [p for p in Path(app.state.settings.files_dir).rglob("*.pdf")]
    assert [p.stem for p in files] == [winner]
    assert [row.id for row in _documents(app)] == [winner]


def test_a_failing_document_stays_due_and_the_others_are_filed(api, move, app, monkeypatch) -> None:  # noqa: ANN001
    customer, _, oid = _accepted(api, move)
    other_customer, _, other = _accepted(api, move)
    _confirm(api, customer, oid)
    _confirm(api, other_customer, other)
    real = work_order.render_work_order_pdf

    def fails_for_one(**kw: object) -> bytes:
        if kw["order"].id == oid:  # type: ignore[attr-defined]
            raise RuntimeError("font missing")
        return real(**kw)  # type: ignore[arg-type]

    monkeypatch.setattr(work_order, "render_work_order_pdf", fails_for_one)
    assert asyncio.run(filing.file_due_async(app)) == 1
    assert api.get(f"/orders/{other}", other_customer).json()["work_order_file_id"]
    assert api.get(f"/orders/{oid}", customer).json()["work_order_file_id"] is None
    monkeypatch.setattr(work_order, "render_work_order_pdf", real)
    assert api.file_documents() == 1  # left due, filed on a later pass


@pytest.mark.parametrize(
    ("role", "user", "kind", "watching", "seen"),
    [
        ("customer", "c1", "invoice", False, True),
        ("customer", "c2", "work_order", False, False),
        ("technician", "t1", "work_order", False, True),
        ("technician", "t1", "invoice", False, False),
        ("technician", "t2", "work_order", False, False),
        ("support", "s1", "invoice", True, True),
        ("support", "s1", "invoice", False, False),
        ("finance", "f1", "invoice", True, False),
    ],
)
def test_who_hears_of_a_document(role, user, kind, watching, seen) -> None:  # noqa: ANN001
    message = {"kind": kind, "customer_id": "c1", "technician_id": "t1"}
    assert (
        visibility.document_visible(
            user_id=user, role=role, message=message, staff_watching=watching
        )
        is seen
    )


def test_a_failing_finder_does_not_hold_up_the_others(api, move, app, monkeypatch) -> None:  # noqa: ANN001
    customer, _, oid = _accepted(api, move)
    _confirm(api, customer, oid)

    def broken(session, app):  # noqa: ANN001, ANN202
        raise RuntimeError("a finder that fails")

    monkeypatch.setattr(app.state, "document_finders", (broken, *app.state.document_finders))
    assert api.file_documents() == 1
    assert api.get(f"/orders/{oid}", customer).json()["work_order_file_id"]
