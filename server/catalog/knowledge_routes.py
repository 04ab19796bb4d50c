"""The knowledge base over HTTP: the list (with search) and one article.

Technicians and staff only: the faults' fixes and the safety notes are the platform's
training material for its workers, not a customer-facing page (customers see the
service's description and SOP in the catalog). Staff read it to answer a technician
on the phone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlmodel import select

from server.auth.dependencies import require_roles
from server.auth.models import Role, User
from server.catalog import knowledge
from server.catalog import service as catalog_service
from server.catalog.models import Category, KnowledgeArticle, KnowledgeSummary, Service
from server.core.deps import UowDep
from server.core.errors import NotFound
from server.core.routing import api_router
from server.core.uow import UnitOfWork

router = api_router(prefix="/knowledge", tags=["knowledge"])

Reader = Annotated[
    User,
    Depends(require_roles(Role.technician, Role.operator, Role.support, Role.admin)),
]


def _categories(uow: UnitOfWork) -> dict[str, tuple[str, str, str | None]]:
    rows = uow.session.exec(select(Category.id, Category.name_zh, Category.name_en, Category.icon))
    return {cid: (zh, en, icon) for cid, zh, en, icon in rows.all()}


def _article(
    service: Service, categories: dict[str, tuple[str, str, str | None]]
) -> KnowledgeArticle:
    category = categories.get(service.top_category_id, ("", "", None))
    return knowledge.article(service, category, knowledge.shared())


@router.get("", response_model=list[KnowledgeSummary])
def articles(
    user: Reader, uow: UowDep, q: str | None = Query(default=None, max_length=100)
) -> list[KnowledgeSummary]:
    """Every active service's article in the catalog's order, or with ``q`` those that
    answer it, best first; each with its version, to refresh an offline copy."""
    # a service loaded after this process started has no article until it restarts
    entries = knowledge.shared().entries
    services = [s for s in catalog_service.search(uow) if s.code in entries]
    categories = _categories(uow)
    found = [_article(s, categories) for s in services]
    if q and q.strip():
        keywords = {s.id: [str(k) for k in s.keywords] for s in services}
        return knowledge.search(found, keywords, q)
    return [knowledge.summary(a) for a in found]


@router.get("/{service_id}", response_model=KnowledgeArticle)
def article(service_id: str, user: Reader, uow: UowDep) -> KnowledgeArticle:
    svc = catalog_service.get_service(uow, service_id=service_id)
    if svc.code not in knowledge.shared().entries:
        raise NotFound(
            "no article for this service",
            code="knowledge_not_found",
            details={"service_id": service_id},
        )
    return _article(svc, _categories(uow))
