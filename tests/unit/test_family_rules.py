"""The pure rules of family accounts: why an invitation is refused, the city's month a
cap counts, what is left of it, a member's shared membership level and the main account's
history words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.payments.family_pay import cap_left, month_start
from server.payments.wallet import history_kind
from server.pricing.customers import shared_membership
from server.pricing.family import MAX_MEMBERS, invite_refusal
from server.rules.pricing import PricingRules

FINE = {
    "inviter_is_member": False,
    "invitee_is_customer": True,
    "same_person": False,
    "invitee_is_member": False,
    "invitee_is_main": False,
    "taken_places": 0,
}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({}, None),
        ({"invitee_is_customer": False}, "not_a_customer"),
        ({"same_person": True}, "family_invite_self"),
        ({"inviter_is_member": True}, "already_in_family"),
        ({"invitee_is_member": True}, "already_in_family"),
        ({"invitee_is_main": True}, "family_main_cannot_join"),
        ({"taken_places": MAX_MEMBERS - 1}, None),
        ({"taken_places": MAX_MEMBERS}, "family_full"),
    ],
)
def test_invite_refusal(change: dict, code: str | None) -> None:
    assert invite_refusal(**{**FINE, **change}) == code


def test_the_month_is_the_citys() -> None:
    # 1 July 01:00 in Beijing is still 30 June in UTC: the July cap already counts
    now = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert month_start(now, "Asia/Shanghai") == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert month_start(now, "UTC") == datetime(2026, 6, 1, tzinfo=UTC)


def test_cap_left() -> None:
    assert cap_left(None, 10_000) is None
    assert cap_left(5000, 2000) == 3000
    assert cap_left(5000, 7000) == 0


def test_a_member_takes_the_better_level() -> None:
    rules = PricingRules()
    gold = rules.membership_levels[1].min_yearly_spend
    assert shared_membership(0, None, rules)[1:] == (rules.membership_levels[0], False)
    assert shared_membership(0, gold, rules)[1:] == (rules.membership_levels[1], True)
    # his own level when it is as good or better
    assert shared_membership(gold, 0, rules)[2] is False
    assert shared_membership(gold, gold, rules)[2] is False


def test_the_main_accounts_history_names_a_members_lines() -> None:
    assert history_kind("payment", family=True) == "family_payment"
    assert history_kind("cancellation", family=True) == "family_refund"
    assert history_kind("split", family=True) == "other"
    assert history_kind("payment") == "payment"
