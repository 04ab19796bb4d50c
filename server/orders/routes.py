from __future__ import annotations

from fastapi import Query
from pydantic import AwareDatetime

from server.auth.dependencies import (
    CurrentUser,
    CustomerUser,
    SupportUser,
    TechnicianUser,
)
from server.auth.models import User
from server.core.deps import SettingsDep, UowDep
from server.core.ids import CURSOR_MAX
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.orders import changes, delays, service
from server.orders.machine import Action
from server.orders.models import (
    ActionIn,
    CancelIn,
    DelayRequestCreate,
    DelayRequestRead,
    Order,
    OrderCreate,
    OrderEventRead,
    OrderRead,
    SopDoneIn,
    WorkOrderConfirmIn,
)
from server.pricing.models import ChangeAnswerIn, ChangeRequestCreate, ChangeRequestRead

router = api_router(tags=["orders"])


def _read(uow: UnitOfWork, order: Order, user: User) -> OrderRead:
    return service.to_read(uow, order=order, user=user, now=uow.clock.now())


@router.post("/orders", response_model=OrderRead, status_code=201)
def create_order(
    body: OrderCreate, user: CustomerUser, uow: UowDep, settings: SettingsDep
) -> OrderRead:
    order = service.create(uow, customer=user, body=body, timezone=settings.timezone)
    return _read(uow, order, user)


@router.get("/orders", response_model=list[OrderRead])
def list_orders(
    user: CurrentUser,
    uow: UowDep,
    status: list[str] | None = Query(default=None),
    limit: int = Query(default=50, ge=1, le=200),
    before: AwareDatetime | None = None,
) -> list[OrderRead]:
    orders = service.list_for(
        uow, user=user, status=service.known_statuses(status), limit=limit, before=before
    )
    return [_read(uow, o, user) for o in orders]


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: str, user: CurrentUser, uow: UowDep) -> OrderRead:
    return _read(uow, service.get_for(uow, order_id=order_id, user=user), user)


@router.get("/orders/{order_id}/events", response_model=list[OrderEventRead])
def order_events(
    order_id: str,
    user: CurrentUser,
    uow: UowDep,
    after_seq: int = Query(default=0, ge=0, le=CURSOR_MAX),
    limit: int = Query(default=500, ge=1, le=1000),
) -> list[OrderEventRead]:
    service.get_for(uow, order_id=order_id, user=user)
    return [
        service.event_to_read(e)
        for e in service.events_after(uow, order_id=order_id, after_seq=after_seq, limit=limit)
    ]


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(order_id: str, body: CancelIn, user: CurrentUser, uow: UowDep) -> OrderRead:
    service.get_for(uow, order_id=order_id, user=user)
    extra = {"expected_fee": body.expected_fee} if body.expected_fee is not None else None
    order, _ = service.move(
        uow,
        order_id=order_id,
        action=Action.CANCEL,
        actor=service.actor_for(user),
        reason=body.reason,
        extra=extra,
    )
    return _read(uow, order, user)


@router.post("/orders/{order_id}/confirm", response_model=OrderRead)
def confirm(order_id: str, user: CustomerUser, uow: UowDep) -> OrderRead:
    service.get_for(uow, order_id=order_id, user=user)
    order, _ = service.move(
        uow, order_id=order_id, action=Action.CONFIRM, actor=service.actor_for(user)
    )
    return _read(uow, order, user)


def _technician_move(action: Action):  # noqa: ANN202
    def endpoint(
        order_id: str, user: TechnicianUser, uow: UowDep, body: ActionIn | None = None
    ) -> OrderRead:
        body = body or ActionIn()
        service.get_for(uow, order_id=order_id, user=user)
        location = (body.lat, body.lng) if body.lat is not None and body.lng is not None else None
        order, _ = service.move(
            uow,
            order_id=order_id,
            action=action,
            actor=service.actor_for(user),
            occurred_at=body.occurred_at,
            location=location,
            reason=body.reason,
        )
        return _read(uow, order, user)

    endpoint.__name__ = f"technician_{action.value}"
    return endpoint


for _path, _action in (
    ("depart", Action.DEPART),
    ("arrive", Action.ARRIVE),
    ("start", Action.START),
    ("finish", Action.FINISH),
    ("transfer", Action.TRANSFER),
):
    router.add_api_route(
        f"/orders/{{order_id}}/{_path}",
        _technician_move(_action),
        methods=["POST"],
        response_model=OrderRead,
        summary=f"Technician: {_path}",
    )


