"""A customer's saved addresses (home, office, parents' home), kept on the server so they
follow the customer to a new device; everything but the label is encrypted."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel


class SavedAddress(SQLModel, table=True):
    __tablename__ = "saved_address"

    id: str = Field(primary_key=True, max_length=40)
    customer_id: str = Field(max_length=40, index=True)
    label: str = Field(max_length=20)
    place_enc: str  # FieldCipher token of {text, lat, lng, district, detail} as JSON
    created_at: datetime
    updated_at: datetime


class SavedAddressIn(BaseModel):
    label: str = PField(min_length=1, max_length=20, description="家, 公司, …")
    text: str = PField(min_length=1, max_length=300, description="the place, as searched")
    lat: float = PField(ge=-90, le=90, allow_inf_nan=False)  # WGS-84
    lng: float = PField(ge=-180, le=180, allow_inf_nan=False)
    district: str = PField(default="", max_length=60)
    detail: str = PField(default="", max_length=100, description="building, unit, door")


class SavedAddressRead(SavedAddressIn):
    id: str
    created_at: datetime
    updated_at: datetime
