"""What the customer's order page says about money and progress: the order's worth now
(extras on their own lines, the server's ``order_value``), dispatch churn as one line,
and words, never codes, for every event the server can put on the timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flet as ft

from client.models import OrderEventRead
from customer_app.i18n import LANGS, MATCHING_EVENT, TEXTS, event_key, event_label, money
from customer_app.model import MATCHING, customer_timeline, order_bill
from customer_app.state import CustomerState
from server.orders import machine
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import PNG, wait_for
from tests.apps.customer.test_order_page_and_slots import (
    _controls,
    customer_read,
    window_cleaning_in_service,
)

SERVER = Path(__file__).resolve().parents[3] / "server"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def event(seq: int, kind: str, minutes: int = 0) -> OrderEventRead:
    at = T0 + timedelta(minutes=minutes)
    return OrderEventRead(
        order_id="o",
        seq=seq,
        type=kind,
        actor_id=None,
        actor_role="system",
        occurred_at=at,
        received_at=at,
        payload={},
    )


def texts(root: object) -> list[str]:
    return [str(c.value) for c in _controls(root) if isinstance(c, ft.Text)]


def test_dispatch_churn_reads_as_one_line_until_a_technician_accepts() -> None:
    churn = ["order.offered", "order.offer_declined", "order.offered", "order.offer_timed_out"]
    events = [event(1, "order.created"), event(2, "order.paid")]
    events += [event(3 + i, kind, i) for i, kind in enumerate(churn * 3)]
    events.append(event(20, "order.accepted", 30))
    timeline = customer_timeline(events)
    assert [e.type for e in timeline] == [
        "order.created",
        "order.paid",
        MATCHING,
        "order.accepted",
    ]
    assert timeline[2].seq == 3 and timeline[2].occurred_at == T0  # when matching began
    assert event_label("zh", MATCHING_EVENT) == "正在为您匹配师傅…"
    # a transfer sends the order back to matching: a new run, a new line
    again = [*events, event(21, "order.transferred"), event(22, "order.offered")]
    assert [e.type for e in customer_timeline(again)][-2:] == ["order.transferred", MATCHING]


def emitted_event_types() -> set[str]:
    """Every event type the server writes to an order's timeline: the order machine's
    moves, and each ``event_type=`` / ``EventSpec(`` literal in the server's code (the
    change request's answer is ``order.change_{approved|rejected}``, a request to move
    the visit that ends it with the technician ``order.delay_{declined|expired}``)."""
    found = set(machine.EVENT_TYPES.values())
    pattern = re.compile(r"(?:event_type=|EventSpec\()\s*\"([a-z_]+\.[a-z_]+)\"")
    conditional = re.compile(r"\"(dispatch\.[a-z_]+)\" if")
    for path in SERVER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(pattern.findall(text)) | set(conditional.findall(text))
        if 'f"order.change_{status}"' in text:
            found |= {"order.change_approved", "order.change_rejected"}
        if 'f"order.delay_{outcome}"' in text:
            found |= {"order.delay_declined", "order.delay_expired"}
    return found


def test_every_event_the_server_emits_has_words_in_both_languages() -> None:
    emitted = emitted_event_types()
    assert {"order.created", "order.sop_step_done", "dispatch.unplaced"} <= emitted
    missing = sorted(kind for kind in emitted if event_key(kind) not in TEXTS)
    assert missing == []
    for kind in emitted:
        assert all(TEXTS[event_key(kind)].get(lang) for lang in LANGS), kind
        assert event_label("zh", kind) != "订单更新"


def test_the_bill_is_the_servers_order_value_with_each_extra_on_its_line() -> None:
    order = customer_read("IN_SERVICE").model_copy(
        update={"total": 10000, "extras_total": 4000, "order_value": 14000, "amount_due": 0}
    )
    bill = order_bill(order, [])
    assert (bill.booked, bill.value, bill.extras_paid, bill.due) == (10000, 14000, 4000, 0)
    unpaid = order.model_copy(update={"amount_due": 4000})
    assert (order_bill(unpaid, []).extras_paid, order_bill(unpaid, []).due) == (0, 4000)


async def test_after_paying_an_extra_the_order_says_what_it_is_worth_now(
    state: CustomerState, server: LiveServer
) -> None:
    from customer_app.views.order import order_view

    oid, tech = await window_cleaning_in_service(state, server, "周师傅")
    booked = state.visit.order.total
    r = server.call(
        "POST",
        "/files",
        tech,
        files={"file": ("a.png", PNG, "image/png")},
        data={"kind": "photo", "order_id": oid},
    )
    items = [
        {"code": "large_pane", "quantity": 1, "reason": "落地窗", "photo_file_id": r.json()["id"]}
    ]
    r = server.call("POST", f"/orders/{oid}/change-requests", tech, json={"items": items})
    assert r.status_code == 201, r.text
    await wait_for(lambda: len(state.pending_change_items()) == 1)
    (cr_id, item) = state.pending_change_items()[0]
    assert await state.decide_change_item(cr_id, item.id, True), state.session.error
    assert state.amount_to_pay() == item.amount
    assert await state.approve_sandbox_payment(), state.session.error
    await wait_for(lambda: state.visit.order.amount_due == 0)

    worth = booked + item.amount
    assert state.visit.order.order_value == worth
    view = order_view(state)
    shown = texts(view)
    (total,) = [c for c in _controls(view) if getattr(c, "identifier", None) == "order-total"]
    assert total.label == f"合计 {money(worth)}"  # not the booked price
    assert f"加项：{item.name} × 1" in shown and "large_pane" not in " ".join(shown)
    assert "加项已支付" in shown
    assert not any(s.startswith("订单号") or oid in s for s in shown)
    # the technician reads the same figure as the order's amount
    tech_read = server.call("GET", f"/orders/{oid}", tech).json()
    assert tech_read["order_value"] == worth
