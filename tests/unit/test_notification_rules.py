"""Which notices are due at a moment: the pure rules of the notification centre."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from client.i18n import INBOX
from server.notifications import due
from server.notifications.rules import NotificationRules, TimedRule

START = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
RULES = NotificationRules()
TZ = "Asia/Shanghai"


def visit(status: str = "ACCEPTED", technician: str | None = "tech", **kw) -> due.Visit:
    return due.Visit(
        order_id=kw.pop("order_id", "ord1"),
        customer_id="cust",
        technician_id=technician,
        status=status,
        scheduled_start=START,
        created_at=kw.pop("created_at", START - timedelta(days=3)),
        service_name="日常保洁",
    )


def kinds_at(v: due.Visit, at: datetime, rules: NotificationRules = RULES) -> list[str]:
    return [n.kind for n in due.visit_notices(v, now=at, rules=rules, timezone=TZ)]


def test_nothing_is_due_two_days_ahead() -> None:
    assert kinds_at(visit(), START - timedelta(days=2)) == []


def test_the_day_before_reminder_holds_until_the_hour_before_one() -> None:
    assert kinds_at(visit(), START - timedelta(hours=24)) == [due.REMINDER_DAY]
    assert kinds_at(visit(), START - timedelta(hours=2)) == [due.REMINDER_DAY]
    assert kinds_at(visit(), START - timedelta(minutes=60)) == [due.REMINDER_HOUR]
    assert kinds_at(visit(), START - timedelta(minutes=1)) == [due.REMINDER_HOUR]


def test_a_booking_made_within_the_day_gets_no_day_before_reminder() -> None:
    late_booking = visit(created_at=START - timedelta(hours=5))
    assert kinds_at(late_booking, START - timedelta(hours=4)) == []
    assert kinds_at(late_booking, START - timedelta(minutes=30)) == [due.REMINDER_HOUR]


def test_an_unpaid_or_cancelled_visit_gets_no_reminder() -> None:
    for status in ("PENDING_PAYMENT", "CANCELLED", "COMPLETED"):
        assert kinds_at(visit(status=status), START - timedelta(hours=20)) == []


def test_not_departed_fifteen_minutes_after_the_start_tells_him_and_support() -> None:
    assert due.NOT_DEPARTED not in kinds_at(visit(), START + timedelta(minutes=14))
    notices = due.visit_notices(
        visit(), now=START + timedelta(minutes=15), rules=RULES, timezone=TZ
    )
    by_kind = {n.kind: n for n in notices}
    assert by_kind[due.NOT_DEPARTED].user_id == "tech"
    assert by_kind[due.NOT_DEPARTED].channels == ("push", "sms")
    assert by_kind[due.NOT_DEPARTED_ALERT].audience == "support"
    assert by_kind[due.NOT_DEPARTED_ALERT].user_id is None
    # on the way: departed, so no alert; still late for the customer
    assert kinds_at(visit(status="EN_ROUTE"), START + timedelta(minutes=20)) == [due.LATE]


def test_late_notice_for_the_customer_after_the_rule_minutes() -> None:
    assert due.LATE not in kinds_at(visit(status="EN_ROUTE"), START + timedelta(minutes=9))
    assert kinds_at(visit(status="EN_ROUTE"), START + timedelta(minutes=10)) == [due.LATE]
    assert kinds_at(visit(status="ARRIVED"), START + timedelta(minutes=30)) == []


def test_stale_visits_send_nothing() -> None:
    assert kinds_at(visit(), START + timedelta(hours=7)) == []


def test_keys_name_each_notice_once() -> None:
    a = due.visit_notices(visit(), now=START + timedelta(minutes=20), rules=RULES, timezone=TZ)
    b = due.visit_notices(visit(), now=START + timedelta(minutes=40), rules=RULES, timezone=TZ)
    assert [n.key for n in a] == [n.key for n in b]
    assert len({n.key for n in a}) == len(a)


def test_a_disabled_rule_sends_nothing() -> None:
    rules = NotificationRules(
        reminder_hour_before=TimedRule(minutes=60, enabled=False),
    )
    assert kinds_at(visit(), START - timedelta(minutes=30), rules) == []


def test_certificates_expiring_this_month_once_per_month() -> None:
    certs = [
        due.ExpiringCertificate("c1", "tech", "electrician", date(2026, 6, 30)),
        due.ExpiringCertificate("c2", "tech", "gas", date(2026, 7, 1)),
        due.ExpiringCertificate("c3", "tech", "old", date(2026, 6, 1)),
    ]
    notices = due.certificate_notices(certs, today=date(2026, 6, 10), rules=RULES)
    assert [n.data["certificate_id"] for n in notices] == ["c1"]
    assert notices[0].key == "certificate.expiring:c1:2026-06"


def test_payment_lapsing_within_the_warning() -> None:
    booking = due.UnpaidBooking("ord2", "cust", START, 19900)
    at = START + timedelta(minutes=19)
    assert due.payment_notices([booking], now=at, timeout_minutes=30, rules=RULES) == []
    at = START + timedelta(minutes=21)
    [notice] = due.payment_notices([booking], now=at, timeout_minutes=30, rules=RULES)
    assert notice.kind == due.PAYMENT and notice.body == "9 min"
    at = START + timedelta(minutes=30)
    assert due.payment_notices([booking], now=at, timeout_minutes=30, rules=RULES) == []


def test_invoice_goes_by_email_once_its_pdf_is_filed() -> None:
    ready = due.IssuedInvoice("inv1", "ord1", "cust", "DS1", "a@example.com", "fil1")
    no_pdf = due.IssuedInvoice("inv2", "ord2", "cust", "DS2", "a@example.com", None)
    no_mail = due.IssuedInvoice("inv3", "ord3", "cust", "DS3", None, "fil3")
    [notice] = due.invoice_notices([ready, no_pdf, no_mail], rules=RULES)
    assert notice.channels == ("email",) and notice.email == "a@example.com"
    assert notice.attachment_file_id == "fil1"


def test_the_rules_refuse_a_late_reminder_before_an_early_one() -> None:
    with pytest.raises(ValidationError):
        NotificationRules(reminder_day_before=TimedRule(minutes=30))
    with pytest.raises(ValidationError):
        TimedRule(minutes=10, channels=["sms", "sms"])


STARTED = START + timedelta(minutes=5)


def underway(status: str = "IN_SERVICE") -> due.Underway:
    return due.Underway(
        order_id="ord1",
        technician_id="tech",
        status=status,
        started_at=STARTED,
        booked=timedelta(hours=2),
        service_name="日常保洁",
    )


def overrun_at(at: datetime, v: due.Underway | None = None, rules=RULES) -> list[due.Notice]:  # noqa: ANN001
    return due.overrun_notices(v or underway(), now=at, rules=rules)


def test_an_overrun_waits_for_the_booked_duration_plus_the_margin() -> None:
    planned_end = STARTED + timedelta(hours=2)
    assert overrun_at(planned_end) == []
    assert overrun_at(planned_end + timedelta(minutes=29, seconds=59)) == []
    tech, alert = overrun_at(planned_end + timedelta(minutes=30))
    assert (tech.kind, tech.audience, tech.user_id) == (due.OVERRUN, "technician", "tech")
    assert tech.channels == ("push",)
    assert tech.title.startswith("服务已超出预计时长")
    assert tech.body == "日常保洁 · 超出 30 分钟 / 30 min over"
    assert tech.data["over_minutes"] == 30 and tech.data["order_id"] == "ord1"
    assert (alert.kind, alert.audience, alert.user_id) == (due.OVERRUN_ALERT, "support", None)
    assert alert.data["technician_id"] == "tech" and alert.channels == ()


def test_an_overrun_is_named_once_per_order() -> None:
    planned_end = STARTED + timedelta(hours=2)
    first = overrun_at(planned_end + timedelta(minutes=31))
    again = overrun_at(planned_end + timedelta(minutes=50))
    assert [n.key for n in first] == [n.key for n in again]
    assert [n.key for n in first] == [
        "technician.service_overrun:ord1",
        "support.service_overrun:ord1",
    ]


def test_a_finished_or_stale_visit_sends_no_overrun() -> None:
    late = STARTED + timedelta(hours=3)
    for status in ("AWAITING_CONFIRMATION", "COMPLETED", "CANCELLED"):
        assert overrun_at(late, underway(status)) == []
    assert (
        overrun_at(STARTED + timedelta(hours=2, minutes=30) + timedelta(hours=6, minutes=1)) == []
    )


def test_the_overrun_margin_is_a_validated_rule() -> None:
    at_once = NotificationRules.model_validate({"service_overrun": {"minutes": 0}})
    assert len(overrun_at(STARTED + timedelta(hours=2), rules=at_once)) == 2
    off = NotificationRules.model_validate({"service_overrun": {"enabled": False}})
    assert overrun_at(STARTED + timedelta(hours=4), rules=off) == []
    for minutes in (-1, 241):
        with pytest.raises(ValidationError):
            NotificationRules.model_validate({"service_overrun": {"minutes": minutes}})


def test_every_kind_has_words_in_both_apps() -> None:
    for kind in due.KINDS:
        assert set(INBOX[f"notice_kind.{kind}"]) == {"zh", "en"}, kind


def test_event_notices_carry_their_rules_window() -> None:
    """A departure is news for an hour, a request to move a visit for a day; the
    periodic reminders are judged at their moment (``stale_after_minutes``) instead."""
    then = START - timedelta(hours=3)
    notice = due.departed_notice(
        order_id="ord1", customer_id="cust", technician_name="李师傅", rules=RULES, occurred_at=then
    )
    assert notice is not None and (notice.occurred_at, notice.max_age_minutes) == (then, 60)
    assert RULES.delay_requested.max_age_minutes == 24 * 60
    reminders = due.visit_notices(
        visit(), now=START - timedelta(minutes=30), rules=RULES, timezone=TZ
    )
    assert reminders and all(n.max_age_minutes is None for n in reminders)
    with pytest.raises(ValidationError):
        NotificationRules.model_validate({"technician_departed": {"max_age_minutes": 0}})
