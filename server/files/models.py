from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class StoredFile(SQLModel, table=True):
    __tablename__ = "stored_file"

    id: str = Field(primary_key=True, max_length=40)
    owner_id: str = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=20)  # photo | certificate | document
    content_type: str = Field(max_length=80)
    size: int
    sha256: str = Field(max_length=64)
    storage_path: str
    order_id: str | None = Field(default=None, index=True, max_length=40)
    created_at: datetime


class FileRead(BaseModel):
    id: str
    kind: str
    content_type: str
    size: int
    sha256: str
    order_id: str | None
    created_at: datetime
    url: str
