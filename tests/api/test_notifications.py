"""The notification centre through the API: reminders due at their moment and sent once,
the not-departed and overrun alerts, the departure notice, the inbox's reads, the rules' validation,
the outside channels' sandbox record, and the invoice by e-mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from server.notifications import deliver
from server.notifications.channels import SmtpConfig, SmtpEmail
from tests.api.ops.helpers import complete, onboard, pay, relogin
from tests.api.payment_steps import assign


def fresh(api, user) -> dict:  # noqa: ANN001
    """Signed in again (the clock moves past the access tokens' life)."""
    return relogin(api, user, password=user.get("password", "correct horse"))


def staff(api, role: str) -> dict:  # noqa: ANN001
    return {**api.staff(role), "password": "staff password"}


def check(api, operator) -> dict:  # noqa: ANN001
    r = api.post("/ops/notifications/check", fresh(api, operator))
    assert r.status_code == 200, r.text
    return r.json()


def inbox(api, user) -> list[dict]:  # noqa: ANN001
    r = api.get("/me/notifications", fresh(api, user))
    assert r.status_code == 200, r.text
    return r.json()


def test_reminders_come_at_their_moment_once_and_support_hears_of_a_late_start(api) -> None:  # noqa: ANN001
    clock = api.app.state.clock
    operator, support = staff(api, "operator"), staff(api, "support")
    customer, tech = api.register("customer"), onboard(api)
    order = api.order(customer, hours_ahead=26)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    assert check(api, operator) == {"sent": 0, "kinds": {}}

    clock.advance(hours=2)  # the visit is 24 h away
    assert check(api, operator)["kinds"] == {"reminder.day_before": 1}
    assert check(api, operator)["sent"] == 0  # twice is once

    clock.advance(hours=23, minutes=30)  # 30 min to go
    assert check(api, operator)["kinds"] == {"reminder.hour_before": 1}

    clock.advance(minutes=45)  # 15 min past the start, not on the way
    assert check(api, operator)["kinds"] == {
        "technician.not_departed": 1,
        "support.not_departed": 1,
        "technician.late": 1,
    }
    assert check(api, operator)["sent"] == 0

    kinds = [n["kind"] for n in inbox(api, customer)]
    assert kinds == ["technician.late", "reminder.hour_before", "reminder.day_before"]
    assert [n["kind"] for n in inbox(api, tech)][:1] == ["technician.not_departed"]
    [alert] = [n for n in inbox(api, support) if n["kind"] == "support.not_departed"]
    assert alert["data"]["order_id"] == order["id"]
    assert alert["data"]["technician_id"] == tech["user"]["id"]
    assert [n["kind"] for n in inbox(api, operator)] == []  # support's, not every staff's

    # the outside channels: the sandbox records what it would have sent
    assert deliver.deliver_pending(api.app.state) > 0
    r = api.get("/ops/notifications/deliveries", fresh(api, operator), params={"channel": "sms"})
    assert r.status_code == 200, r.text
    sms = r.json()
    assert {d["status"] for d in sms} == {"sandbox"}
    assert {d["user_id"] for d in sms} == {customer["user"]["id"], tech["user"]["id"]}
    assert all("*" in d["recipient"] for d in sms)  # masked
    assert deliver.deliver_pending(api.app.state) == 0  # each once


def test_the_customer_hears_when_the_technician_sets_off(api) -> None:  # noqa: ANN001
    customer, tech = api.register("customer"), onboard(api, "李师傅")
    order = api.order(customer)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    assert api.post(f"/orders/{order['id']}/depart", tech, json={}).status_code == 200
    [note] = [n for n in inbox(api, customer) if n["kind"] == "technician.departed"]
    assert note["data"] == {"order_id": order["id"]}
    assert note["body"] == "李师傅"


def test_a_departure_replayed_past_its_rules_window_is_skipped_and_recorded(api) -> None:  # noqa: ANN001
    """An offline queue reaching the server late: a departure 30 min old is still news, one
    two hours old (past ``technician_departed.max_age_minutes``, 60) tells nobody; its
    inbox and push deliveries are recorded ``skipped`` with the reason."""
    clock, operator = api.app.state.clock, staff(api, "operator")
    customer, tech = api.register("customer"), onboard(api, "李师傅")
    orders = [api.order(customer) for _ in range(2)]
    for order in orders:
        pay(api, customer, order["id"])
        assign(api, order["id"], tech)
    clock.advance(hours=2)
    for order, minutes in zip(orders, (30, 120), strict=True):
        then = clock.now() - timedelta(minutes=minutes)
        body = {"occurred_at": then.isoformat()}
        r = api.post(f"/orders/{order['id']}/depart", fresh(api, tech), json=body)
        assert r.status_code == 200, r.text
    told = [n for n in inbox(api, customer) if n["kind"] == "technician.departed"]
    assert [n["data"]["order_id"] for n in told] == [orders[0]["id"]]
    params = {"status": "skipped", "user_id": customer["user"]["id"]}
    r = api.get("/ops/notifications/deliveries", fresh(api, operator), params=params)
    assert r.status_code == 200, r.text
    skipped = r.json()
    assert sorted(d["channel"] for d in skipped) == ["inbox", "push"]
    for row in skipped:
        assert row["subject"].startswith("师傅已出发") and row["notification_id"] == ""
        assert row["error"] == "the event was 120 min old, past the rule's 60 min"
    assert deliver.deliver_pending(api.app.state) == 1  # the fresh one's push alone


def test_the_inbox_is_each_users_own(api) -> None:  # noqa: ANN001
    a, b = api.register("customer"), api.register("customer")
    tech = onboard(api)
    order = api.order(a)
    pay(api, a, order["id"])
    assign(api, order["id"], tech)
    assert api.post(f"/orders/{order['id']}/depart", tech, json={}).status_code == 200
    [note] = inbox(api, a)
    assert inbox(api, b) == []
    assert api.get("/me/notifications/unread", a).json() == {"unread": 1}
    r = api.post(f"/me/notifications/{note['id']}/read", b)
    assert r.status_code == 404 and r.json()["error"]["code"] == "notification_not_found"
    assert api.post("/me/notifications/read-all", b).json() == {"unread": 0}
    assert api.get("/me/notifications/unread", a).json() == {"unread": 1}
    assert api.post("/me/notifications/read-all", a).json() == {"unread": 0}
    assert inbox(api, a)[0]["read_at"] is not None
    # the channels' record and running the checks are the operators'
    assert api.get("/ops/notifications/deliveries", a).status_code == 403
    assert api.post("/ops/notifications/check", a).status_code == 403
    assert api.post("/ops/notifications/check", staff(api, "support")).status_code == 403


@pytest.mark.parametrize(
    "section",
    [
        {"reminder_day_before": {"minutes": 30}},  # after the hour-before one
        {"reminder_hour_before": {"channels": ["fax"]}},
        {"not_departed": {"minutes": 0}},
        {"technician_late": {"channels": ["sms", "sms"]}},
        {"invoice_email": {"channels": ["push"]}},
        {"reminder_day_before": {"minute": 30}},  # misspelt
        {"service_overrun": {"minutes": 241}},  # 0 to 240
        {"service_overrun": {"minutes": -1}},
    ],
)
def test_notification_rules_are_validated(api, section) -> None:  # noqa: ANN001
    operator = staff(api, "operator")
    r = api.put("/ops/settings", operator, json={"rules": {"notifications": section}})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "rules_invalid"


def test_operators_change_the_rules_and_the_checks_follow(api) -> None:  # noqa: ANN001
    clock = api.app.state.clock
    operator, customer, tech = staff(api, "operator"), api.register("customer"), onboard(api)
    r = api.get("/ops/settings", operator)
    assert r.json()["rules"]["notifications"]["not_departed"]["minutes"] == 15
    change = {"reminder_hour_before": {"minutes": 120, "channels": []}}
    r = api.put("/ops/settings", operator, json={"rules": {"notifications": change}})
    assert r.status_code == 200, r.text
    order = api.order(customer, hours_ahead=3)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    clock.advance(minutes=59)
    assert check(api, operator)["sent"] == 0
    clock.advance(minutes=2)  # 119 min to go
    assert check(api, operator)["kinds"] == {"reminder.hour_before": 1}
    assert deliver.deliver_pending(api.app.state) == 0  # no outside channel asked


def test_a_visit_running_over_tells_the_technician_and_support_once(api) -> None:  # noqa: ANN001
    clock = api.app.state.clock
    operator, support = staff(api, "operator"), staff(api, "support")
    customer, tech = api.register("customer"), onboard(api)
    order = api.order(customer)
    oid = order["id"]
    pay(api, customer, oid)
    assign(api, oid, tech)
    assert api.post(f"/orders/{oid}/depart", tech, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/arrive", tech, json={"lat": 39.9335, "lng": 116.4541})
    assert r.status_code == 200, r.text
    assert api.post(f"/orders/{oid}/work-order/confirm", customer, json={}).status_code == 200
    r = api.post(f"/orders/{oid}/start", tech, json={})
    assert r.status_code == 200 and r.json()["status"] == "IN_SERVICE", r.text
    booked = datetime.fromisoformat(order["scheduled_end"]) - datetime.fromisoformat(
        order["scheduled_start"]
    )
    assert check(api, operator)["sent"] == 0

    clock.advance(seconds=(booked + timedelta(minutes=29)).total_seconds())
    assert check(api, operator)["sent"] == 0  # within the 30-minute margin
    clock.advance(minutes=2)
    assert check(api, operator)["kinds"] == {
        "technician.service_overrun": 1,
        "support.service_overrun": 1,
    }
    clock.advance(minutes=20)
    assert check(api, operator)["sent"] == 0  # once per order

    [note] = [n for n in inbox(api, tech) if n["kind"] == "technician.service_overrun"]
    assert note["title"].startswith("服务已超出预计时长")
    assert "超出 31 分钟" in note["body"] and "31 min over" in note["body"]
    assert note["data"]["order_id"] == oid
    [alert] = [n for n in inbox(api, support) if n["kind"] == "support.service_overrun"]
    assert alert["data"]["technician_id"] == tech["user"]["id"]
    assert all(n["kind"] != "technician.service_overrun" for n in inbox(api, customer))


def test_a_payment_about_to_lapse_is_pointed_out(api) -> None:  # noqa: ANN001
    operator, customer = staff(api, "operator"), api.register("customer")
    order = api.order(customer)
    api.app.state.clock.advance(minutes=21)  # 30-minute window, warned 10 minutes ahead
    assert check(api, operator)["kinds"] == {"payment.lapsing": 1}
    [note] = inbox(api, customer)
    assert note["data"]["order_id"] == order["id"]


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[int, list]]:
    import email
    import socket

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
            received.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_the_invoice_goes_to_the_customers_email(api, smtp_inbox) -> None:  # noqa: ANN001
    port, received = smtp_inbox
    api.app.state.channels.email = SmtpEmail(
        SmtpConfig(host="127.0.0.1", port=port, security="none")
    )
    operator, customer, tech = staff(api, "operator"), api.register("customer"), onboard(api)
    order = complete(api, customer, tech)
    body = {"title": "张女士", "email": "zhang@example.com"}
    r = api.post(f"/orders/{order['id']}/invoice", fresh(api, customer), json=body)
    assert r.status_code in (200, 201), r.text
    assert check(api, operator)["sent"] == 0  # its PDF is not filed yet
    api.file_documents()
    assert check(api, operator)["kinds"] == {"invoice.emailed": 1}
    deliver.deliver_pending(api.app.state)
    [(to, message)] = received
    assert to == ["zhang@example.com"]
    [pdf] = [p for p in message.walk() if p.get_filename()]
    assert pdf.get_filename().startswith("DS") and pdf.get_filename().endswith(".pdf")
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
    [row] = api.get(
        "/ops/notifications/deliveries", fresh(api, operator), params={"channel": "email"}
    ).json()
    assert (row["status"], row["provider"], row["recipient"]) == (
        "sent",
        "smtp",
        "zhang@example.com",
    )
    assert check(api, operator)["sent"] == 0
    assert deliver.deliver_pending(api.app.state) == 0
