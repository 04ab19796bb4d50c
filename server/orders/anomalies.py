"""Which orders need an operator's eye (pure: facts + now + rules → anomaly codes).

The service gathers ``OrderFacts`` from the order, its timeline and open SOS alerts;
this module decides. Codes, most urgent first:

- ``sos``                open SOS alert on the order
- ``offer_timeouts``     N offers timed out without an answer
- ``no_accept``          paid (waiting for a technician) longer than N minutes
- ``not_departed``       accepted, still not on the way 15 min after the planned departure
- ``late_arrival``       not arrived (or arrived) later than start + grace
- ``service_overrun``    in service longer than the booked duration + N minutes
- ``awaiting_confirmation_stale``  finished, customer has not confirmed for N hours
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.rules.ops import MonitorRules

SOS = "sos"
OFFER_TIMEOUTS = "offer_timeouts"
NO_ACCEPT = "no_accept"
NOT_DEPARTED = "not_departed"
LATE_ARRIVAL = "late_arrival"
SERVICE_OVERRUN = "service_overrun"
AWAITING_CONFIRMATION_STALE = "awaiting_confirmation_stale"

CODES = (
    SOS,
    OFFER_TIMEOUTS,
    NO_ACCEPT,
    NOT_DEPARTED,
    LATE_ARRIVAL,
    SERVICE_OVERRUN,
    AWAITING_CONFIRMATION_STALE,
)

_WAITING = {"PENDING_DISPATCH", "OFFERED"}
_BEFORE_ARRIVAL = {"PENDING_DISPATCH", "OFFERED", "ACCEPTED", "EN_ROUTE"}


@dataclass(frozen=True)
class OrderFacts:
    status: str
    scheduled_start: datetime
    scheduled_end: datetime
    created_at: datetime
    paid_at: datetime | None = None  # entered PENDING_DISPATCH
    accepted_at: datetime | None = None
    departed_at: datetime | None = None
    arrived_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    offer_timeouts: int = 0
    open_sos: int = 0


def detect(facts: OrderFacts, now: datetime, rules: MonitorRules) -> list[str]:
    codes: list[str] = []
    if facts.open_sos:
        codes.append(SOS)
    if facts.status in _WAITING and facts.offer_timeouts >= rules.offer_timeouts_alert:
        codes.append(OFFER_TIMEOUTS)
    if facts.status in _WAITING:
        waiting_since = facts.paid_at or facts.created_at
        if now - waiting_since >= timedelta(minutes=rules.no_accept_minutes):
            codes.append(NO_ACCEPT)
    if facts.status == "ACCEPTED" and facts.departed_at is None:
        planned = facts.scheduled_start - timedelta(minutes=rules.departure_lead_minutes)
        if now >= planned + timedelta(minutes=rules.not_departed_grace_minutes):
            codes.append(NOT_DEPARTED)
    deadline = facts.scheduled_start + timedelta(minutes=rules.late_arrival_grace_minutes)
    if facts.status in _BEFORE_ARRIVAL and facts.arrived_at is None and now > deadline:
        codes.append(LATE_ARRIVAL)
    elif (
        facts.arrived_at is not None
        and facts.arrived_at > deadline
        and facts.status in {"ARRIVED", "IN_SERVICE"}
    ):
        codes.append(LATE_ARRIVAL)
    if facts.status == "IN_SERVICE" and facts.started_at is not None:
        booked = facts.scheduled_end - facts.scheduled_start
        if now > facts.started_at + booked + timedelta(minutes=rules.overrun_minutes):
            codes.append(SERVICE_OVERRUN)
    if facts.status == "AWAITING_CONFIRMATION" and facts.finished_at is not None:
        if now - facts.finished_at >= timedelta(hours=rules.awaiting_confirmation_hours):
            codes.append(AWAITING_CONFIRMATION_STALE)
    return codes


def was_late(facts: OrderFacts, rules: MonitorRules) -> bool | None:
    """For on-time statistics: None when the technician has not arrived."""
    if facts.arrived_at is None:
        return None
    return facts.arrived_at > facts.scheduled_start + timedelta(
        minutes=rules.late_arrival_grace_minutes
    )
