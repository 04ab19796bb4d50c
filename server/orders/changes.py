"""On-site change requests: the technician proposes extras from the rate card, support
approves what goes over the per-order cap, the customer answers item by item.

A change request changes what the order owes (``extras_total``) and writes its timeline,
so it is an orders use case; the prices come from the pricing engine and the rate card.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.auth.models import STAFF_ROLES, Role, User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.files import service as files_service
from server.orders import service as orders_service
from server.orders.machine import WORKING, Status
from server.pricing import engine
from server.pricing import service as pricing_service
from server.pricing.models import ChangeItem, ChangeItemRead, ChangeRequest, ChangeRequestRead
from server.pricing.service import pricing_error
from server.rules import store as rules_store


def _cr_read(session: Session, cr: ChangeRequest) -> ChangeRequestRead:
    items = session.exec(
        select(ChangeItem).where(ChangeItem.change_request_id == cr.id).order_by(col(ChangeItem.id))
    ).all()
    return ChangeRequestRead(
        **cr.model_dump(), items=[ChangeItemRead(**i.model_dump()) for i in items]
    )


def list_change_requests(uow: UnitOfWork, *, order_id: str, user: User) -> list[ChangeRequestRead]:
    session = uow.session
    orders_service.get_for(uow, order_id=order_id, user=user)
    rows = session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.order_id == order_id)
        .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
    ).all()
    return [_cr_read(session, cr) for cr in rows]


def propose_change(
    uow: UnitOfWork,
    *,
    order_id: str,
    technician: User,
    items: list[Any],
    timezone: str,
) -> ChangeRequestRead:
    """The technician proposes extras on site, only from the rate card, each with a
    reason and a photo. Over the per-order cap, support approves first."""
    session = uow.session
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=technician)
    if order.technician_id != technician.id:
        raise NotFound("order not found", code="order_not_found")
    if Status(order.status) not in WORKING:
        raise Conflict(
            "extras are proposed during service",
            code="illegal_transition",
            details={"status": order.status},
        )
    for item in items:
        files_service.ensure_owned(
            uow, file_id=item.photo_file_id, owner=technician, kinds={"photo"}
        )
    service = catalog_service.get_service(uow, service_id=order.service_id)
    rules = rules_store.current_rules(uow)
    local_start = as_utc(order.scheduled_start).astimezone(ZoneInfo(timezone))
    priced = []
    for item in items:
        try:
            lines = engine.price_change_items(
                rate_card=tuple(service.rate_card),
                items=((item.code, item.quantity),),
                local_start=local_start,
                rules=rules.pricing,
                max_quantity=rules.pricing.change_request_max_quantity,
            )
        except engine.PricingError as exc:
            raise pricing_error(exc) from exc
        priced.append((item, lines))
    now = clock.now()
    total = sum(sum(ln.amount for ln in lines) for _, lines in priced)
    # The cap is on everything asked for on this order: approved extras plus items still
    # waiting for an answer, so several small requests sent at once can't slip past support.
    committed = order.extras_total + pricing_service.pending_change_amount(uow, order_id=order.id)
    over_cap = committed + total > rules.pricing.change_request_cap
    cr = ChangeRequest(
        id=new_id("chg"),
        order_id=order.id,
        technician_id=technician.id,
        status="awaiting_support" if over_cap else "awaiting_customer",
        total=total,
        created_at=now,
    )
    session.add(cr)
    session.flush()
    for n, (item, lines) in enumerate(priced):
        entry = next(e for e in service.rate_card if e["code"] == item.code)
        session.add(
            ChangeItem(
                id=f"{cr.id}_{n + 1}",
                change_request_id=cr.id,
                order_id=order.id,
                code=item.code,
                name=entry["name_zh"],
                quantity=item.quantity,
                unit_price=int(entry["price"]),
                amount=sum(ln.amount for ln in lines),
                lines=[asdict(ln) for ln in lines],
                reason=item.reason,
                photo_file_id=item.photo_file_id,
            )
        )
    orders_service.record(
        uow,
        order=order,
        event_type="order.change_requested",
        payload={
            "change_request_id": cr.id,
            "total": total,
            "needs_support": over_cap,
            "items": [
                {"code": i.code, "quantity": i.quantity, "reason": i.reason} for i, _ in priced
            ],
        },
        actor_id=technician.id,
        actor_role="technician",
    )
    return _cr_read(session, cr)


def _load_cr(session: Session, order_id: str, cid: str) -> ChangeRequest:
    cr = session.get(ChangeRequest, cid)
    if cr is None or cr.order_id != order_id:
        raise NotFound("change request not found", code="change_request_not_found")
    return cr


def support_approve_change(
    uow: UnitOfWork,
    *,
    order_id: str,
    cid: str,
    user: User,
) -> ChangeRequestRead:
    """Over the cap: support lets the request go on to the customer."""
    session = uow.session
    clock = uow.clock
    if user.role not in STAFF_ROLES or user.role == Role.finance.value:
        raise Forbidden("support approves change requests over the cap", code="role_forbidden")
    order = orders_service.get(uow, order_id=order_id)
    cr = _load_cr(session, order_id, cid)
    done = session.exec(
        update(ChangeRequest)
        .where(col(ChangeRequest.id) == cid, col(ChangeRequest.status) == "awaiting_support")
        .values(status="awaiting_customer", support_id=user.id, support_at=clock.now())
    )
    if done.rowcount != 1:
        uow.undo()
        raise Conflict(
            "this change request is not waiting for support",
            code="change_request_not_pending",
            details={"status": cr.status},
        )
    orders_service.record(
        uow,
        order=order,
        event_type="order.change_support_approved",
        payload={"change_request_id": cid},
        actor_id=user.id,
        actor_role=user.role,
    )
    uow.flush()
    session.refresh(cr)
    return _cr_read(session, cr)


def answer_change(
    uow: UnitOfWork,
    *,
    order_id: str,
    cid: str,
    customer: User,
    item_ids: list[str],
    approve: bool,
) -> ChangeRequestRead:
    """The customer approves or rejects items one by one; approved ones are added to
    what the order owes (``extras_total``) and the timeline says who and when."""
    session = uow.session
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=customer)
    if order.customer_id != customer.id:
        raise NotFound("order not found", code="order_not_found")
    cr = _load_cr(session, order_id, cid)
    if cr.status != "awaiting_customer":
        raise Conflict(
            "this change request is not waiting for your answer",
            code="change_request_not_pending",
            details={"status": cr.status},
        )
    if Status(order.status) not in WORKING:
        raise Conflict(
            "extras are answered during service",
            code="illegal_transition",
            details={"status": order.status},
        )
    items = {
        i.id: i
        for i in session.exec(select(ChangeItem).where(ChangeItem.change_request_id == cid)).all()
    }
    unknown = [i for i in item_ids if i not in items]
    if unknown or len(set(item_ids)) != len(item_ids):
        raise Unprocessable(
            "unknown or repeated items", code="change_item_unknown", details={"item_ids": unknown}
        )
    answered = [i for i in item_ids if items[i].status != "pending"]
    if answered:
        raise Conflict(
            "these items were already answered",
            code="change_item_answered",
            details={"item_ids": answered},
        )
    now = clock.now()
    status = "approved" if approve else "rejected"
    added = 0
    for item_id in item_ids:
        item = items[item_id]
        done = session.exec(
            update(ChangeItem)
            .where(col(ChangeItem.id) == item_id, col(ChangeItem.status) == "pending")
            .values(status=status, answered_by=customer.id, answered_at=now)
        )
        if done.rowcount != 1:
            uow.undo()
            raise Conflict("this item was answered meanwhile", code="change_item_answered")
        if approve:
            added += item.amount
    still_pending = sum(1 for i in items.values() if i.status == "pending" and i.id not in item_ids)
    cr.approved_total += added
    if not still_pending:
        cr.status = "answered"
        cr.answered_at = now
    session.add(cr)
    orders_service.record(
        uow,
        order=order,
        event_type=f"order.change_{status}",
        payload={
            "change_request_id": cid,
            "item_ids": item_ids,
            "amount": added if approve else sum(items[i].amount for i in item_ids),
            "extras_total": order.extras_total + added,
        },
        actor_id=customer.id,
        actor_role="customer",
        changes={"extras_total": order.extras_total + added} if added else None,
    )
    uow.flush()
    session.refresh(cr)
    return _cr_read(session, cr)
