from __future__ import annotations

from fastapi import Query, Request

from server.auth.dependencies import CurrentUser, OperatorUser, StaffUser, TechnicianUser
from server.core.deps import SettingsDep, UowDep
from server.core.errors import known_filter
from server.core.ratelimit import enforce
from server.core.routing import api_router
from server.technicians import service
from server.technicians.models import (
    AvailabilityIn,
    AvailabilityRead,
    CertificateIn,
    CertificateRead,
    LevelIn,
    ProfileRead,
    ProfileUpdate,
    PublicTechnicianRead,
    QueueItemRead,
    ReasonIn,
    ServiceAreaIn,
    ServiceAreaRead,
    StatusIn,
    StatusRead,
    VerificationStatus,
    VerifyIn,
)

router = api_router(tags=["technicians"])


# --- the technician's own record ----------------------------------------------------------


@router.get("/technician/profile", response_model=ProfileRead)
def get_profile(user: TechnicianUser, uow: UowDep) -> ProfileRead:
    return service.read_own(uow, user=user)


@router.put("/technician/profile", response_model=ProfileRead)
def put_profile(body: ProfileUpdate, user: TechnicianUser, uow: UowDep) -> ProfileRead:
    profile = service.update_profile(uow, user=user, body=body)
    return service.to_read(uow, profile=profile, own=True)


@router.get("/technician/availability", response_model=AvailabilityRead)
def get_availability(user: TechnicianUser, uow: UowDep, settings: SettingsDep) -> AvailabilityRead:
    return service.read_availability(uow, user=user, timezone=settings.timezone)


@router.put("/technician/availability", response_model=AvailabilityRead)
def put_availability(
    body: AvailabilityIn, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> AvailabilityRead:
    return service.set_availability(uow, user=user, body=body, timezone=settings.timezone)


@router.get("/technician/service-area", response_model=ServiceAreaRead)
def get_service_area(user: TechnicianUser, uow: UowDep) -> ServiceAreaRead:
    return service.read_service_area(uow, user=user)


@router.put("/technician/service-area", response_model=ServiceAreaRead)
def put_service_area(
    request: Request, body: ServiceAreaIn, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> ServiceAreaRead:
    enforce(
        request.app.state.rate_limiter,
        f"service-area:{user.id}",
        limit=settings.service_area_changes_per_hour,
        window_seconds=3600,
    )
    return service.set_service_area(uow, user=user, body=body)


@router.post("/technician/certificates", response_model=CertificateRead, status_code=201)
def post_certificate(
    body: CertificateIn, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> CertificateRead:
    return service.add_certificate(uow, user=user, body=body, timezone=settings.timezone)


@router.get("/technician/certificates", response_model=list[CertificateRead])
def get_certificates(
    user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> list[CertificateRead]:
    return service.list_certificates(uow, user=user, timezone=settings.timezone)


@router.get("/technician/certificates/{certificate_id}", response_model=CertificateRead)
def get_certificate(
    certificate_id: str, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> CertificateRead:
    return service.get_certificate(
        uow, user=user, certificate_id=certificate_id, timezone=settings.timezone
    )


@router.put("/technician/status", response_model=StatusRead)
def put_status(body: StatusIn, user: TechnicianUser, uow: UowDep) -> StatusRead:
    profile = service.set_online(uow, user=user, online=body.online)
    return StatusRead(online=profile.online, verification_status=profile.verification_status)


# --- public --------------------------------------------------------------------------------


@router.get("/technicians/{technician_id}", response_model=PublicTechnicianRead)
def get_public(
    technician_id: str, user: CurrentUser, uow: UowDep, settings: SettingsDep
) -> PublicTechnicianRead:
    return service.public_read(
        uow, technician_id=technician_id, viewer=user, timezone=settings.timezone
    )


# --- operators -----------------------------------------------------------------------------


@router.get("/ops/technicians", response_model=list[QueueItemRead])
def ops_list(
    user: StaffUser,
    uow: UowDep,
    settings: SettingsDep,
    status: str | None = Query(
        "pending", description="pending | verified | rejected | suspended; empty: all"
    ),
    pending_certificates: bool = Query(
        False, description="only technicians with certificates awaiting review"
    ),
    limit: int = Query(100, ge=1, le=500),
) -> list[QueueItemRead]:
    return service.review_queue(
        uow,
        status=known_filter(status, [v.value for v in VerificationStatus], code="status_unknown"),
        pending_certificates=pending_certificates,
        timezone=settings.timezone,
        limit=limit,
    )


@router.get("/ops/technicians/{technician_id}", response_model=QueueItemRead)
def ops_get(
    technician_id: str, user: StaffUser, uow: UowDep, settings: SettingsDep
) -> QueueItemRead:
    return service.queue_item(uow, technician_id=technician_id, timezone=settings.timezone)


@router.post("/ops/technicians/{technician_id}/verify", response_model=QueueItemRead)
def ops_verify(
    technician_id: str, body: VerifyIn, user: OperatorUser, uow: UowDep, settings: SettingsDep
) -> QueueItemRead:
    service.verify(
        uow,
        operator=user,
        technician_id=technician_id,
        decision=body.decision,
        note=body.note,
        timezone=settings.timezone,
    )
    return service.queue_item(uow, technician_id=technician_id, timezone=settings.timezone)


@router.post(
    "/ops/technicians/{technician_id}/certificates/{certificate_id}/review",
    response_model=CertificateRead,
)
def ops_review_certificate(
    technician_id: str,
    certificate_id: str,
    body: VerifyIn,
    user: OperatorUser,
    uow: UowDep,
    settings: SettingsDep,
) -> CertificateRead:
    return service.review_certificate(
        uow,
        operator=user,
        technician_id=technician_id,
        certificate_id=certificate_id,
        decision=body.decision,
        note=body.note,
        timezone=settings.timezone,
    )


@router.post("/ops/technicians/{technician_id}/reinstate", response_model=ProfileRead)
def ops_reinstate(
    technician_id: str, body: ReasonIn, user: OperatorUser, uow: UowDep
) -> ProfileRead:
    profile = service.reinstate(uow, operator=user, technician_id=technician_id, reason=body.reason)
    return service.to_read(uow, profile=profile, own=False)


@router.post("/ops/technicians/{technician_id}/level", response_model=ProfileRead)
def ops_level(technician_id: str, body: LevelIn, user: OperatorUser, uow: UowDep) -> ProfileRead:
    profile = service.set_level(
        uow, operator=user, technician_id=technician_id, level=body.level, reason=body.reason
    )
    return service.to_read(uow, profile=profile, own=False)
