from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class Category(SQLModel, table=True):
    """Levels 1 (category) and 2 (sub-category); services hang under level 2."""

    id: str = Field(primary_key=True, max_length=40)
    code: str = Field(unique=True, max_length=60)
    parent_id: str | None = Field(default=None, foreign_key="category.id", index=True)
    level: int
    name_zh: str
    name_en: str
    icon: str | None = None
    position: int = 0


class Service(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    code: str = Field(unique=True, max_length=60)
    category_id: str = Field(foreign_key="category.id", index=True)
    top_category_id: str = Field(foreign_key="category.id", index=True)
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    keywords: list[str] = Field(default_factory=list, sa_column=json_column())
    search_text: str = ""  # names + keywords, lower-cased, for keyword search
    pricing: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    duration_minutes: int
    skills: list[str] = Field(default_factory=list, sa_column=json_column())
    certificates: list[str] = Field(default_factory=list, sa_column=json_column())
    materials: str = "platform"
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    addons: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    rate_card: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    acceptance_criteria_zh: str = ""
    acceptance_criteria_en: str = ""
    sop: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    active: bool = True
    position: int = 0


class SkillType(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=60)
    name_zh: str
    name_en: str


class CatalogTermRead(BaseModel):
    """A skill or certificate type of the catalog, as technicians pick it when onboarding."""

    code: str
    name_zh: str
    name_en: str


class CertificateType(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=60)
    name_zh: str
    name_en: str


class SopStepRead(BaseModel):
    no: int
    title_zh: str
    title_en: str
    photo: bool


class ServiceRead(BaseModel):
    id: str
    code: str
    category_id: str
    top_category_id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    keywords: list[str]
    pricing: dict[str, Any]
    duration_minutes: int
    skills: list[str]
    certificates: list[str]
    materials: str
    tags: list[str]
    addons: list[dict[str, Any]]
    rate_card: list[dict[str, Any]]
    acceptance_criteria_zh: str
    acceptance_criteria_en: str
    sop: list[SopStepRead]


class ServiceSummary(BaseModel):
    id: str
    code: str
    category_id: str
    top_category_id: str
    name_zh: str
    name_en: str
    pricing: dict[str, Any]
    duration_minutes: int
    tags: list[str]


class CategoryNode(BaseModel):
    id: str
    code: str
    level: int
    name_zh: str
    name_en: str
    icon: str | None
    children: list[CategoryNode] = []
    services: list[ServiceSummary] = []


class KnowledgeFault(BaseModel):
    problem: str
    fix: str


class KnowledgeArticle(BaseModel):
    """A service's page of the technicians' knowledge base (:mod:`knowledge`)."""

    service_id: str
    service_code: str
    name_zh: str
    name_en: str
    category_zh: str
    category_en: str
    icon: str | None
    updated_at: datetime
    version: str  # changes whenever anything the article shows changes
    sop: list[SopStepRead]
    faults: list[KnowledgeFault]
    safety: list[str]


class KnowledgeSummary(BaseModel):
    service_id: str
    service_code: str
    name_zh: str
    name_en: str
    category_zh: str
    icon: str | None
    updated_at: datetime
    version: str
    hint: str | None = None  # with a search: the fault or safety note that matched
