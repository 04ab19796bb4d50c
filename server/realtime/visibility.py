"""Who may see what on the live feed, and the ETA wording (pure; no I/O).

A technician's view of an order changes over its life: offered, accepted, then maybe
transferred away or the offer timed out. The server decides per event, walking the
order's timeline, so a resume after a reconnect gives exactly what a live connection
would have given: the events of the time the order was theirs, including the one that
took it away, and nothing after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CUSTOMER, TECHNICIAN = "customer", "technician"
FEED_STAFF_ROLES = frozenset(
    {"support", "operator", "admin"}
)  # finance sees money, not the live feed
# a technician's position goes to a customer only while the technician travels to that
# customer's door (departed, not yet arrived): before departure they may be at another home
TRACKED_STATUSES = frozenset({"EN_ROUTE"})
# Events that end a technician's hold on an order they were offered or assigned.
_LOSING = frozenset({"order.offer_declined", "order.offer_timed_out"})
_TECH_KEYS = ("technician_id", "offered_technician_id")


@dataclass(frozen=True)
class Step:
    visible: bool
    holds_after: bool


def technician_step(technician_id: str, holds_before: bool, event: Mapping[str, Any]) -> Step:
    """Does ``technician_id`` see ``event``, and does the order stay theirs after it?"""
    payload = event.get("payload") or {}
    etype = event.get("type", "")
    if any(payload.get(k) == technician_id for k in _TECH_KEYS):
        return Step(True, True)  # offered to them, accepted / claimed / assigned to them
    if etype == "order.transferred" and payload.get("previous_technician_id") == technician_id:
        return Step(True, False)
    if etype in _LOSING and holds_before:
        return Step(True, False)
    if holds_before and any(payload.get(k) for k in _TECH_KEYS):
        return Step(True, False)  # the order went to someone else: tell them once, then stop
    if "technician_id" in payload and payload["technician_id"] is None and holds_before:
        return Step(True, False)
    by_them = event.get("actor_id") == technician_id
    return Step(holds_before or by_them, holds_before)


def technician_visible(technician_id: str, events: Iterable[Mapping[str, Any]]) -> list[bool]:
    """Visibility of each event of one order's timeline (in seq order, from seq 1)."""
    holds, out = False, []
    for event in events:
        step = technician_step(technician_id, holds, event)
        out.append(step.visible)
        holds = step.holds_after
    return out


def holds_now(technician_id: str, order: Mapping[str, Any]) -> bool:
    return technician_id in (order.get("technician_id"), order.get("offered_technician_id"))


def event_visible_live(
    *,
    user_id: str,
    role: str,
    order: Mapping[str, Any],
    event: Mapping[str, Any],
    holds_before: bool,
    staff_watching: bool,
) -> Step:
    """Decision for a live event; ``order`` is the order right after the move."""
    if role == CUSTOMER:
        mine = order.get("customer_id") == user_id
        return Step(mine, mine)
    if role == TECHNICIAN:
        return technician_step(user_id, holds_before, event)
    if role in FEED_STAFF_ROLES:
        return Step(staff_watching, staff_watching)
    return Step(False, False)


def location_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    if role == CUSTOMER:
        return message.get("customer_id") == user_id
    return role in FEED_STAFF_ROLES and staff_watching


def document_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    """A filed document: the order's customer; its technician for the work order (not the
    invoice); staff watching the order."""
    if role == CUSTOMER:
        return message.get("customer_id") == user_id
    if role == TECHNICIAN:
        return message.get("kind") == "work_order" and message.get("technician_id") == user_id
    return role in FEED_STAFF_ROLES and staff_watching


def sos_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    """An SOS: every staff connection on the feed, watching its order or not."""
    return role in FEED_STAFF_ROLES


def pool_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    """A change of the open pool: the technicians it names (those whose pool lists the
    order), nobody else."""
    return role == TECHNICIAN and user_id in (message.get("technician_ids") or ())


def chat_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    """Order threads: the customer, the assigned technician, staff watching the order.
    Support threads: the customer and every support-side connection."""
    if message.get("thread") == "support":
        return message.get("customer_id") == user_id or role in FEED_STAFF_ROLES
    if role == CUSTOMER:
        return message.get("customer_id") == user_id
    if role == TECHNICIAN:
        return message.get("technician_id") == user_id
    return role in FEED_STAFF_ROLES and staff_watching


def eta_text(distance_m: float, eta_s: float) -> dict[str, str]:
    """ "1.2 km away, about 15 min" in English and Chinese (rounded for people)."""
    minutes = max(1, round(eta_s / 60))
    if distance_m < 1000:
        meters = int(round(distance_m / 10.0) * 10)
        en_d, zh_d = f"{meters} m", f"{meters}米"
    else:
        km = distance_m / 1000
        en_d, zh_d = f"{km:.1f} km", f"{km:.1f}公里"
    return {"en": f"{en_d} away, about {minutes} min", "zh": f"距您{zh_d}，约{minutes}分钟"}


def notification_visible(
    *, user_id: str, role: str, message: Mapping[str, Any], staff_watching: bool
) -> bool:
    """A new inbox notification: its own user alone, staff included."""
    return message.get("user_id") == user_id
