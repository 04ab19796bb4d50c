"""Order monitoring for operators: filtered lists, anomalies, SOS alerts.

This is a read model over the orders domain's tables (bulk reads for a console
page); every write still goes through ``server.orders.service``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import cast

from sqlmodel import Session, col, func, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.crypto import FieldCipher
from server.core.errors import NotFound, Unprocessable
from server.core.ids import new_id
from server.core.points import open_point, seal_point
from server.core.uow import UnitOfWork
from server.ops import sos
from server.ops.models import Alert, AlertRead, OrderMonitorRead, SosIn
from server.orders import anomalies
from server.orders import queries as order_queries
from server.orders import service as orders_service
from server.orders.models import STORED_ANOMALIES, Order
from server.rules import store as rules_store
from server.rules.ops import MonitorRules

ACTIVE = (
    "PENDING_DISPATCH",
    "OFFERED",
    "ACCEPTED",
    "EN_ROUTE",
    "ARRIVED",
    "IN_SERVICE",
    "AWAITING_CONFIRMATION",
)
_EVENT_FACTS = {"order.paid": "paid_at", "order.departed": "departed_at"}


def facts_for(session: Session, orders: list[Order]) -> dict[str, anomalies.OrderFacts]:
    ids = [o.id for o in orders]
    firsts: dict[str, dict[str, datetime]] = defaultdict(dict)
    timeouts: dict[str, int] = defaultdict(int)
    sos: dict[str, int] = defaultdict(int)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = order_queries.first_events(session, chunk, [*_EVENT_FACTS, "order.offer_timed_out"])
        for order_id, type_, first, count in rows:
            if type_ == "order.offer_timed_out":
                timeouts[order_id] = count
            else:
                firsts[order_id][_EVENT_FACTS[type_]] = as_utc(first)
        for alert_order_id, count in session.exec(
            select(Alert.order_id, func.count())
            .where(col(Alert.order_id).in_(chunk))
            .where(col(Alert.status) != "closed")
            .group_by(Alert.order_id)
        ).all():
            sos[cast(str, alert_order_id)] = count  # in_(chunk): never NULL
    out = {}
    for o in orders:

        def t(value: datetime | None) -> datetime | None:
            return as_utc(value) if value else None

        out[o.id] = anomalies.OrderFacts(
            status=o.status,
            scheduled_start=as_utc(o.scheduled_start),
            scheduled_end=as_utc(o.scheduled_end),
            created_at=as_utc(o.created_at),
            paid_at=firsts[o.id].get("paid_at"),
            accepted_at=t(o.accepted_at),
            departed_at=firsts[o.id].get("departed_at"),
            arrived_at=t(o.arrived_at),
            started_at=t(o.started_at),
            finished_at=t(o.finished_at),
            offer_timeouts=timeouts[o.id],
            open_sos=sos[o.id],
        )
    return out


def _codes(
    order: Order, facts: anomalies.OrderFacts, now: datetime, rules: MonitorRules
) -> list[str]:
    codes = anomalies.detect(facts, now, rules)
    if order.anomaly and order.anomaly not in codes and order.status in ACTIVE:
        codes.append(order.anomaly)  # set by dispatch (e.g. no candidate)
    return codes


def _read(order: Order, codes: list[str]) -> OrderMonitorRead:
    return OrderMonitorRead(
        id=order.id,
        status=order.status,
        customer_id=order.customer_id,
        technician_id=order.technician_id,
        service_id=order.service_id,
        district=order.district,
        scheduled_start=as_utc(order.scheduled_start),
        scheduled_end=as_utc(order.scheduled_end),
        total=order.total,
        created_at=as_utc(order.created_at),
        anomalies=codes,
    )


def list_orders(
    uow: UnitOfWork,
    *,
    status: list[str] | None = None,
    district: str | None = None,
    technician_id: str | None = None,
    customer_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    anomaly: str | None = None,
    limit: int = 100,
) -> list[OrderMonitorRead]:
    session = uow.session
    clock = uow.clock
    known = (*anomalies.CODES, *STORED_ANOMALIES)  # one vocabulary: computed and stored
    if anomaly and anomaly not in known and anomaly != "any":
        raise Unprocessable(
            "unknown anomaly code",
            code="anomaly_unknown",
            details={"known": [*known, "any"]},
        )
    limit = max(1, limit)
    orders = order_queries.for_monitor(
        session,
        statuses=status or (list(ACTIVE) if anomaly else None),
        district=district,
        technician_id=technician_id,
        customer_id=customer_id,
        since=since,
        until=until,
        limit=None if anomaly else limit,
    )
    facts = facts_for(session, orders)
    now = clock.now()
    rules = rules_store.current_rules(uow).ops.monitor
    out = []
    for order in orders:
        codes = _codes(order, facts[order.id], now, rules)
        if anomaly and not (codes if anomaly == "any" else anomaly in codes):
            continue
        out.append(_read(order, codes))
        if len(out) >= limit:
            break
    return out


def current_anomalies(uow: UnitOfWork) -> dict:
    """Counts over every active order, the 500 most recent anomalous ones, open alerts (SOS)."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    orders = list_orders(uow, anomaly="any", limit=100_000)
    counts: dict[str, int] = defaultdict(int)
    for o in orders:
        for code in o.anomalies:
            counts[code] += 1
    total = len(orders)
    orders = orders[:500]
    alerts = session.exec(
        select(Alert).where(col(Alert.status) != "closed").order_by(col(Alert.created_at).desc())
    ).all()
    return {
        "as_of": clock.now(),
        "counts": dict(counts),
        "anomalous_orders": total,
        "orders": [o.model_dump(mode="json") for o in orders],
        "alerts": [alert_read(a, cipher).model_dump(mode="json") for a in alerts],
    }


