"""Which notices are due at a moment (pure: facts in, notices out; no I/O).

The periodic check (``server.flows.notices``) reads the facts — visits about to happen or
just begun, certificates, unpaid bookings, issued invoices — and sends what this module
says is due. Each notice carries a ``key`` that names it once and for all (kind, subject,
recipient, period): the centre keeps one row per key, so a check that runs twice, or two
workers that run it at once, send each notice once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from server.notifications.rules import Channel, NoticeRule, NotificationRules

REMINDER_DAY = "reminder.day_before"
REMINDER_HOUR = "reminder.hour_before"
NOT_DEPARTED = "technician.not_departed"
NOT_DEPARTED_ALERT = "support.not_departed"
DEPARTED = "technician.departed"
LATE = "technician.late"
CERTIFICATE = "certificate.expiring"
PAYMENT = "payment.lapsing"
INVOICE = "invoice.emailed"
OVERRUN = "technician.service_overrun"
OVERRUN_ALERT = "support.service_overrun"
KINDS = (
    REMINDER_DAY,
    REMINDER_HOUR,
    NOT_DEPARTED,
    NOT_DEPARTED_ALERT,
    DEPARTED,
    LATE,
    CERTIFICATE,
    PAYMENT,
    INVOICE,
    OVERRUN,
    OVERRUN_ALERT,
)

# a booked visit (paid, not yet begun); the hour-before reminder also while on the way
BOOKED = frozenset({"PENDING_DISPATCH", "OFFERED", "ACCEPTED"})
COMING = BOOKED | {"EN_ROUTE"}
ASSIGNED_NOT_LEFT = frozenset({"ACCEPTED"})
NOT_ARRIVED = frozenset({"ACCEPTED", "EN_ROUTE"})

Audience = Literal["customer", "technician", "support"]


@dataclass(frozen=True)
class Visit:
    order_id: str
    customer_id: str
    technician_id: str | None
    status: str
    scheduled_start: datetime
    created_at: datetime
    service_name: str = ""


@dataclass(frozen=True)
class Underway:
    """A visit begun: ``booked`` is the order's own duration (its scheduled end less its
    start: the service's minutes times the units booked, fixed when it was booked)."""

    order_id: str
    technician_id: str
    status: str
    started_at: datetime
    booked: timedelta
    service_name: str = ""


@dataclass(frozen=True)
class ExpiringCertificate:
    certificate_id: str
    technician_id: str
    type: str
    expires_on: date


@dataclass(frozen=True)
class UnpaidBooking:
    order_id: str
    customer_id: str
    created_at: datetime
    amount: int  # fen


@dataclass(frozen=True)
class IssuedInvoice:
    invoice_id: str
    order_id: str
    customer_id: str
    number: str
    email: str | None
    file_id: str | None


@dataclass(frozen=True)
class Notice:
    """One message to send: to ``user_id``, or to every support agent (``audience``
    support, ``user_id`` None: the centre adds each agent's id to the key)."""

    kind: str
    audience: Audience
    user_id: str | None
    key: str
    title: str
    body: str
    channels: tuple[Channel, ...]
    data: dict[str, Any] = field(default_factory=dict)
    email: str | None = None
    attachment_file_id: str | None = None
    # an event's notice: when the event happened (None: now) and the rule's
    # ``max_age_minutes``, past which the centre skips it (None: never too old)
    occurred_at: datetime | None = None
    max_age_minutes: int | None = None


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")


def _channels(rule: NoticeRule) -> tuple[Channel, ...]:
    return tuple(rule.channels)


