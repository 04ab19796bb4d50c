"""Ratings, complaints and appeals: customer, technician and support sides."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request

from server.auth.dependencies import (
    CurrentUser,
    CustomerUser,
    OperatorUser,
    SupportUser,
    TechnicianUser,
)
from server.core.deps import UowDep, client_ip
from server.core.errors import known_filter
from server.core.routing import api_router
from server.reviews import service
from server.reviews.models import (
    COMPLAINT_STATUSES,
    AnswerIn,
    AppealDecideIn,
    AppealIn,
    AppealRead,
    ComplaintDetail,
    ComplaintIn,
    ComplaintRead,
    ResolveIn,
    ReviewIn,
    ReviewRead,
    ScoreRead,
)

router = api_router(tags=["reviews"])


@router.post("/orders/{order_id}/reviews", response_model=ReviewRead, status_code=201)
def rate_order(order_id: str, body: ReviewIn, user: CurrentUser, uow: UowDep) -> ReviewRead:
    return service.create_review(uow, user=user, order_id=order_id, body=body)


@router.get("/orders/{order_id}/reviews", response_model=list[ReviewRead])
def order_reviews(order_id: str, user: CurrentUser, uow: UowDep) -> list[ReviewRead]:
    return service.reviews_of_order(uow, user=user, order_id=order_id)


@router.get("/technicians/{technician_id}/reviews", response_model=list[ReviewRead])
def technician_reviews(
    technician_id: str, uow: UowDep, limit: int = Query(50, ge=1, le=200)
) -> list[ReviewRead]:
    """Public: what customers said, with their names masked."""
    return service.public_reviews(uow, technician_id=technician_id, limit=limit)


@router.post("/orders/{order_id}/complaints", response_model=ComplaintRead, status_code=201)
def complain(order_id: str, body: ComplaintIn, user: CustomerUser, uow: UowDep) -> ComplaintRead:
    return service.create_complaint(uow, user=user, order_id=order_id, body=body)


@router.get("/technician/complaints", response_model=list[ComplaintRead])
def my_complaints(user: TechnicianUser, uow: UowDep) -> list[ComplaintRead]:
    return service.technician_complaints(uow, user=user)


@router.post("/technician/complaints/{complaint_id}/answer", response_model=ComplaintRead)
def answer(complaint_id: str, body: AnswerIn, user: TechnicianUser, uow: UowDep) -> ComplaintRead:
    return service.answer_complaint(uow, user=user, complaint_id=complaint_id, text=body.text)


@router.get("/technician/score", response_model=ScoreRead)
def my_score(user: TechnicianUser, uow: UowDep) -> ScoreRead:
    return service.explain_score(uow, user=user)


@router.post("/technician/appeals", response_model=AppealRead, status_code=201)
def appeal(body: AppealIn, user: TechnicianUser, uow: UowDep) -> AppealRead:
    return service.create_appeal(
        uow, user=user, target_type=body.target_type, target_id=body.target_id, reason=body.reason
    )


@router.get("/technician/appeals", response_model=list[AppealRead])
def my_appeals(user: TechnicianUser, uow: UowDep) -> list[AppealRead]:
    return service.list_appeals(uow, user=user)


# --- support ------------------------------------------------------------------------------


@router.get("/ops/complaints", response_model=list[ComplaintRead])
def ops_complaints(
    user: SupportUser,
    uow: UowDep,
    status: str | None = None,
    technician_id: str | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[ComplaintRead]:
    status = known_filter(status, COMPLAINT_STATUSES, code="status_unknown")
    return service.list_complaints(uow, status=status, technician_id=technician_id, limit=limit)


@router.get("/ops/complaints/{complaint_id}", response_model=ComplaintDetail)
def ops_complaint(
    complaint_id: str, user: SupportUser, uow: UowDep, request: Request
) -> ComplaintDetail:
    return service.complaint_detail(
        uow, user=user, complaint_id=complaint_id, ip=client_ip(request)
    )


@router.post("/ops/complaints/{complaint_id}/resolve", response_model=ComplaintRead)
def ops_resolve(
    complaint_id: str, body: ResolveIn, user: SupportUser, uow: UowDep, request: Request
) -> ComplaintRead:
    return service.resolve_complaint(
        uow, user=user, complaint_id=complaint_id, body=body, ip=client_ip(request)
    )


@router.get("/ops/appeals", response_model=list[AppealRead])
def ops_appeals(user: SupportUser, uow: UowDep, status: str | None = None) -> list[AppealRead]:
    return service.list_appeals(uow, status=status)


@router.post("/ops/appeals/{appeal_id}/decide", response_model=AppealRead)
def ops_decide(
    appeal_id: str, body: AppealDecideIn, user: SupportUser, uow: UowDep, request: Request
) -> AppealRead:
    return service.decide_appeal(
        uow,
        user=user,
        appeal_id=appeal_id,
        decision=body.decision,
        note=body.note,
        ip=client_ip(request),
    )


@router.post("/ops/levels/recompute")
def ops_levels(user: OperatorUser, uow: UowDep, request: Request) -> dict[str, Any]:
    """The quarterly level review (previous quarter), written into each technician profile."""
    results = service.recompute_levels(uow, operator=user, ip=client_ip(request))
    return {"technicians": results}
