"""Virtual number bindings (号码隐私保护): one number per order, both sides call it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class VirtualNumberBinding(SQLModel, table=True):
    __tablename__ = "virtual_number_binding"

    id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(foreign_key="service_order.id", index=True, max_length=40)
    provider: str = Field(default="sandbox", max_length=20)
    number: str = Field(index=True, max_length=20)  # the virtual number (not a person's phone)
    customer_id: str = Field(max_length=40)
    technician_id: str = Field(max_length=40)
    status: str = Field(default="active", index=True, max_length=20)  # active | unbound
    bound_at: datetime
    unbound_at: datetime | None = None


class ContactRead(BaseModel):
    order_id: str
    virtual_number: str
    counterpart_role: str
    counterpart_name: str
    counterpart_phone_masked: str
    valid_until: datetime | None  # None: until 72 h after the order ends
