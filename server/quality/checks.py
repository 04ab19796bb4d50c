"""Spot checks (质量抽检): a share of finished orders is sampled as it completes, given to
the inspector with the fewest open checks, and checked by a return-visit call or on site.
A failed check books a free redo for the same customer and service (back to dispatch, the
technician who did the work preferred), takes the rule's amount from his deposit, and tells
him why.

Sampling happens in the move to COMPLETED, in its transaction: each order is drawn once,
when it completes, with nothing to scan and nothing a crash could skip.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from server.audit import log as audit_service
from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.events import Moved, Status
from server.core.ids import new_id
from server.core.masking import mask_contacts
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import service as orders_service
from server.orders.models import Order
from server.quality import deposits, sampling
from server.quality.models import CheckContact, CheckOutcomeIn, CheckRead, QualityCheck
from server.rules import store as rules_store


def _seed(uow: UnitOfWork) -> str:
    """The installation's key: the same draw on every worker, unknown to technicians."""
    return uow.settings.secret_key


def sample_on_completion(uow: UnitOfWork, moved: Moved) -> None:
    """An order confirmed (or auto-confirmed) is drawn at the sampling rate. A dispute's
    resolution is not: support has looked at that order already."""
    order = moved.order
    if (
        moved.action is None
        or moved.to_status != Status.COMPLETED.value
        or moved.from_status != Status.AWAITING_CONFIRMATION.value
        or not order.technician_id
    ):
        return
    rate = rules_store.current_rules(uow).quality.sampling_rate_bp
    if not sampling.sampled(_seed(uow), order.id, rate):
        return
    session = uow.session
    if session.exec(select(QualityCheck.id).where(QualityCheck.order_id == order.id)).first():
        return
    inspector = sampling.pick_inspector(_open_loads(uow))
    check = QualityCheck(
        id=new_id("qck"),
        order_id=order.id,
        technician_id=order.technician_id,
        customer_id=order.customer_id,
        service_id=order.service_id,
        inspector_id=inspector,
        sampling_rate_bp=rate,
        sampled_at=uow.clock.now(),
    )
    session.add(check)
    if inspector is not None:
        service = catalog_service.get_service(uow, service_id=order.service_id)
        notifications.notify(
            uow,
            user_id=inspector,
            kind="quality.check_assigned",
            title="新的质检任务 / New quality check",
            body=f"{service.name_zh} · {order.district or ''}",
            data={"check_id": check.id, "order_id": order.id},
        )


def _open_loads(uow: UnitOfWork) -> dict[str, int]:
    """Every active inspector and how many open checks he holds."""
    session = uow.session
    inspectors = session.exec(
        select(User.id).where(User.role == Role.quality_inspector.value, User.status == "active")
    ).all()
    held = dict(
        session.exec(
            select(QualityCheck.inspector_id, func.count())
            .where(QualityCheck.status == "open", col(QualityCheck.inspector_id).is_not(None))
            .group_by(col(QualityCheck.inspector_id))
        ).all()
    )
    return {i: int(held.get(i, 0)) for i in inspectors}


# --- reads -------------------------------------------------------------------------------


