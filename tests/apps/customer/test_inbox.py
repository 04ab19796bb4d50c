"""The customer's inbox in the app's state: a notice pushed on the live feed joins the
list at once, unread; one marked read (or all) stays read on the server."""

from __future__ import annotations

from client.notices import notice_route
from customer_app.state import CustomerState
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import book, signed_in, wait_for


async def test_a_pushed_notice_joins_the_inbox_and_is_read(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    await state.open_inbox()
    assert (
        state.session.route == "/inbox"
        and state.support.notices == []
        and state.support.unread_notices == 0
    )
    order = await book(state, "svc_daily_cleaning")
    await state.open_inbox()
    tech = server.register("technician", "赵师傅")
    server.move(order.id, "assign", technician_id=tech["user"]["id"])
    r = server.call("POST", f"/orders/{order.id}/depart", tech, json={})
    assert r.status_code == 200, r.text
    await wait_for(lambda: [n.kind for n in state.support.notices] == ["technician.departed"])
    assert state.support.unread_notices == 1
    note = state.support.notices[0]
    assert note.data == {"order_id": order.id} and note.body == "赵师傅"
    await state.open_notice(note.id)  # the tap: read, and its order opened
    assert state.support.notices[0].read_at is not None and state.support.unread_notices == 0
    assert state.session.route == f"/order/{order.id}" and state.visit.order.id == order.id
    state.back()
    assert state.session.route == "/inbox"
    await state.load_me()
    assert state.support.unread_notices == 0
    # pushed twice (a resumed feed): listed once
    state._on_notification({"notification": note.model_dump(mode="json")})
    assert len(state.support.notices) == 1
    await state.read_all_notices()
    assert state.support.unread_notices == 0


def test_a_notice_opens_the_screen_it_is_about() -> None:
    assert notice_route({"route": "/family", "invitation_id": "fin_1"}) == "/family"
    assert notice_route({"order_id": "ord_1"}) == "/order/ord_1"
    assert notice_route({}) is None  # only news
    assert notice_route({"route": "//evil.example"}) is None  # never off the app
    assert notice_route({"route": "https://evil.example"}) is None
