"""通知设置's decision (``server.notifications.groups``): what a muted channel or group
keeps off, what it never can, and what a setting may not say."""

from __future__ import annotations

from server.notifications import delay_notices, due
from server.notifications.groups import GROUPS, Muted, check, group_of, groups_for, is_muted


def test_every_notice_with_outside_channels_has_a_group() -> None:
    kinds = set(due.KINDS) - {due.NOT_DEPARTED_ALERT, due.OVERRUN_ALERT}  # support: inbox
    assert {k for k in (*kinds, *delay_notices.KINDS) if group_of(k) is None} == set()
    assert len({g.name for g in GROUPS}) == len(GROUPS)
    assert sum(len(g.kinds) for g in GROUPS) == len({k for g in GROUPS for k in g.kinds})


def test_a_muted_channel_or_group_keeps_only_optional_notices_off() -> None:
    sms = Muted(channels=frozenset({"sms"}))
    assert is_muted(due.REMINDER_DAY, "sms", sms)
    assert not is_muted(due.REMINDER_DAY, "push", sms)
    assert not is_muted(due.PAYMENT, "sms", sms)  # essential: through a muted channel too
    assert not is_muted(delay_notices.DELAY_REQUESTED, "sms", sms)
    reminders = Muted(groups=frozenset({"reminders"}))
    assert is_muted(due.REMINDER_HOUR, "push", reminders)
    assert not is_muted(due.LATE, "push", reminders)
    assert is_muted(due.CERTIFICATE, "push", Muted(groups=frozenset({"certificates"})))
    assert not is_muted("some.new_kind", "sms", Muted(frozenset({"sms"}), frozenset()))
    assert not is_muted(due.REMINDER_DAY, "sms", Muted())


def test_a_setting_names_known_channels_and_its_roles_optional_groups() -> None:
    assert check("customer", ["sms", "push", "email"], ["reminders", "visit_progress"]) is None
    assert check("technician", [], ["certificates"]) is None
    fax = check("customer", ["fax"], [])
    assert fax is not None and (fax.code, fax.value) == ("notice_channel_unknown", "fax")
    other = check("customer", [], ["certificates"])
    assert other is not None and other.code == "notice_group_unknown"
    locked = check("technician", [], ["work_alerts"])
    assert locked is not None and locked.code == "notice_group_locked"
    assert locked.known == ("order_changes", "work_alerts", "safety")
    assert [g.name for g in groups_for("support")] == []
