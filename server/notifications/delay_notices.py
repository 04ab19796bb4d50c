"""The notices of a request to move a visit (改约): the customer asked, the technician told
the answer, both told when the order goes back to dispatch. Pure: facts in, notices out.

The orders use case (``server.orders.delays``) sends them through the centre in its own
transaction; each key names one request and one outcome, so nothing goes out twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from server.notifications.due import Notice
from server.notifications.rules import NotificationRules

DELAY_REQUESTED = "delay.requested"  # the customer: answer the technician's request
DELAY_ACCEPTED = "delay.accepted"  # the technician: the visit moved
DELAY_DECLINED = "delay.declined"  # the technician: declined, the order went to dispatch
DELAY_EXPIRED = "delay.expired"  # the technician: no answer in time, the order went too
DELAY_REDISPATCHED = "delay.redispatched"  # the customer: no answer, another technician
KINDS = (DELAY_REQUESTED, DELAY_ACCEPTED, DELAY_DECLINED, DELAY_EXPIRED, DELAY_REDISPATCHED)


@dataclass(frozen=True)
class DelayFacts:
    """One request as its notices tell it."""

    request_id: str
    order_id: str
    customer_id: str
    technician_id: str
    service_name: str
    from_start: datetime
    to_start: datetime
    expires_at: datetime
    reason: str


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")


def _data(facts: DelayFacts) -> dict[str, str]:
    return {
        "order_id": facts.order_id,
        "delay_request_id": facts.request_id,
        "from_start": facts.from_start.isoformat(),
        "to_start": facts.to_start.isoformat(),
    }


def requested_notice(facts: DelayFacts, *, rules: NotificationRules, timezone: str) -> list[Notice]:
    """The customer is asked: the new time, the technician's reason, the answer's deadline."""
    rule = rules.delay_requested
    if not rule.enabled:
        return []
    name = facts.service_name or "上门服务"
    old, new = _local(facts.from_start, timezone), _local(facts.to_start, timezone)
    until = _local(facts.expires_at, timezone)
    return [
        Notice(
            DELAY_REQUESTED,
            "customer",
            facts.customer_id,
            f"{DELAY_REQUESTED}:{facts.request_id}",
            "师傅申请改约，请确认 / Your technician asks to move the visit",
            f"{name} · {old} → {new} · {facts.reason} · 请在 {until} 前答复 / answer by {until}",
            tuple(rule.channels),
            {**_data(facts), "expires_at": facts.expires_at.isoformat()},
            max_age_minutes=rule.max_age_minutes,
        )
    ]


def answered_notices(
    facts: DelayFacts, outcome: str, *, rules: NotificationRules, timezone: str
) -> list[Notice]:
    """After the answer (``accepted``, ``declined``) or its lapse (``expired``): the
    technician hears it; on a lapse the customer hears that another technician is sought."""
    rule = rules.delay_answered
    if not rule.enabled:
        return []
    name = facts.service_name or "上门服务"
    new = _local(facts.to_start, timezone)
    channels = tuple(rule.channels)
    data = _data(facts)
    to_technician = {
        "accepted": (
            DELAY_ACCEPTED,
            "客户已同意改约 / The customer accepted the new time",
            f"{name} · {new}",
        ),
        "declined": (
            DELAY_DECLINED,
            "客户未同意改约，订单已改派 / Declined: the order went to another technician",
            name,
        ),
        "expired": (
            DELAY_EXPIRED,
            "改约未获答复，订单已改派 / No answer: the order went to another technician",
            name,
        ),
    }
    kind, title, body = to_technician[outcome]
    out = [
        Notice(
            kind,
            "technician",
            facts.technician_id,
            f"{kind}:{facts.request_id}",
            title,
            body,
            channels,
            data,
            max_age_minutes=rule.max_age_minutes,
        )
    ]
    if outcome == "expired":
        out.append(
            Notice(
                DELAY_REDISPATCHED,
                "customer",
                facts.customer_id,
                f"{DELAY_REDISPATCHED}:{facts.request_id}",
                "改约未答复，正在为您重新安排师傅 / Finding you another technician",
                f"{name} · {_local(facts.from_start, timezone)}",
                channels,
                data,
                max_age_minutes=rule.max_age_minutes,
            )
        )
    return out
