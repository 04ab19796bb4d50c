"""通知设置 through the API: one's own switches (customer and technician each their
groups), replaced whole and validated; essential groups refused; a muted channel or group
keeps a notice off it (a ``skipped`` delivery, reason ``muted``) while the inbox still
gets it; an essential notice goes through a muted channel all the same."""

from __future__ import annotations

from server.notifications import deliver
from tests.api.ops.helpers import onboard, pay, relogin
from tests.api.payment_steps import assign

PATH = "/me/notification-preferences"


def fresh(api, user) -> dict:  # noqa: ANN001
    return relogin(api, user, password=user.get("password", "correct horse"))


def operator(api) -> dict:  # noqa: ANN001
    return {**api.staff("operator"), "password": "staff password"}


def check(api, op) -> dict:  # noqa: ANN001
    r = api.post("/ops/notifications/check", fresh(api, op))
    assert r.status_code == 200, r.text
    return r.json()


def deliveries(api, op, user) -> list[dict]:  # noqa: ANN001
    params = {"user_id": user["user"]["id"]}
    r = api.get("/ops/notifications/deliveries", fresh(api, op), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def save(api, user, channels=(), groups=()):  # noqa: ANN001, ANN201
    body = {"muted_channels": list(channels), "muted_groups": list(groups)}
    return api.put(PATH, user, json=body)


def test_each_role_has_its_groups_and_essential_ones_are_locked(api) -> None:  # noqa: ANN001
    customer, tech = api.register("customer"), api.register("technician", "王师傅")
    r = api.get(PATH, customer)
    assert r.status_code == 200, r.text
    mine = r.json()
    assert [c["channel"] for c in mine["channels"] if c["on"]] == ["push", "sms", "email"]
    assert [g["group"] for g in mine["groups"] if not g["locked"]] == [
        "reminders",
        "visit_progress",
    ]
    assert mine["locked"] == ["payments", "invoices", "order_changes", "safety"]
    assert all(g["on"] for g in mine["groups"]) and mine["updated_at"] is None
    theirs = api.get(PATH, tech).json()
    assert [g["group"] for g in theirs["groups"] if not g["locked"]] == ["certificates"]
    assert theirs["locked"] == ["order_changes", "work_alerts", "safety"]


def test_a_setting_is_replaced_whole_and_is_ones_own(api) -> None:  # noqa: ANN001
    customer, other = api.register("customer"), api.register("customer", "邻居")
    r = save(api, customer, channels=["sms", "sms"], groups=["reminders"])
    assert r.status_code == 200, r.text
    saved = r.json()
    assert (saved["muted_channels"], saved["muted_groups"]) == (["sms"], ["reminders"])
    assert {c["channel"]: c["on"] for c in saved["channels"]} == {
        "push": True,
        "sms": False,
        "email": True,
    }
    assert saved["updated_at"] is not None
    assert api.get(PATH, customer).json()["muted_groups"] == ["reminders"]
    assert api.get(PATH, other).json()["muted_channels"] == []  # his own only
    r = save(api, customer, groups=["visit_progress"])  # whole: sms is on again
    assert (r.json()["muted_channels"], r.json()["muted_groups"]) == ([], ["visit_progress"])


def test_unknown_names_and_essential_groups_are_refused_and_nothing_is_saved(api) -> None:  # noqa: ANN001
    customer = api.register("customer")
    assert save(api, customer, channels=["sms"]).status_code == 200
    refusals = [
        (save(api, customer, channels=["fax"]), 422, "notice_channel_unknown"),
        (save(api, customer, groups=["promotions"]), 422, "notice_group_unknown"),
        (save(api, customer, groups=["certificates"]), 422, "notice_group_unknown"),  # a tech's
        (save(api, customer, groups=["reminders", "payments"]), 409, "notice_group_locked"),
        (save(api, customer, groups=["safety"]), 409, "notice_group_locked"),
    ]
    for r, status, code in refusals:
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code
    locked = save(api, customer, groups=["order_changes"]).json()["error"]["details"]
    assert locked == {
        "group": "order_changes",
        "locked": ["payments", "invoices", "order_changes", "safety"],
    }
    r = api.put(PATH, customer, json={"muted_channels": [], "muted_kinds": ["x"]})
    assert r.status_code == 422, r.text
    assert api.get(PATH, customer).json()["muted_channels"] == ["sms"]  # as it was


def test_a_muted_sms_reminder_is_skipped_while_the_inbox_gets_it(api) -> None:  # noqa: ANN001
    clock, op = api.app.state.clock, operator(api)
    customer, tech = api.register("customer"), onboard(api)
    assert save(api, customer, channels=["sms"]).status_code == 200
    order = api.order(customer, hours_ahead=26)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    clock.advance(hours=2)  # the day-before reminder: push and SMS by the rules
    assert check(api, op)["kinds"] == {"reminder.day_before": 1}
    [note] = [
        n
        for n in api.get("/me/notifications", fresh(api, customer)).json()
        if n["kind"] == "reminder.day_before"
    ]
    rows = {d["channel"]: d for d in deliveries(api, op, customer)}
    assert set(rows) == {"push", "sms"}
    assert (rows["sms"]["status"], rows["sms"]["error"]) == ("skipped", "muted")
    assert rows["sms"]["notification_id"] == note["id"]  # the inbox has it all the same
    assert rows["push"]["status"] == "pending"
    assert deliver.deliver_pending(api.app.state) == 1  # the push alone goes out
    assert {d["channel"]: d["status"] for d in deliveries(api, op, customer)} == {
        "push": "sandbox",
        "sms": "skipped",
    }


def test_a_muted_group_stays_off_every_channel_and_essential_notices_go_through(api) -> None:  # noqa: ANN001
    clock, op = api.app.state.clock, operator(api)
    customer, tech = api.register("customer"), onboard(api)
    r = save(api, fresh(api, customer), channels=["push"], groups=["reminders"])
    assert r.status_code == 200, r.text
    paid = api.order(customer, hours_ahead=26)
    pay(api, customer, paid["id"])
    assign(api, paid["id"], tech)
    api.order(fresh(api, customer), hours_ahead=30)  # left unpaid
    clock.advance(minutes=21)  # the unpaid booking lapses within 10 min
    assert check(api, op)["kinds"] == {"payment.lapsing": 1}
    clock.advance(hours=2)
    assert check(api, op)["kinds"] == {"reminder.day_before": 1}
    rows = deliveries(api, op, customer)
    lapsing = [d for d in rows if d["subject"].startswith("订单即将失效")]
    assert [(d["channel"], d["status"]) for d in lapsing] == [("push", "pending")]  # essential
    reminders = [d for d in rows if d["subject"].startswith("明天有预约")]
    assert sorted((d["channel"], d["status"], d["error"]) for d in reminders) == [
        ("push", "skipped", "muted"),
        ("sms", "skipped", "muted"),
    ]
    kinds = {n["kind"] for n in api.get("/me/notifications", fresh(api, customer)).json()}
    assert {"reminder.day_before", "payment.lapsing"} <= kinds  # the inbox has them all
