"""Family accounts' tables and replies: a main account's invitations and the members
bound to it (a family or an employer's staff). One row per member in ``family_link``:
its unique ``member_id`` is what keeps a member in one family, even under a race."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.money import MAX_AMOUNT

FAMILY_KINDS = ("family", "staff")


class FamilyLink(SQLModel, table=True):
    __tablename__ = "family_link"

    member_id: str = Field(foreign_key="app_user.id", primary_key=True, max_length=40)
    main_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    kind: str = Field(max_length=10)  # family | staff
    monthly_cap: int | None = None  # fen the member may pay from the main wallet a month
    joined_at: datetime


class FamilyInvitation(SQLModel, table=True):
    __tablename__ = "family_invitation"

    id: str = Field(primary_key=True, max_length=40)
    main_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    member_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    kind: str = Field(max_length=10)
    # pending | accepted | declined | expired | withdrawn (by the main account)
    status: str = Field(default="pending", max_length=12)
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None


class FamilyInviteIn(BaseModel):
    phone: str = PField(min_length=5, max_length=20)
    kind: str = PField(default="family", pattern="^(family|staff)$")


class FamilyCapIn(BaseModel):
    monthly_cap: int | None = PField(default=None, ge=0, le=MAX_AMOUNT, description="fen")


class FamilyPersonRead(BaseModel):
    user_id: str
    name: str
    phone_masked: str
    kind: str | None = None  # a member's: family | staff
    monthly_cap: int | None = None  # shown to the main account and to the member himself
    joined_at: datetime | None = None


class FamilyInvitationRead(BaseModel):
    invitation_id: str
    kind: str
    status: str
    main: FamilyPersonRead  # who invites
    member: FamilyPersonRead  # who is invited
    created_at: datetime
    expires_at: datetime


class FamilyRead(BaseModel):
    role: str  # main | member | none
    max_members: int
    main: FamilyPersonRead | None  # for a member: his main account
    members: list[FamilyPersonRead]
    invitations_sent: list[FamilyInvitationRead]  # pending, by a main account
    invitations_received: list[FamilyInvitationRead]  # pending, to the caller
