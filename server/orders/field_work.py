"""Work on site: ticking the SOP checklist with its photos, and the customer's signature
on the work order."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.errors import AppError, Conflict, Forbidden, NotFound
from server.core.uow import UnitOfWork
from server.files import filing
from server.files import service as files_service
from server.orders import machine
from server.orders.machine import Status
from server.orders.models import (
    Order,
    SopProgress,
)
from server.orders.moves import device_time, record, transition_error
from server.orders.reading import get, get_for
from server.rules import store as rules_store


def complete_sop_step(
    uow: UnitOfWork,
    *,
    order_id: str,
    step_no: int,
    technician: User,
    photo_file_id: str | None,
    note: str,
    occurred_at: datetime | None,
) -> Order:
    session = uow.session
    clock = uow.clock

    order = get(uow, order_id=order_id)
    if order.technician_id != technician.id:
        raise NotFound("order not found", code="order_not_found")
    rules = rules_store.current_rules(uow).orders
    occurred_at = device_time(occurred_at, now=clock.now(), rules=rules)
    if photo_file_id:
        files_service.ensure_owned(uow, file_id=photo_file_id, owner=technician, kinds={"photo"})
    service = catalog_service.get_service(uow, service_id=order.service_id)
    done = tuple(
        session.exec(select(SopProgress.step_no).where(SopProgress.order_id == order.id)).all()
    )
    try:
        spec = machine.check_sop_step(
            status=Status(order.status),
            steps=machine.sop_steps(service.sop),
            done=done,
            step_no=step_no,
            has_photo=photo_file_id is not None,
        )
    except machine.TransitionError as exc:
        raise transition_error(exc) from exc
    now = clock.now()
    session.add(
        SopProgress(
            order_id=order.id,
            step_no=step_no,
            photo_file_id=photo_file_id,
            note=note,
            done_at=occurred_at or now,
        )
    )
    payload = {**spec.payload, "photo_file_id": photo_file_id, "note": note}
    record(
        uow,
        order=order,
        event_type=spec.type,
        payload=payload,
        actor_id=technician.id,
        actor_role="technician",
        occurred_at=occurred_at,
    )
    return order


def confirm_work_order(
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
    signed_on: str,
    signature_file_id: str | None,
) -> Order:
    """The customer confirms items, price and acceptance criteria before work starts
    (seed 003's electronic contract), in their app or signed on the technician's
    screen. The confirmation is kept as a PDF on the order, rendered after the reply
    (``server.files.filing``: ``work_order_file_id`` is set and pushed when it is ready)."""
    clock = uow.clock

    order = get_for(uow, order_id=order_id, user=user)
    if signed_on == "customer_app" and user.id != order.customer_id:
        raise Forbidden("only the customer confirms in their app", code="not_order_customer")
    if signed_on == "technician_screen" and user.id != order.technician_id:
        raise Forbidden(
            "only the assigned technician collects a signature", code="not_assigned_technician"
        )
    if Status(order.status) not in machine.WORK_ORDER_OPEN:
        raise Conflict(
            "the work order is confirmed between acceptance and start",
            code="illegal_transition",
            details={"status": order.status},
        )
    if order.work_order_confirmed_at is not None:
        raise Conflict(
            "the work order is already confirmed",
            code="work_order_already_confirmed",
            details={"status": order.status},
        )
    if signature_file_id:
        files_service.ensure_owned(uow, file_id=signature_file_id, owner=user, kinds={"photo"})
    elif signed_on == "technician_screen":
        raise AppError("a signature image is needed", code="signature_required", status_code=422)
    now = clock.now()
    record(
        uow,
        order=order,
        event_type="order.work_order_confirmed",
        payload={
            "signed_on": signed_on,
            "signature_file_id": signature_file_id,
            "total": order.total,
        },
        actor_id=user.id,
        actor_role=user.role,
        changes={"work_order_confirmed_at": now},
    )
    filing.file_soon(uow)
    return order