def alert_read(alert: Alert, cipher: FieldCipher) -> AlertRead:
    lat, lng = open_point(cipher, alert.point_enc)
    return AlertRead(
        id=alert.id,
        kind=alert.kind,
        user_id=alert.user_id,
        user_role=alert.user_role,
        order_id=alert.order_id,
        lat=lat,
        lng=lng,
        status=alert.status,
        note=cipher.decrypt(alert.note_enc) if alert.note_enc else "",
        created_at=as_utc(alert.created_at),
        handled_by=alert.handled_by,
        handled_at=as_utc(alert.handled_at) if alert.handled_at else None,
    )


def raise_sos(uow: UnitOfWork, *, user: User, body: SosIn, ip: str | None) -> AlertRead:
    """A customer or technician presses SOS: every responder is told at once (inbox and
    live feed, with the position)."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    if user.role not in (Role.customer.value, Role.technician.value):
        raise Unprocessable("SOS is for customers and technicians", code="sos_role")
    if body.order_id:
        # only on one's own order; others' orders look missing
        order = orders_service.get_for(uow, order_id=body.order_id, user=user)
        if not orders_service.is_participant(uow, order_id=order.id, user=user):
            raise NotFound(
                "order not found", code="order_not_found", details={"order_id": body.order_id}
            )
    alert = Alert(
        id=new_id("sos"),
        user_id=user.id,
        user_role=user.role,
        order_id=body.order_id,
        point_enc=seal_point(cipher, body.lat, body.lng),
        note_enc=cipher.encrypt(body.note) if body.note else None,
        created_at=clock.now(),
    )
    session.add(alert)
    sos.tell_staff(uow, alert)  # inbox now, live feed on commit
    audit_service.record(
        uow,
        actor=user,
        action="sos.raise",
        target_type="alert",
        target_id=alert.id,
        ip=ip,
        details={"order_id": body.order_id},
    )
    return alert_read(alert, cipher)


def list_alerts(uow: UnitOfWork, *, status: str | None = None, limit: int = 100) -> list[AlertRead]:
    session = uow.session
    cipher = uow.cipher
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    rows = session.exec(
        query.order_by(col(Alert.created_at).desc()).limit(max(1, min(limit, 500)))
    ).all()
    return [alert_read(a, cipher) for a in rows]


def handle_alert(
    uow: UnitOfWork,
    *,
    user: User,
    alert_id: str,
    status: str,
    note: str,
    ip: str | None,
) -> AlertRead:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert not found", code="alert_not_found")
    old = alert.status
    alert.status, alert.handled_by, alert.handled_at = status, user.id, clock.now()
    if note:
        before = cipher.decrypt(alert.note_enc) if alert.note_enc else ""
        alert.note_enc = cipher.encrypt((before + "\n" if before else "") + note)
    session.add(alert)
    audit_service.record(
        uow,
        actor=user,
        action="sos.handle",
        target_type="alert",
        target_id=alert.id,
        ip=ip,
        details={"old": old, "new": status},
    )
    return alert_read(alert, cipher)
