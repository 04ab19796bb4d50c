"""The pure rules of moving a visit (改约): when the technician may ask, which new times
he may propose, until when the customer may answer, and what each side is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from client.i18n import INBOX
from server.notifications import delay_notices
from server.notifications.rules import NotificationRules
from server.orders import delay_rules
from server.orders.delay_rules import Busy, DelayPolicy, DelayRefused
from server.rules.orders import OrderRules

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
START = NOW + timedelta(hours=6)
END = START + timedelta(hours=2)
POLICY = DelayPolicy()


def check(proposed: datetime, **facts: object) -> delay_rules.Proposal:
    values: dict[str, object] = {
        "status": "ACCEPTED",
        "start": START,
        "end": END,
        "proposed_start": proposed,
        "now": NOW,
        "pending": False,
        "calendar": (),
        "policy": POLICY,
    }
    values.update(facts)
    return delay_rules.check_request(**values)  # type: ignore[arg-type]


def refusal(proposed: datetime, **facts: object) -> tuple[str, int]:
    with pytest.raises(DelayRefused) as caught:
        check(proposed, **facts)
    return caught.value.code, caught.value.status


def test_a_proposal_keeps_the_length_and_is_answered_an_hour_ahead():
    proposal = check(START + timedelta(hours=3))
    assert proposal.start == START + timedelta(hours=3)
    assert proposal.end - proposal.start == END - START
    assert proposal.expires_at == START - timedelta(hours=1)
    earlier = check(NOW + timedelta(hours=1))  # earlier is a move too, past the lead time
    assert earlier.end == NOW + timedelta(hours=3)


def test_two_hours_notice_to_the_minute():
    assert check(START + timedelta(hours=1), now=START - timedelta(hours=2)).start
    assert refusal(START + timedelta(hours=1), now=START - timedelta(minutes=119)) == (
        "delay_notice_too_short",
        409,
    )
    assert delay_rules.notice_open(
        status="ACCEPTED", start=START, now=START - timedelta(hours=2), policy=POLICY
    )
    assert not delay_rules.notice_open(
        status="ACCEPTED", start=START, now=START - timedelta(minutes=119), policy=POLICY
    )


@pytest.mark.parametrize(
    "status", ["PENDING_DISPATCH", "OFFERED", "EN_ROUTE", "ARRIVED", "IN_SERVICE", "CANCELLED"]
)
def test_only_an_accepted_visit_moves(status: str):
    assert refusal(START + timedelta(hours=1), status=status) == ("illegal_transition", 409)
    assert not delay_rules.notice_open(status=status, start=START, now=NOW, policy=POLICY)


def test_each_bad_time_has_its_code():
    naive = (START + timedelta(hours=1)).replace(tzinfo=None)
    assert refusal(naive) == ("time_without_offset", 422)
    assert refusal(NOW - timedelta(minutes=1)) == ("scheduled_in_past", 422)
    assert refusal(NOW + timedelta(minutes=59)) == ("scheduled_too_soon", 422)
    assert refusal(NOW + timedelta(days=14, minutes=1)) == ("scheduled_too_far", 422)
    assert refusal(START) == ("delay_same_time", 422)
    assert refusal(START + timedelta(hours=1), pending=True) == ("delay_request_pending", 409)


def test_the_new_window_must_be_free_in_his_calendar():
    other = Busy("ord_b", START + timedelta(hours=4), START + timedelta(hours=5))
    with pytest.raises(DelayRefused) as caught:
        check(START + timedelta(hours=3), calendar=[other])
    assert caught.value.code == "delay_overlaps_job"
    assert caught.value.details == {"order_id": "ord_b"}
    # back to back is no clash
    assert check(START + timedelta(hours=2), calendar=[other]).end == other.start
    assert delay_rules.first_clash(START, END, []) is None


def test_the_policy_comes_from_the_rule_book():
    rules = OrderRules(
        delay_min_notice_minutes=240, delay_answer_margin_minutes=90, delay_max_days_ahead=3
    )
    policy = DelayPolicy.of(rules)
    assert policy.min_notice == timedelta(hours=4)
    assert policy.answer_margin == timedelta(minutes=90)
    assert policy.min_lead == timedelta(minutes=rules.min_lead_minutes)
    assert policy.max_ahead == timedelta(days=3)
    with pytest.raises(ValidationError):
        OrderRules(delay_min_notice_minutes=60, delay_answer_margin_minutes=60)
    assert delay_rules.lapsed(expires_at=NOW, now=NOW)
    assert not delay_rules.lapsed(expires_at=NOW, now=NOW - timedelta(seconds=1))


FACTS = delay_notices.DelayFacts(
    request_id="dly_1",
    order_id="ord_1",
    customer_id="usr_c",
    technician_id="usr_t",
    service_name="日常保洁",
    from_start=START,
    to_start=START + timedelta(hours=3),
    expires_at=START - timedelta(hours=1),
    reason="前一单延误",
)


def test_the_customer_is_asked_with_the_new_time_and_the_deadline():
    (notice,) = delay_notices.requested_notice(
        FACTS, rules=NotificationRules(), timezone="Asia/Shanghai"
    )
    assert (notice.kind, notice.user_id, notice.key) == (
        "delay.requested",
        "usr_c",
        "delay.requested:dly_1",
    )
    assert "16:00 → 06-01 19:00" in notice.body and "前一单延误" in notice.body
    assert "15:00" in notice.body  # answer before
    assert notice.channels == ("push", "sms")
    off = NotificationRules.model_validate({"delay_requested": {"enabled": False}})
    assert delay_notices.requested_notice(FACTS, rules=off, timezone="Asia/Shanghai") == []


def test_who_hears_each_outcome():
    def told(outcome: str) -> list[tuple[str, str | None]]:
        return [
            (n.kind, n.user_id)
            for n in delay_notices.answered_notices(
                FACTS, outcome, rules=NotificationRules(), timezone="Asia/Shanghai"
            )
        ]

    assert told("accepted") == [("delay.accepted", "usr_t")]
    assert told("declined") == [("delay.declined", "usr_t")]
    assert told("expired") == [("delay.expired", "usr_t"), ("delay.redispatched", "usr_c")]


def test_every_delay_notice_has_words_in_both_apps():
    for kind in delay_notices.KINDS:
        assert set(INBOX[f"notice_kind.{kind}"]) == {"zh", "en"}, kind


def test_a_moved_visit_is_reminded_of_its_new_time():
    from dataclasses import replace

    from server.notifications import due

    booked = due.Visit(
        order_id="ord_1",
        customer_id="usr_c",
        technician_id="usr_t",
        status="ACCEPTED",
        scheduled_start=START + timedelta(days=1),
        created_at=NOW - timedelta(days=3),
    )
    moved = replace(booked, scheduled_start=booked.scheduled_start + timedelta(hours=3))

    def day_before(visit: due.Visit) -> list[str]:
        at = visit.scheduled_start - timedelta(hours=23)
        notices = due.visit_notices(visit, now=at, rules=NotificationRules(), timezone="UTC")
        return [n.key for n in notices if n.kind == due.REMINDER_DAY]

    (first,) = day_before(booked)
    (again,) = day_before(moved)
    assert first != again and first.startswith("reminder.day_before:ord_1:")
