"""Moving a visit (改约, seed 003): when the assigned technician may ask, which new times
he may propose, and until when the customer may answer. Pure: values in, values out.

Seed 003: "对于需要延期的情况，技师必须提前2小时以上提交申请，由系统重新调度。" The
technician asks at least ``min_notice`` before the booked start; the customer accepts
(the visit moves, same length) or declines (the order goes back to dispatch without
him); an answer not given ``answer_margin`` before the booked start lapses the request
the same way. The service (``orders.delays``) reads the facts and applies the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.core.events import Status

# A technician holds the visit and has not set off: the only time it can still move.
DELAYABLE = frozenset({Status.ACCEPTED})
# Its name among an order read's ``allowed_actions`` (the technician's, when he may ask).
REQUEST_DELAY = "request_delay"

PENDING, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN = (
    "pending",
    "accepted",
    "declined",
    "expired",
    "withdrawn",
)
STATUSES = (PENDING, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN)


@dataclass(frozen=True)
class DelayPolicy:
    """The rule book's numbers (``orders.delay_*`` and the booking lead time)."""

    min_notice: timedelta = timedelta(hours=2)
    answer_margin: timedelta = timedelta(hours=1)
    min_lead: timedelta = timedelta(hours=1)
    max_ahead: timedelta = timedelta(days=14)

    @classmethod
    def of(cls, rules: Any) -> DelayPolicy:  # noqa: ANN401  (server.rules.orders.OrderRules)
        return cls(
            min_notice=timedelta(minutes=rules.delay_min_notice_minutes),
            answer_margin=timedelta(minutes=rules.delay_answer_margin_minutes),
            min_lead=timedelta(minutes=rules.min_lead_minutes),
            max_ahead=timedelta(days=rules.delay_max_days_ahead),
        )


@dataclass(frozen=True)
class Busy:
    """One of the technician's other visits (his calendar)."""

    order_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Proposal:
    """What a request asks for: the new window and until when it may be answered."""

    start: datetime
    end: datetime
    expires_at: datetime


class DelayRefused(Exception):
    """A refusal, with the code and HTTP status the service replies with."""

    def __init__(
        self, message: str, *, code: str, status: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}


def notice_open(*, status: str, start: datetime, now: datetime, policy: DelayPolicy) -> bool:
    """Whether a request may still be made (the order's state and the notice left)."""
    return status in DELAYABLE and now <= start - policy.min_notice


def check_request(
    *,
    status: str,
    start: datetime,
    end: datetime,
    proposed_start: datetime,
    now: datetime,
    pending: bool,
    calendar: Iterable[Busy],
    policy: DelayPolicy,
) -> Proposal:
    """The proposal for a visit booked ``start``–``end``, or the reason it is refused."""
    if status not in DELAYABLE:
        raise DelayRefused(
            "a visit moves only while it is accepted and not yet under way",
            code="illegal_transition",
            status=409,
            details={"status": status},
        )
    if pending:
        raise DelayRefused(
            "a request to move this visit is waiting for the customer",
            code="delay_request_pending",
            status=409,
        )
    if now > start - policy.min_notice:
        raise DelayRefused(
            "ask to move a visit at least the notice before it starts",
            code="delay_notice_too_short",
            status=409,
            details={"min_notice_minutes": _minutes(policy.min_notice)},
        )
    if proposed_start.tzinfo is None or proposed_start.utcoffset() is None:
        raise DelayRefused(
            "the new time needs a time zone offset (e.g. Z or +08:00)",
            code="time_without_offset",
            status=422,
        )
    if proposed_start < now:
        raise DelayRefused("the new time has passed", code="scheduled_in_past", status=422)
    if proposed_start < now + policy.min_lead:
        raise DelayRefused(
            "the new time is too soon",
            code="scheduled_too_soon",
            status=422,
            details={"min_lead_minutes": _minutes(policy.min_lead)},
        )
    if proposed_start > now + policy.max_ahead:
        raise DelayRefused(
            "the new time is too far ahead",
            code="scheduled_too_far",
            status=422,
            details={"max_days_ahead": policy.max_ahead.days},
        )
    if proposed_start == start:
        raise DelayRefused("the new time is the booked one", code="delay_same_time", status=422)
    new_end = proposed_start + (end - start)
    clash = first_clash(proposed_start, new_end, calendar)
    if clash is not None:
        raise DelayRefused(
            "the new time overlaps another of your visits",
            code="delay_overlaps_job",
            status=409,
            details={"order_id": clash.order_id},
        )
    return Proposal(proposed_start, new_end, start - policy.answer_margin)


def first_clash(start: datetime, end: datetime, calendar: Iterable[Busy]) -> Busy | None:
    """The earliest visit of ``calendar`` that overlaps ``start``–``end``."""
    overlapping = [b for b in calendar if b.start < end and start < b.end]
    return min(overlapping, key=lambda b: b.start) if overlapping else None


def lapsed(*, expires_at: datetime, now: datetime) -> bool:
    """The customer's time to answer is over."""
    return now >= expires_at


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