def visit_notices(
    visit: Visit, *, now: datetime, rules: NotificationRules, timezone: str
) -> list[Notice]:
    """The reminders and delay notices due for one visit at ``now``."""
    start = visit.scheduled_start
    if now > start + timedelta(minutes=rules.stale_after_minutes):
        return []
    when = _local(start, timezone)
    data = {"order_id": visit.order_id, "scheduled_start": start.isoformat()}
    # the booked moment is in each key: a visit moved to another time (改约) is reminded again
    moment = f"{start.astimezone(UTC):%Y%m%dT%H%MZ}"
    name = visit.service_name or "上门服务"
    out: list[Notice] = []
    day, hour = rules.reminder_day_before, rules.reminder_hour_before
    day_at, hour_at = (
        start - timedelta(minutes=day.minutes),
        start - timedelta(minutes=hour.minutes),
    )
    # the day-before reminder only for a visit booked before its moment (a booking made
    # the evening before needs no reminder of what was just confirmed), and only until
    # the hour-before one takes over
    if day.enabled and visit.status in BOOKED and visit.created_at <= day_at <= now < hour_at:
        out.append(
            Notice(
                REMINDER_DAY,
                "customer",
                visit.customer_id,
                f"{REMINDER_DAY}:{visit.order_id}:{moment}",
                "明天有预约 / Your visit is tomorrow",
                f"{name} · {when}",
                _channels(day),
                data,
            )
        )
    if hour.enabled and visit.status in COMING and hour_at <= now < start:
        out.append(
            Notice(
                REMINDER_HOUR,
                "customer",
                visit.customer_id,
                f"{REMINDER_HOUR}:{visit.order_id}:{moment}",
                "预约即将开始 / Your visit starts within the hour",
                f"{name} · {when}",
                _channels(hour),
                data,
            )
        )
    late = rules.not_departed
    if (
        late.enabled
        and visit.technician_id
        and visit.status in ASSIGNED_NOT_LEFT
        and now >= start + timedelta(minutes=late.minutes)
    ):
        out.append(
            Notice(
                NOT_DEPARTED,
                "technician",
                visit.technician_id,
                f"{NOT_DEPARTED}:{visit.order_id}:{moment}",
                "请立即出发 / Please set off now",
                f"{name} · {when}",
                _channels(late),
                data,
            )
        )
        out.append(
            Notice(
                NOT_DEPARTED_ALERT,
                "support",
                None,
                f"{NOT_DEPARTED_ALERT}:{visit.order_id}:{moment}",
                "师傅未出发 / Technician has not set off",
                f"{visit.order_id} · {when}",
                (),
                {**data, "technician_id": visit.technician_id},
            )
        )
    tardy = rules.technician_late
    if (
        tardy.enabled
        and visit.technician_id
        and visit.status in NOT_ARRIVED
        and now >= start + timedelta(minutes=tardy.minutes)
    ):
        out.append(
            Notice(
                LATE,
                "customer",
                visit.customer_id,
                f"{LATE}:{visit.order_id}:{moment}",
                "师傅将晚到 / Your technician is running late",
                f"{name} · {when}",
                _channels(tardy),
                data,
            )
        )
    return out


