"""The catalog: loaded from assets/catalog.yaml, read by everyone.

Services are read on every quote and order, and change only when the catalog is
reloaded (``doorstep load-catalog`` at a deploy): each process keeps a copy of the ones
it read for ``SERVICE_COPY_SECONDS``. A reload clears its own process's copies; other
processes see it within that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import col, or_, select

from server.catalog import search as catalog_search
from server.catalog.models import (
    CatalogTermRead,
    Category,
    CategoryNode,
    CertificateType,
    Service,
    ServiceRead,
    ServiceSummary,
    SkillType,
    SopStepRead,
)
from server.core.errors import NotFound
from server.core.uow import UnitOfWork

DEFAULT_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog.yaml"


def _stable_id(prefix: str, code: str) -> str:
    """Catalog ids are derived from codes so reloading keeps every reference valid."""
    return f"{prefix}_{code}"


def load_catalog(uow: UnitOfWork, *, path: Path = DEFAULT_CATALOG) -> dict[str, int]:
    """Insert or update the catalog from YAML (idempotent)."""
    session = uow.session
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {"categories": 0, "services": 0}
    for row in catalog_rows(data):
        session.merge(row)
        if isinstance(row, Category) and row.level == 1:
            counts["categories"] += 1
        elif isinstance(row, Service):
            counts["services"] += 1
    _service_copies.clear()
    return counts


def catalog_rows(
    data: dict[str, Any],
) -> Iterator[SkillType | CertificateType | Category | Service]:
    """The catalog's rows from its YAML, parents before children (no database: the
    search tests build their documents from these)."""
    for skill in data.get("skills", []):
        yield SkillType(code=skill["code"], name_zh=skill["name_zh"], name_en=skill["name_en"])
    for cert in data.get("certificates", []):
        yield CertificateType(code=cert["code"], name_zh=cert["name_zh"], name_en=cert["name_en"])
    for top_pos, top in enumerate(data["categories"]):
        top_id = _stable_id("cat", top["code"])
        yield Category(
            id=top_id,
            code=top["code"],
            parent_id=None,
            level=1,
            name_zh=top["name_zh"],
            name_en=top["name_en"],
            icon=top.get("icon"),
            position=top_pos,
        )
        for child_pos, child in enumerate(top.get("children", [])):
            child_id = _stable_id("cat", child["code"])
            yield Category(
                id=child_id,
                code=child["code"],
                parent_id=top_id,
                level=2,
                name_zh=child["name_zh"],
                name_en=child["name_en"],
                icon=child.get("icon") or top.get("icon"),
                position=child_pos,
            )
            for pos, svc in enumerate(child.get("services", [])):
                yield _service_row(svc, child_id, top_id, pos)


def _service_row(svc: dict[str, Any], category_id: str, top_id: str, position: int) -> Service:
    keywords = [str(k) for k in svc.get("keywords", [])]
    search_text = " ".join(
        [svc["name_zh"], svc["name_en"], *keywords, *svc.get("tags", [])]
    ).lower()
    return Service(
        id=_stable_id("svc", svc["code"]),
        code=svc["code"],
        category_id=category_id,
        top_category_id=top_id,
        name_zh=svc["name_zh"],
        name_en=svc["name_en"],
        description_zh=svc.get("description_zh", ""),
        description_en=svc.get("description_en", ""),
        keywords=keywords,
        search_text=search_text,
        pricing=dict(svc["pricing"]),
        duration_minutes=int(svc["duration_minutes"]),
        skills=list(svc.get("skills", [])),
        certificates=list(svc.get("certificates", [])),
        materials=svc.get("materials", "platform"),
        tags=[str(t) for t in svc.get("tags", [])],
        addons=list(svc.get("addons", [])),
        rate_card=list(svc.get("rate_card", [])),
        acceptance_criteria_zh=svc.get("acceptance_criteria_zh", ""),
        acceptance_criteria_en=svc.get("acceptance_criteria_en", ""),
        sop=[
            {
                "no": i + 1,
                "title_zh": s["title_zh"],
                "title_en": s.get("title_en", ""),
                "photo": bool(s.get("photo")),
            }
            for i, s in enumerate(svc.get("sop", []))
        ],
        position=position,
    )


SERVICE_COPY_SECONDS = 60.0
# (database, service id) -> (when read, a copy bound to no session; never mutated)
_service_copies: dict[tuple[object, str], tuple[float, Service]] = {}


def get_service(uow: UnitOfWork, *, service_id: str) -> Service:
    """An active service, from this process's copy when it is fresh. Read-only: callers
    share the copy."""
    session = uow.session
    key = (session.get_bind().engine.url, service_id)
    copy = _service_copies.get(key)
    if copy is None or time.monotonic() - copy[0] > SERVICE_COPY_SECONDS:
        row = session.get(Service, service_id)
        if row is None:
            raise NotFound(
                "no such service", code="service_not_found", details={"service_id": service_id}
            )
        copy = (time.monotonic(), Service(**row.model_dump()))
        _service_copies[key] = copy
    service = copy[1]
    if not service.active:
        raise NotFound(
            "no such service", code="service_not_found", details={"service_id": service_id}
        )
    return service


def to_read(service: Service) -> ServiceRead:
    data = service.model_dump()
    data["sop"] = [SopStepRead(**s) for s in service.sop]
    return ServiceRead(**data)


def to_summary(service: Service) -> ServiceSummary:
    return ServiceSummary(**service.model_dump())


def search(
    uow: UnitOfWork, *, q: str | None = None, category_id: str | None = None
) -> list[Service]:
    """Active services, in the catalog's order; with ``q``, only those that answer it,
    most relevant first (the rule: :mod:`server.catalog.ranking`)."""
    session = uow.session
    stmt = select(Service).where(Service.active == True)  # noqa: E712
    if category_id:
        stmt = stmt.where(
            or_(Service.category_id == category_id, Service.top_category_id == category_id)
        )
    services = list(
        session.exec(stmt.order_by(col(Service.top_category_id), col(Service.position))).all()
    )
    if q and q.strip():
        names = select(Category.id, Category.name_zh, Category.name_en)
        categories = {cid: (zh, en) for cid, zh, en in session.exec(names).all()}
        return [s for s, _ in catalog_search.ranked(services, categories, q)]
    return services


def tree(uow: UnitOfWork) -> list[CategoryNode]:
    session = uow.session
    categories = list(
        session.exec(select(Category).order_by(col(Category.level), col(Category.position))).all()
    )
    services = search(uow)
    nodes = {
        c.id: CategoryNode(
            id=c.id, code=c.code, level=c.level, name_zh=c.name_zh, name_en=c.name_en, icon=c.icon
        )
        for c in categories
    }
    roots: list[CategoryNode] = []
    for c in categories:
        if c.parent_id and c.parent_id in nodes:
            nodes[c.parent_id].children.append(nodes[c.id])
        elif c.parent_id is None:
            roots.append(nodes[c.id])
    for s in services:
        if s.category_id in nodes:
            nodes[s.category_id].services.append(to_summary(s))
    return roots


def skills(uow: UnitOfWork) -> list[CatalogTermRead]:
    """Every skill a technician may declare (the profile refuses any other)."""
    rows = uow.session.exec(select(SkillType).order_by(col(SkillType.code))).all()
    return [CatalogTermRead(code=r.code, name_zh=r.name_zh, name_en=r.name_en) for r in rows]


def certificate_types(uow: UnitOfWork) -> list[CatalogTermRead]:
    """Every certificate type a technician may submit."""
    rows = uow.session.exec(select(CertificateType).order_by(col(CertificateType.code))).all()
    return [CatalogTermRead(code=r.code, name_zh=r.name_zh, name_en=r.name_en) for r in rows]


def skill_codes(uow: UnitOfWork) -> set[str]:
    session = uow.session
    return set(session.exec(select(SkillType.code)).all())


def certificate_codes(uow: UnitOfWork) -> set[str]:
    session = uow.session
    return set(session.exec(select(CertificateType.code)).all())
