"""The rule book's table: every version kept, with who changed it and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class RulesVersion(SQLModel, table=True):
    """Every change to the business rules is a new row: who, when, old and new."""

    __tablename__ = "rules_version"

    version: int = Field(primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    changed_by: str | None = Field(default=None, max_length=40)
    changed_at: datetime
    note: str = ""


class RulesRead(BaseModel):
    version: int
    rules: dict[str, Any]
    changed_by: str | None
    changed_at: datetime | None
    note: str = ""


class RulesUpdate(BaseModel):
    rules: dict[str, Any]
    expected_version: int | None = None
    note: str = PField("", max_length=500)


class RulesHistoryItem(BaseModel):
    version: int
    changed_by: str | None
    changed_at: datetime
    note: str
    changes: list[dict[str, Any]]  # [{path, old, new}]
