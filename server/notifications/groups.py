"""Which notices a person may turn off (通知设置), and whether one goes out through a
channel he muted (pure: no I/O).

A person may refuse what he does not need (PIPL): each outside channel (SMS, app push,
e-mail) and the groups of notices that are a convenience — reminders before a visit, the
technician's progress, a certificate running out. What the order itself needs cannot be
turned off: paying before the booking lapses, the visit moved or sent back to dispatch, a
request that needs his answer, the technician's duty alerts, the invoice he asked for,
safety. Those go out through every channel their rule names, whatever he muted; the
inbox gets every notice either way (it is the record).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.notifications import delay_notices as delay
from server.notifications import due
from server.notifications.rules import Channel

CHANNELS: tuple[Channel, ...] = ("push", "sms", "email")
CUSTOMER, TECHNICIAN = "customer", "technician"
MUTED = "muted"  # a skipped delivery's reason: its channel or group was turned off
SOS = "sos"


@dataclass(frozen=True)
class Group:
    name: str
    kinds: frozenset[str]
    roles: frozenset[str]  # whose settings list it
    locked: bool  # essential: cannot be turned off


def _group(name: str, kinds: Iterable[str], roles: Iterable[str], *, locked: bool) -> Group:
    return Group(name, frozenset(kinds), frozenset(roles), locked)


BOTH = (CUSTOMER, TECHNICIAN)
# in the order the apps list them: what may be turned off first
GROUPS: tuple[Group, ...] = (
    _group("reminders", (due.REMINDER_DAY, due.REMINDER_HOUR), (CUSTOMER,), locked=False),
    _group("visit_progress", (due.DEPARTED, due.LATE), (CUSTOMER,), locked=False),
    _group("certificates", (due.CERTIFICATE,), (TECHNICIAN,), locked=False),
    _group("payments", (due.PAYMENT,), (CUSTOMER,), locked=True),
    _group("invoices", (due.INVOICE,), (CUSTOMER,), locked=True),
    _group("order_changes", delay.KINDS, BOTH, locked=True),
    _group("work_alerts", (due.NOT_DEPARTED, due.OVERRUN), (TECHNICIAN,), locked=True),
    _group("safety", (SOS,), BOTH, locked=True),
)
_BY_KIND = {kind: group for group in GROUPS for kind in group.kinds}


@dataclass(frozen=True)
class Muted:
    """What one person turned off (nothing, by default)."""

    channels: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


def groups_for(role: str) -> list[Group]:
    return [g for g in GROUPS if role in g.roles]


def group_of(kind: str) -> Group | None:
    return _BY_KIND.get(kind)


def is_muted(kind: str, channel: str, muted: Muted) -> bool:
    """Whether a notice of ``kind`` stays off ``channel`` for this person: never for an
    essential one, nor for a kind no group names (an unknown kind is not assumed
    optional); else when its group or the channel is turned off."""
    group = group_of(kind)
    if group is None or group.locked:
        return False
    return group.name in muted.groups or channel in muted.channels


@dataclass(frozen=True)
class Refusal:
    """Why a setting cannot be saved: a machine code and what it concerns."""

    code: str
    value: str
    known: tuple[str, ...]


def check(role: str, channels: Iterable[str], groups: Iterable[str]) -> Refusal | None:
    """The first thing wrong with muting ``channels`` and ``groups`` for ``role`` (None:
    nothing): an unknown channel, a group this role does not have, an essential group."""
    for channel in channels:
        if channel not in CHANNELS:
            return Refusal("notice_channel_unknown", channel, CHANNELS)
    mine = {g.name: g for g in groups_for(role)}
    for name in groups:
        group = mine.get(name)
        if group is None:
            return Refusal("notice_group_unknown", name, tuple(mine))
        if group.locked:
            locked = tuple(g.name for g in mine.values() if g.locked)
            return Refusal("notice_group_locked", name, locked)
    return None
