"""SOS reaches people at once: every operator, support agent and admin gets it in their
inbox and, if connected, on the live feed, with the position; one nobody has taken up
within ``ops.monitor.sos_escalate_minutes`` is escalated to the admins."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.points import open_point
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.ops.models import Alert
from server.realtime import service as realtime_service
from server.rules import store as rules_store

log = logging.getLogger(__name__)

RESPONDERS = (Role.operator.value, Role.support.value, Role.admin.value)
SWEEP_SECONDS = 30
ROLE_NAMES = {Role.customer.value: "客户", Role.technician.value: "师傅"}


def tell_staff(uow: UnitOfWork, alert: Alert, *, escalated: bool = False) -> None:
    """Inbox rows in the unit of work; the live message once it commits."""
    session = uow.session
    cipher = uow.cipher
    roles = (Role.admin.value,) if escalated else RESPONDERS
    staff = session.exec(
        select(User.id).where(col(User.role).in_(roles), User.status == "active")
    ).all()
    who = ROLE_NAMES.get(alert.user_role, alert.user_role)
    title = f"SOS 超时未处理：{who}求助" if escalated else f"SOS：{who}求助"
    lat, lng = open_point(cipher, alert.point_enc)
    note = cipher.decrypt(alert.note_enc) if alert.note_enc else ""
    data: dict[str, Any] = {
        "alert_id": alert.id,
        "order_id": alert.order_id,
        "lat": lat,
        "lng": lng,
        "user_role": alert.user_role,
    }
    for user_id in staff:
        notifications.notify(uow, user_id=user_id, kind="sos", title=title, body=note, data=data)
    realtime_service.publish(
        uow,
        {
            "t": "sos",
            **data,
            "status": alert.status,
            "escalated": escalated,
            "created_at": as_utc(alert.created_at).isoformat(),
        },
    )


def escalate_unanswered(uow: UnitOfWork) -> list[str]:
    """Open alerts older than the rule's minutes: marked escalated, the admins told."""
    session = uow.session
    clock = uow.clock
    minutes = rules_store.current_rules(uow).ops.monitor.sos_escalate_minutes
    due = session.exec(
        select(Alert).where(
            Alert.status == "open",
            col(Alert.created_at) <= clock.now() - timedelta(minutes=minutes),
        )
    ).all()
    for alert in due:
        alert.status = "escalated"
        session.add(alert)
        tell_staff(uow, alert, escalated=True)
    return [a.id for a in due]


def sweep_once(app: Any) -> list[str]:  # noqa: ANN401
    with UnitOfWork.begin(app.state) as uow:
        return escalate_unanswered(uow)