def overrun_notices(visit: Underway, *, now: datetime, rules: NotificationRules) -> list[Notice]:
    """A visit still in service past its booked duration plus the rule's margin: the
    technician is told, support alerted (each once per order)."""
    rule = rules.service_overrun
    planned_end = visit.started_at + visit.booked
    due_at = planned_end + timedelta(minutes=rule.minutes)
    if (
        not rule.enabled
        or visit.status != "IN_SERVICE"
        or not due_at <= now <= due_at + timedelta(minutes=rules.stale_after_minutes)
    ):
        return []
    over = int((now - planned_end).total_seconds() // 60)
    name = visit.service_name or "上门服务"
    data = {
        "order_id": visit.order_id,
        "started_at": visit.started_at.isoformat(),
        "planned_end": planned_end.isoformat(),
        "over_minutes": over,
    }
    return [
        Notice(
            OVERRUN,
            "technician",
            visit.technician_id,
            f"{OVERRUN}:{visit.order_id}",
            "服务已超出预计时长 / The visit is running past its planned time",
            f"{name} · 超出 {over} 分钟 / {over} min over",
            _channels(rule),
            data,
        ),
        Notice(
            OVERRUN_ALERT,
            "support",
            None,
            f"{OVERRUN_ALERT}:{visit.order_id}",
            "服务超时 / A visit is running over time",
            f"{visit.order_id} · {name} · +{over} min",
            (),
            {**data, "technician_id": visit.technician_id},
        ),
    ]


def departed_notice(
    *,
    order_id: str,
    customer_id: str,
    technician_name: str,
    rules: NotificationRules,
    occurred_at: datetime | None = None,
) -> Notice | None:
    """The customer's "on the way" notice (on the technician's departure, which
    ``occurred_at``: the device's time when replayed from an offline queue)."""
    rule = rules.technician_departed
    if not rule.enabled:
        return None
    return Notice(
        DEPARTED,
        "customer",
        customer_id,
        f"{DEPARTED}:{order_id}",
        "师傅已出发 / Your technician is on the way",
        technician_name,
        _channels(rule),
        {"order_id": order_id},
        occurred_at=occurred_at,
        max_age_minutes=rule.max_age_minutes,
    )


def month_end(today: date) -> date:
    return today.replace(day=calendar.monthrange(today.year, today.month)[1])


def certificate_notices(
    certificates: list[ExpiringCertificate], *, today: date, rules: NotificationRules
) -> list[Notice]:
    """A certificate that expires this month (today to the month's last day), once a month."""
    rule = rules.certificate_expiring
    if not rule.enabled:
        return []
    last = month_end(today)
    return [
        Notice(
            CERTIFICATE,
            "technician",
            cert.technician_id,
            f"{CERTIFICATE}:{cert.certificate_id}:{today:%Y-%m}",
            "证书本月到期 / A certificate expires this month",
            f"{cert.type} · {cert.expires_on.isoformat()}",
            _channels(rule),
            {
                "certificate_id": cert.certificate_id,
                "type": cert.type,
                "expires_on": cert.expires_on.isoformat(),
            },
        )
        for cert in certificates
        if today <= cert.expires_on <= last
    ]


def payment_notices(
    bookings: list[UnpaidBooking],
    *,
    now: datetime,
    timeout_minutes: int,
    rules: NotificationRules,
) -> list[Notice]:
    """An unpaid booking whose payment window closes within the rule's minutes."""
    rule = rules.payment_lapsing
    if not rule.enabled:
        return []
    out = []
    for booking in bookings:
        lapses = booking.created_at + timedelta(minutes=timeout_minutes)
        if lapses - timedelta(minutes=rule.minutes) <= now < lapses:
            left = max(1, int((lapses - now).total_seconds() // 60))
            out.append(
                Notice(
                    PAYMENT,
                    "customer",
                    booking.customer_id,
                    f"{PAYMENT}:{booking.order_id}",
                    "订单即将失效，请尽快支付 / Pay soon to keep your booking",
                    f"{left} min",
                    _channels(rule),
                    {
                        "order_id": booking.order_id,
                        "lapses_at": lapses.isoformat(),
                        "amount": booking.amount,
                    },
                )
            )
    return out


def invoice_notices(invoices: list[IssuedInvoice], *, rules: NotificationRules) -> list[Notice]:
    """An issued invoice whose PDF is ready goes to the e-mail address given for it."""
    rule = rules.invoice_email
    if not rule.enabled:
        return []
    return [
        Notice(
            INVOICE,
            "customer",
            invoice.customer_id,
            f"{INVOICE}:{invoice.invoice_id}",
            "电子发票已发送至邮箱 / Your invoice was sent by e-mail",
            f"{invoice.number} → {invoice.email}",
            _channels(rule),
            {"order_id": invoice.order_id, "invoice_id": invoice.invoice_id},
            email=invoice.email,
            attachment_file_id=invoice.file_id,
        )
        for invoice in invoices
        if invoice.email and invoice.file_id
    ]