def check_read(uow: UnitOfWork, check: QualityCheck, *, viewer: User | None) -> CheckRead:
    """The check as its inspector and the operators read it; the customer's name, phone and
    address only for the inspector it is assigned to, while it is open."""
    session = uow.session
    cipher = uow.cipher
    order = orders_service.get(uow, order_id=check.order_id)
    service = catalog_service.get_service(uow, service_id=check.service_id)
    technician = session.get(User, check.technician_id)
    contact = None
    if viewer is not None and check.status == "open" and check.inspector_id == viewer.id:
        customer = session.get(User, check.customer_id)
        contact = CheckContact(
            customer_name=customer.name if customer else "",
            customer_phone=cipher.decrypt(customer.phone_enc) if customer else "",
            address=cipher.decrypt(order.address_enc),
        )
    return CheckRead(
        id=check.id,
        order_id=check.order_id,
        technician_id=check.technician_id,
        technician_name=technician.name if technician else "",
        service_id=check.service_id,
        service_name_zh=service.name_zh,
        service_name_en=service.name_en,
        district=order.district,
        scheduled_start=as_utc(order.scheduled_start),
        completed_at=as_utc(order.completed_at) if order.completed_at else None,
        status=check.status,
        inspector_id=check.inspector_id,
        sampled_at=as_utc(check.sampled_at),
        method=check.method,
        findings=cipher.decrypt(check.findings_enc) if check.findings_enc else None,
        recorded_at=as_utc(check.recorded_at) if check.recorded_at else None,
        redo_order_id=check.redo_order_id,
        deduction=check.deduction,
        contact=contact,
    )


def _visible(check: QualityCheck | None, user: User) -> QualityCheck:
    """An inspector sees the checks given to him and the ones nobody holds; another's
    looks missing. Admins see all."""
    if check is None or (
        user.role == Role.quality_inspector.value and check.inspector_id not in (None, user.id)
    ):
        raise NotFound("check not found", code="check_not_found")
    return check


def inspector_checks(
    uow: UnitOfWork, *, user: User, status: str = "open", limit: int = 100, ip: str | None
) -> list[CheckRead]:
    """Open: his and the unassigned ones, oldest first; recorded: the ones he recorded."""
    stmt = select(QualityCheck).where(QualityCheck.status == status)
    if user.role == Role.quality_inspector.value:
        mine = col(QualityCheck.inspector_id) == user.id
        stmt = stmt.where(
            or_(mine, col(QualityCheck.inspector_id).is_(None)) if status == "open" else mine
        )
    rows = uow.session.exec(
        stmt.order_by(col(QualityCheck.sampled_at), col(QualityCheck.id)).limit(limit)
    ).all()
    reads = [check_read(uow, c, viewer=user) for c in rows]
    shown = [r.id for r in reads if r.contact is not None]
    if shown:  # customers' phones and addresses: a sensitive read
        audit_service.record_read(
            uow,
            actor=user,
            action="quality.check_read",
            target_type="quality_check",
            ip=ip,
            details={"check_ids": shown},
        )
    return reads


def inspector_check(uow: UnitOfWork, *, user: User, check_id: str, ip: str | None) -> CheckRead:
    check = _visible(uow.session.get(QualityCheck, check_id), user)
    read = check_read(uow, check, viewer=user)
    if read.contact is not None:  # a customer's phone and address: a sensitive read
        audit_service.record_read(
            uow,
            actor=user,
            action="quality.check_read",
            target_type="quality_check",
            target_id=check.id,
            ip=ip,
        )
    return read


def staff_checks(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    technician_id: str | None = None,
    inspector_id: str | None = None,
    limit: int = 100,
) -> list[CheckRead]:
    """The operators' list, newest first."""
    stmt = select(QualityCheck)
    if status:
        stmt = stmt.where(QualityCheck.status == status)
    if technician_id:
        stmt = stmt.where(QualityCheck.technician_id == technician_id)
    if inspector_id:
        stmt = stmt.where(QualityCheck.inspector_id == inspector_id)
    rows = uow.session.exec(
        stmt.order_by(col(QualityCheck.sampled_at).desc(), col(QualityCheck.id)).limit(limit)
    ).all()
    return [check_read(uow, c, viewer=None) for c in rows]


# --- writes ------------------------------------------------------------------------------


