from __future__ import annotations

from fastapi import Query

from server.catalog import service
from server.catalog.models import CatalogTermRead, CategoryNode, ServiceRead, ServiceSummary
from server.core.deps import UowDep
from server.core.routing import api_router

router = api_router(prefix="/catalog", tags=["catalog"])


@router.get("/categories", response_model=list[CategoryNode])
def categories(uow: UowDep) -> list[CategoryNode]:
    return service.tree(uow)


@router.get("/skills", response_model=list[CatalogTermRead])
def skills(uow: UowDep) -> list[CatalogTermRead]:
    """The skills technicians choose from when onboarding (the profile takes only these)."""
    return service.skills(uow)


@router.get("/certificate-types", response_model=list[CatalogTermRead])
def certificate_types(uow: UowDep) -> list[CatalogTermRead]:
    """The certificate types technicians may submit for verification."""
    return service.certificate_types(uow)


@router.get("/services", response_model=list[ServiceSummary])
def services(
    uow: UowDep,
    q: str | None = Query(default=None, max_length=100),
    category_id: str | None = Query(default=None, max_length=64),
) -> list[ServiceSummary]:
    return [service.to_summary(s) for s in service.search(uow, q=q, category_id=category_id)]


@router.get("/services/{service_id}", response_model=ServiceRead)
def service_detail(service_id: str, uow: UowDep) -> ServiceRead:
    return service.to_read(service.get_service(uow, service_id=service_id))
