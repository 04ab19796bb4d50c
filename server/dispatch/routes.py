"""Dispatch over HTTP: offers, the open pool, claims, the day plan, blocks, ops views."""

from __future__ import annotations

from datetime import date

from fastapi import Query, Request, Response

from server.auth.dependencies import (
    CustomerUser,
    OperatorUser,
    StaffUser,
    TechnicianUser,
)
from server.core.deps import SettingsDep, UowDep, client_ip
from server.core.routing import api_router
from server.dispatch import service
from server.dispatch.models import (
    AssignIn,
    BlockIn,
    BlockRead,
    DeclineIn,
    OfferRead,
    OrderDispatchRead,
    PoolItemRead,
    ReassignIn,
    ReassignRead,
    RespondIn,
    RoundRead,
    ScheduleRead,
    SlotsRead,
)
from server.dispatch.suspension import SuspendedWork, release_work
from server.orders.models import OrderRead
from server.technicians import service as technicians_service
from server.technicians.models import ProfileRead, ReasonIn

router = api_router(tags=["dispatch"])


@router.get("/catalog/services/{service_id}/slots", response_model=SlotsRead)
def service_slots(
    service_id: str,
    uow: UowDep,
    settings: SettingsDep,
    day: date = Query(alias="date"),
    lat: float = Query(ge=-90, le=90),
    lng: float = Query(ge=-180, le=180),
    units: int | None = Query(default=None, ge=1, le=100),
) -> SlotsRead:
    """Public: the day's slots at an address, each with how many technicians could take it."""
    return service.day_slots(
        uow,
        service_id=service_id,
        day=day,
        lat=lat,
        lng=lng,
        units=units,
        timezone=settings.timezone,
    )


@router.get("/technician/offers", response_model=list[OfferRead])
def my_offers(user: TechnicianUser, uow: UowDep, settings: SettingsDep) -> list[OfferRead]:
    return service.my_offers(uow, user=user, timezone=settings.timezone)


@router.post("/technician/offers/{offer_id}/accept", response_model=OrderRead)
def accept_offer(
    offer_id: str,
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
    body: RespondIn | None = None,
) -> OrderRead:
    return service.accept_offer(
        uow,
        user=user,
        offer_id=offer_id,
        timezone=settings.timezone,
        occurred_at=body.occurred_at if body else None,
    )


@router.post("/technician/offers/{offer_id}/decline", response_model=OfferRead)
def decline_offer(
    offer_id: str,
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
    body: DeclineIn | None = None,
) -> OfferRead:
    body = body or DeclineIn()
    return service.decline_offer(
        uow,
        user=user,
        offer_id=offer_id,
        timezone=settings.timezone,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )


@router.get("/technician/pool", response_model=list[PoolItemRead])
def pool(user: TechnicianUser, uow: UowDep, settings: SettingsDep) -> list[PoolItemRead]:
    return service.pool(uow, user=user, timezone=settings.timezone)


@router.post("/orders/{order_id}/claim", response_model=OrderRead)
def claim(
    order_id: str,
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
    body: RespondIn | None = None,
) -> OrderRead:
    return service.claim(
        uow,
        user=user,
        order_id=order_id,
        timezone=settings.timezone,
        occurred_at=body.occurred_at if body else None,
    )


@router.get("/technician/schedule", response_model=ScheduleRead)
def schedule(
    user: TechnicianUser, uow: UowDep, settings: SettingsDep, day: date | None = None
) -> ScheduleRead:
    """The day's jobs in visiting order with ETAs (``?day=YYYY-MM-DD``, default today)."""
    return service.schedule(uow, user=user, timezone=settings.timezone, day=day)


@router.get("/me/blocked-technicians", response_model=list[BlockRead])
def list_blocks(user: CustomerUser, uow: UowDep) -> list[BlockRead]:
    return service.blocks(uow, user=user)


@router.post("/me/blocked-technicians", response_model=BlockRead, status_code=201)
def block(body: BlockIn, user: CustomerUser, uow: UowDep) -> BlockRead:
    return service.block(uow, user=user, technician_id=body.technician_id, reason=body.reason)


@router.delete("/me/blocked-technicians/{technician_id}", status_code=204)
def unblock(technician_id: str, user: CustomerUser, uow: UowDep) -> Response:
    service.unblock(uow, user=user, technician_id=technician_id)
    return Response(status_code=204)


@router.get("/ops/dispatch/{order_id}", response_model=OrderDispatchRead)
def explain(order_id: str, user: StaffUser, uow: UowDep) -> OrderDispatchRead:
    """Every decision on the order: candidates with features and scores, rejections, offers."""
    return service.explain(uow, order_id=order_id)


@router.post("/ops/dispatch/{order_id}/assign", response_model=OrderDispatchRead)
def assign(
    order_id: str, body: AssignIn, user: OperatorUser, uow: UowDep, settings: SettingsDep
) -> OrderDispatchRead:
    return service.assign(
        uow,
        user=user,
        order_id=order_id,
        technician_id=body.technician_id,
        timezone=settings.timezone,
        note=body.note,
    )


@router.post("/ops/orders/{order_id}/reassign", response_model=ReassignRead)
def reassign(
    order_id: str, body: ReassignIn, user: OperatorUser, uow: UowDep, request: Request
) -> ReassignRead:
    """Send an accepted order back to dispatch, away from its technician, with a reason;
    ``platform_fault: true`` pays them the transfer compensation (10% by default)."""
    return service.reassign(
        uow,
        user=user,
        order_id=order_id,
        reason=body.reason,
        platform_fault=body.platform_fault,
        ip=client_ip(request),
    )


@router.post("/ops/dispatch/run", response_model=RoundRead)
def run_round(user: OperatorUser, uow: UowDep, settings: SettingsDep) -> RoundRead:
    """Run one dispatcher round now (expire offers, place waiting orders)."""
    return service.run_round(uow, timezone=settings.timezone, batch_due=True)


# --- suspension: the technician's record, and the work he held ------------------------


class SuspensionRead(ProfileRead):
    work: SuspendedWork


@router.post(
    "/ops/technicians/{technician_id}/suspend",
    response_model=SuspensionRead,
    tags=["technicians"],
)
def ops_suspend(
    technician_id: str, body: ReasonIn, user: OperatorUser, uow: UowDep
) -> SuspensionRead:
    """Suspend a verified technician: his accepted jobs go back to dispatch, his pending
    offers are withdrawn, jobs under way are flagged for the operator (``work``)."""
    profile = technicians_service.suspend(
        uow, operator=user, technician_id=technician_id, reason=body.reason
    )
    work = release_work(uow, operator=user, technician_id=technician_id, reason=body.reason)
    read = technicians_service.to_read(uow, profile=profile, own=False)
    return SuspensionRead(**read.model_dump(), work=work)
