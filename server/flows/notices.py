"""What sets the notification centre going: the periodic check and the departure.

The check (a periodic job, ``CHECK_JOB``; operators can run it at once with
``POST /ops/notifications/check``) reads the facts from the domains that own them —
visits about to happen or just begun, visits in service past their booked duration
(orders), certificates (technicians), unpaid bookings (orders), invoices with their PDF
(payments) — asks the pure rules
(``server.notifications.due``) what is due now, and hands that to the centre, which
sends each notice once (its key). A technician's departure tells the customer in the
move's own transaction (an order-event reaction, wired in ``server.bootstrap``).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import col, select

from server.auth.dependencies import OperatorUser
from server.auth.models import Role, User
from server.catalog.models import Service
from server.core.clock import as_utc
from server.core.deps import UowDep
from server.core.events import Moved
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.notifications import centre, due
from server.notifications.models import Notification
from server.notifications.rules import NotificationRules
from server.orders import queries as order_queries
from server.orders.machine import Action
from server.payments.invoices import mailable_invoices
from server.rules import store as rules_store
from server.technicians.certificates import verified_expiring_between
from server.technicians.profiles import local_today

CHECK_JOB = "notifications.check"
CHECK_SECONDS = 60
INVOICE_DAYS = 7  # an invoice is mailed within this long of its issue (or not at all)
LONGEST_VISIT = timedelta(days=1)  # no visit is booked for longer (the overruns' look-back)

router = api_router(prefix="/ops", tags=["ops"])


class NoticeCheckRead(BaseModel):
    """What one check sent: the notices in total and by kind."""

    sent: int
    kinds: dict[str, int]


def support_agents(uow: UnitOfWork) -> list[str]:
    return list(
        uow.session.exec(
            select(User.id).where(User.role == Role.support.value, User.status == "active")
        ).all()
    )


def due_notices(uow: UnitOfWork) -> list[due.Notice]:
    """Everything due now, by the rules in force."""
    session = uow.session
    now = uow.clock.now()
    timezone = uow.settings.timezone
    book = rules_store.current_rules(uow)
    rules = book.notifications
    orders = order_queries.starting_between(
        session,
        now - timedelta(minutes=rules.stale_after_minutes),
        now + timedelta(minutes=rules.reminder_day_before.minutes + 1),
        due.COMING,
    )
    names = _service_names(uow, {o.service_id for o in orders})
    notices: list[due.Notice] = []
    for order in orders:
        visit = due.Visit(
            order_id=order.id,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            status=order.status,
            scheduled_start=as_utc(order.scheduled_start),
            created_at=as_utc(order.created_at),
            service_name=names.get(order.service_id, ""),
        )
        notices += due.visit_notices(visit, now=now, rules=rules, timezone=timezone)
    notices += _overrun_notices(uow, rules)
    today = local_today(now, timezone)
    certificates = verified_expiring_between(session, today, due.month_end(today))
    notices += due.certificate_notices(
        [
            due.ExpiringCertificate(c.id, c.technician_id, c.type, c.expires_on)
            for c in certificates
            if c.expires_on is not None
        ],
        today=today,
        rules=rules,
    )
    timeout = book.orders.payment_timeout_minutes
    unpaid = order_queries.unpaid_since(session, now - timedelta(minutes=timeout))
    notices += due.payment_notices(
        [due.UnpaidBooking(o.id, o.customer_id, as_utc(o.created_at), o.total) for o in unpaid],
        now=now,
        timeout_minutes=timeout,
        rules=rules,
    )
    invoices = mailable_invoices(session, now - timedelta(days=INVOICE_DAYS))
    notices += due.invoice_notices(
        [
            due.IssuedInvoice(i.id, i.order_id, i.customer_id, i.number, i.email, i.file_id)
            for i in invoices
        ],
        rules=rules,
    )
    return notices


def _overrun_notices(uow: UnitOfWork, rules: NotificationRules) -> list[due.Notice]:
    """Visits in service past their booked duration; the look-back covers the longest
    visit, the margin and the staleness, beyond which ``due`` sends nothing anyway."""
    now = uow.clock.now()
    margin = rules.service_overrun.minutes + rules.stale_after_minutes
    since = now - LONGEST_VISIT - timedelta(minutes=margin)
    underway = order_queries.in_service_started_since(uow.session, since)
    names = _service_names(uow, {o.service_id for o in underway})
    notices: list[due.Notice] = []
    for order in underway:
        if order.technician_id is None or order.started_at is None:
            continue
        visit = due.Underway(
            order_id=order.id,
            technician_id=order.technician_id,
            status=order.status,
            started_at=as_utc(order.started_at),
            booked=as_utc(order.scheduled_end) - as_utc(order.scheduled_start),
            service_name=names.get(order.service_id, ""),
        )
        notices += due.overrun_notices(visit, now=now, rules=rules)
    return notices


def run_checks(uow: UnitOfWork) -> list[Notification]:
    """Send what is due and was not sent before; the notifications written."""
    notices = due_notices(uow)
    agents = support_agents(uow) if any(n.audience == "support" for n in notices) else []
    sent: list[Notification] = []
    for notice in notices:
        sent += centre.send(uow, notice, support_ids=agents)
    return sent


def check_once(app: Any) -> int:  # noqa: ANN401
    with UnitOfWork.begin(app.state) as uow:
        return len(run_checks(uow))


def on_departed(uow: UnitOfWork, moved: Moved) -> None:
    """The customer hears that the technician is on the way (order-event reaction),
    unless the departure is older than the rule's ``max_age_minutes``: one replayed
    from an offline queue long after, or a past visit of the demo's history."""
    if moved.action != Action.DEPART.value:
        return
    order = moved.order
    technician = uow.session.get(User, order.technician_id) if order.technician_id else None
    notice = due.departed_notice(
        order_id=order.id,
        customer_id=order.customer_id,
        technician_name=technician.name if technician is not None else "",
        rules=rules_store.current_rules(uow).notifications,
        occurred_at=as_utc(moved.events[0].occurred_at) if moved.events else None,
    )
    if notice is not None:
        centre.send(uow, notice)


def _service_names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = uow.session.exec(
        select(Service.id, Service.name_zh).where(col(Service.id).in_(list(ids)))
    ).all()
    return {service_id: name for service_id, name in rows}


@router.post("/notifications/check", response_model=NoticeCheckRead)
def check_now(user: OperatorUser, uow: UowDep) -> NoticeCheckRead:
    sent = run_checks(uow)
    return NoticeCheckRead(sent=len(sent), kinds=dict(Counter(n.kind for n in sent)))