@router.post("/orders/{order_id}/sop/{step_no}/done", response_model=OrderRead)
def sop_done(
    order_id: str, step_no: int, body: SopDoneIn, user: TechnicianUser, uow: UowDep
) -> OrderRead:
    service.get_for(uow, order_id=order_id, user=user)
    order = service.complete_sop_step(
        uow,
        order_id=order_id,
        step_no=step_no,
        technician=user,
        photo_file_id=body.photo_file_id,
        note=body.note,
        occurred_at=body.occurred_at,
    )
    return _read(uow, order, user)


@router.post("/orders/{order_id}/work-order/confirm", response_model=OrderRead)
def confirm_work_order(
    order_id: str, body: WorkOrderConfirmIn, user: CurrentUser, uow: UowDep
) -> OrderRead:
    order = service.confirm_work_order(
        uow,
        order_id=order_id,
        user=user,
        signed_on=body.signed_on,
        signature_file_id=body.signature_file_id,
    )
    return _read(uow, order, user)


# --- on-site change requests ------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/change-requests", response_model=ChangeRequestRead, status_code=201
)
def propose_change(
    order_id: str,
    body: ChangeRequestCreate,
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
) -> ChangeRequestRead:
    return changes.propose_change(
        uow, order_id=order_id, technician=user, items=body.items, timezone=settings.timezone
    )


@router.get("/orders/{order_id}/change-requests", response_model=list[ChangeRequestRead])
def list_changes(order_id: str, user: CurrentUser, uow: UowDep) -> list[ChangeRequestRead]:
    return changes.list_change_requests(uow, order_id=order_id, user=user)


@router.post("/orders/{order_id}/change-requests/{cid}/approve", response_model=ChangeRequestRead)
def approve_change(
    order_id: str, cid: str, body: ChangeAnswerIn, user: CustomerUser, uow: UowDep
) -> ChangeRequestRead:
    return changes.answer_change(
        uow, order_id=order_id, cid=cid, customer=user, item_ids=body.item_ids, approve=True
    )


@router.post("/orders/{order_id}/change-requests/{cid}/reject", response_model=ChangeRequestRead)
def reject_change(
    order_id: str, cid: str, body: ChangeAnswerIn, user: CustomerUser, uow: UowDep
) -> ChangeRequestRead:
    return changes.answer_change(
        uow, order_id=order_id, cid=cid, customer=user, item_ids=body.item_ids, approve=False
    )


@router.post(
    "/orders/{order_id}/change-requests/{cid}/support-approve", response_model=ChangeRequestRead
)
def support_approve(order_id: str, cid: str, user: SupportUser, uow: UowDep) -> ChangeRequestRead:
    return changes.support_approve_change(uow, order_id=order_id, cid=cid, user=user)


# --- moving a visit (改约) ---------------------------------------------------------------------


@router.post("/orders/{order_id}/delay-requests", response_model=DelayRequestRead, status_code=201)
def request_delay(
    order_id: str, body: DelayRequestCreate, user: TechnicianUser, uow: UowDep
) -> DelayRequestRead:
    """The assigned technician asks to move the visit (at least the rule's notice before
    it starts); the customer is asked."""
    return delays.request_delay(
        uow,
        order_id=order_id,
        technician=user,
        scheduled_start=body.scheduled_start,
        reason=body.reason,
    )


@router.get("/orders/{order_id}/delay-requests", response_model=list[DelayRequestRead])
def list_delays(order_id: str, user: CurrentUser, uow: UowDep) -> list[DelayRequestRead]:
    return delays.list_delay_requests(uow, order_id=order_id, user=user)


@router.post("/orders/{order_id}/delay-requests/{rid}/accept", response_model=DelayRequestRead)
def accept_delay(order_id: str, rid: str, user: CustomerUser, uow: UowDep) -> DelayRequestRead:
    """The customer takes the new time: the visit moves."""
    return delays.answer_delay(uow, order_id=order_id, request_id=rid, customer=user, accept=True)


@router.post("/orders/{order_id}/delay-requests/{rid}/decline", response_model=DelayRequestRead)
def decline_delay(order_id: str, rid: str, user: CustomerUser, uow: UowDep) -> DelayRequestRead:
    """The customer keeps the booked time: another technician is sought."""
    return delays.answer_delay(uow, order_id=order_id, request_id=rid, customer=user, accept=False)
