"""Tables and schemas of the live feed: technician locations and chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from server.core.crypto import FieldCipher
from server.core.jsontypes import json_column
from server.core.points import open_point


class TechnicianLocation(SQLModel, table=True):
    """Every reported point, kept ``location_retention_days`` (a sweep deletes older). The
    point itself is encrypted: a copied database shows nobody's movements."""

    __tablename__ = "technician_location"
    __table_args__ = (Index("ix_technician_location_tech_time", "technician_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    technician_id: str = Field(foreign_key="app_user.id", max_length=40)
    order_id: str | None = Field(default=None, index=True, max_length=40)  # the active order then
    point_enc: str  # "lat,lng", encrypted (server.core.points)
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading: float | None = None
    occurred_at: datetime  # device time
    received_at: datetime = Field(index=True)

    def point(self, cipher: FieldCipher) -> tuple[float, float]:
        return open_point(cipher, self.point_enc)


class ChatMessage(SQLModel, table=True):
    """One message of an order thread (customer ↔ technician, support may join) or of a
    customer's support thread. ``id`` is the chat cursor of the live feed."""

    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_thread", "thread", "order_id", "customer_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread: str = Field(max_length=10)  # order | support
    order_id: str | None = Field(default=None, max_length=40)
    customer_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    sender_id: str = Field(foreign_key="app_user.id", max_length=40)
    sender_role: str = Field(max_length=20)
    text_enc: str | None = None  # as shown (contact details masked), encrypted; None: a photo only
    file_id: str | None = Field(default=None, max_length=40)
    masked_kinds: list[str] = Field(default_factory=list, sa_column=json_column())
    created_at: datetime


class ContactAttempt(SQLModel, table=True):
    """A contact detail typed into chat: counted per user for risk review."""

    __tablename__ = "contact_attempt"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    message_id: int | None = Field(default=None, foreign_key="chat_message.id")
    order_id: str | None = Field(default=None, max_length=40)
    kinds: list[str] = Field(default_factory=list, sa_column=json_column())
    created_at: datetime


# --- schemas -----------------------------------------------------------------------------


class LocationPointIn(BaseModel):
    lat: float = PField(ge=-90, le=90)
    lng: float = PField(ge=-180, le=180)
    occurred_at: AwareDatetime | None = None  # device time; server time when missing
    accuracy_m: float | None = PField(default=None, ge=0, le=100_000)
    speed_mps: float | None = PField(default=None, ge=0, le=100)
    heading: float | None = PField(default=None, ge=0, le=360)


class LocationIn(BaseModel):
    """One point (``lat``/``lng`` at the top) or a batch in ``points``."""

    points: list[LocationPointIn] = PField(default_factory=list)
    lat: float | None = PField(default=None, ge=-90, le=90)
    lng: float | None = PField(default=None, ge=-180, le=180)
    occurred_at: AwareDatetime | None = None
    order_id: str | None = PField(default=None, max_length=40)

    def all_points(self) -> list[LocationPointIn]:
        points = list(self.points)
        if self.lat is not None and self.lng is not None:
            points.append(LocationPointIn(lat=self.lat, lng=self.lng, occurred_at=self.occurred_at))
        return points


class LocationAck(BaseModel):
    accepted: int
    pushed_to_orders: list[str]
    last: dict[str, Any] | None = None


class ChatIn(BaseModel):
    text: str = PField(default="", max_length=4000)
    file_id: str | None = PField(default=None, max_length=40)
    order_id: str | None = PField(
        default=None, max_length=40
    )  # support thread: the order it is about
    customer_id: str | None = PField(
        default=None, max_length=40
    )  # support staff answering a customer

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ChatRead(BaseModel):
    id: int
    thread: str
    order_id: str | None
    customer_id: str
    sender_id: str
    sender_role: str
    text: str
    file_id: str | None
    masked: bool
    created_at: datetime