def claim(uow: UnitOfWork, *, user: User, check_id: str, ip: str | None) -> CheckRead:
    """An open check nobody holds becomes his (one claim wins); his own again is a no-op."""
    check = _visible(uow.session.get(QualityCheck, check_id), user)
    if check.status != "open":
        raise Conflict("this check is already recorded", code="check_recorded")
    if check.inspector_id != user.id:
        taken = uow.session.exec(
            update(QualityCheck)
            .where(col(QualityCheck.id) == check.id, col(QualityCheck.inspector_id).is_(None))
            .values(inspector_id=user.id)
        )
        if not taken.rowcount:
            raise Conflict("another inspector took this check", code="check_taken")
        uow.session.refresh(check)
        audit_service.record(
            uow,
            actor=user,
            action="quality.check_claim",
            target_type="quality_check",
            target_id=check.id,
            ip=ip,
        )
    return inspector_check(uow, user=user, check_id=check.id, ip=ip)


def record_outcome(
    uow: UnitOfWork, *, user: User, check_id: str, body: CheckOutcomeIn, ip: str | None
) -> CheckRead:
    """Pass, or fail with what was found: then the free redo, the deduction and the
    technician's notice, all in this transaction."""
    session = uow.session
    now = uow.clock.now()
    check = _visible(session.get(QualityCheck, check_id), user)
    if check.status != "open":
        raise Conflict("this check is already recorded", code="check_recorded")
    start: datetime | None = None
    if body.result == "fail":
        lead = rules_store.current_rules(uow).quality.redo_lead_hours
        start = as_utc(body.redo_start) if body.redo_start else now + timedelta(hours=lead)
        if start <= now:
            raise Unprocessable(
                "the redo visit starts in the future",
                code="redo_start_invalid",
                details={"now": now.isoformat()},
            )
    recorded = session.exec(
        update(QualityCheck)
        .where(col(QualityCheck.id) == check.id, col(QualityCheck.status) == "open")
        .values(
            status="passed" if body.result == "pass" else "failed",
            inspector_id=user.id,
            method=body.method,
            findings_enc=uow.cipher.encrypt(body.findings) if body.findings else None,
            recorded_at=now,
            recorded_by=user.id,
        )
    )
    if not recorded.rowcount:
        raise Conflict("this check is already recorded", code="check_recorded")
    session.refresh(check)
    effects: dict[str, Any] = {}
    if start is not None:
        order = orders_service.get(uow, order_id=check.order_id)
        redo = orders_service.book_free_redo(
            uow,
            original=order,
            scheduled_start=start,
            marks={"redo_of": order.id, "quality_check_id": check.id},
            booked_by=user,
        )
        check.redo_order_id = redo.id
        check.deduction = deposits.deduct_for_check(uow, check)
        session.add(check)
        _tell_technician(uow, check, order, body.findings)
        effects = {"redo_order_id": redo.id, "deduction": check.deduction}
    audit_service.record(
        uow,
        actor=user,
        action="quality.check_record",
        target_type="quality_check",
        target_id=check.id,
        ip=ip,
        details={
            "order_id": check.order_id,
            "result": body.result,
            "method": body.method,
            **effects,
        },
    )
    return check_read(uow, check, viewer=user)


def _tell_technician(uow: UnitOfWork, check: QualityCheck, order: Order, findings: str) -> None:
    service = catalog_service.get_service(uow, service_id=order.service_id)
    deducted = f"，扣除保证金 ¥{check.deduction / 100:.2f}" if check.deduction else ""
    notifications.notify(
        uow,
        user_id=check.technician_id,
        kind="quality.check_failed",
        title="质检未通过 / Quality check failed",
        body=f"{service.name_zh}质检未通过：{mask_contacts(findings).text}。"
        f"平台已安排免费返工{deducted}。",
        data={
            "check_id": check.id,
            "order_id": order.id,
            "redo_order_id": check.redo_order_id,
            "deduction": check.deduction,
        },
    )
    notifications.notify(
        uow,
        user_id=order.customer_id,
        kind="quality.redo_booked",
        title="平台已安排免费返工 / A free return visit is booked",
        body=f"{service.name_zh}回访质检发现问题，平台已为您安排免费返工，无需支付。",
        data={"order_id": order.id, "redo_order_id": check.redo_order_id},
    )
