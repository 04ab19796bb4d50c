"""Quality control over HTTP: the inspectors' checks, the technician's deposit and its
top-up, and what operators see of both.

Roles: inspectors (and admins) list, claim and record checks; a technician reads and tops
up his own deposit only; checks are read by staff (operator, support, admin), deposits by
operators, finance and admins, who may also reassess them at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from server.audit import log as audit_service
from server.auth.dependencies import (
    InspectorUser,
    OperatorUser,
    StaffUser,
    TechnicianUser,
    require_roles,
)
from server.auth.models import Role, User
from server.core.deps import UowDep, client_ip
from server.core.errors import known_filter
from server.core.routing import api_router
from server.payments import service as payments_service
from server.payments.models import PaymentRead
from server.quality import service
from server.quality.models import (
    CHECK_STATUSES,
    CheckOutcomeIn,
    CheckRead,
    DepositRead,
    DepositReturnIn,
    DepositSummaryRead,
    DepositTopUpIn,
    ReassessRead,
)

router = api_router(tags=["quality"])

DepositReader = Annotated[User, Depends(require_roles(Role.operator, Role.finance, Role.admin))]


# --- inspectors ----------------------------------------------------------------------------


@router.get("/inspections", response_model=list[CheckRead])
def my_checks(
    user: InspectorUser,
    uow: UowDep,
    request: Request,
    status: str = "open",
    limit: int = Query(100, ge=1, le=500),
) -> list[CheckRead]:
    """Open: the checks given to me and the ones nobody holds; passed / failed: mine."""
    status = known_filter(status, CHECK_STATUSES, code="status_unknown") or "open"
    return service.inspector_checks(
        uow, user=user, status=status, limit=limit, ip=client_ip(request)
    )


@router.get("/inspections/{check_id}", response_model=CheckRead)
def my_check(check_id: str, user: InspectorUser, uow: UowDep, request: Request) -> CheckRead:
    return service.inspector_check(uow, user=user, check_id=check_id, ip=client_ip(request))


@router.post("/inspections/{check_id}/claim", response_model=CheckRead)
def claim_check(check_id: str, user: InspectorUser, uow: UowDep, request: Request) -> CheckRead:
    return service.claim(uow, user=user, check_id=check_id, ip=client_ip(request))


@router.post("/inspections/{check_id}/outcome", response_model=CheckRead)
def record_check(
    check_id: str, body: CheckOutcomeIn, user: InspectorUser, uow: UowDep, request: Request
) -> CheckRead:
    return service.record_outcome(
        uow, user=user, check_id=check_id, body=body, ip=client_ip(request)
    )


# --- the technician ------------------------------------------------------------------------


@router.get("/technician/deposit", response_model=DepositRead)
def my_deposit(user: TechnicianUser, uow: UowDep) -> DepositRead:
    return service.deposit_read(uow, technician_id=user.id)


@router.post("/technician/deposit/top-ups", response_model=PaymentRead, status_code=201)
def top_up(body: DepositTopUpIn, user: TechnicianUser, uow: UowDep) -> PaymentRead:
    """Pay (part of) what is missing through a payment provider; the deposit grows when
    the provider confirms (the sandbox: ``POST /sandbox/payments/{id}/approve``)."""
    return payments_service.to_read(service.top_up(uow, user=user, body=body))


@router.post("/technician/deposit/returns", response_model=DepositRead, status_code=201)
def return_deposit(body: DepositReturnIn, user: TechnicianUser, uow: UowDep) -> DepositRead:
    """Take back what the deposit holds above the requirement (all by default): it is
    paid out with the next payout. His own deposit only: there is no way to name another's."""
    return service.return_excess(uow, user=user, body=body)


# --- operators -----------------------------------------------------------------------------


@router.get("/ops/quality/checks", response_model=list[CheckRead])
def ops_checks(
    user: StaffUser,
    uow: UowDep,
    status: str | None = None,
    technician_id: str | None = None,
    inspector_id: str | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[CheckRead]:
    status = known_filter(status, CHECK_STATUSES, code="status_unknown")
    return service.staff_checks(
        uow, status=status, technician_id=technician_id, inspector_id=inspector_id, limit=limit
    )


@router.get("/ops/quality/deposits", response_model=list[DepositSummaryRead])
def ops_deposits(
    user: DepositReader,
    uow: UowDep,
    raised: bool | None = None,
    short: bool | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[DepositSummaryRead]:
    return service.summaries(uow, raised=raised, short=short, limit=limit)


@router.get("/ops/quality/deposits/{technician_id}", response_model=DepositRead)
def ops_deposit(technician_id: str, user: DepositReader, uow: UowDep) -> DepositRead:
    return service.technician_deposit_for_staff(uow, technician_id=technician_id)


@router.post("/ops/quality/deposits/reassess", response_model=ReassessRead)
def ops_reassess(user: OperatorUser, uow: UowDep, request: Request) -> ReassessRead:
    """Apply the deposit rule now (it runs hourly, and whenever a rate it counts moves)."""
    result = service.reassess(uow)
    audit_service.record(
        uow,
        actor=user,
        action="quality.deposits_reassess",
        target_type="technician_deposit",
        ip=client_ip(request),
        details=result.model_dump(),
    )
    return result
