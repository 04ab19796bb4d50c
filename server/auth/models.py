from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from server.core.crypto import is_valid_phone, normalize_phone


class Role(StrEnum):
    customer = "customer"
    technician = "technician"
    operator = "operator"
    support = "support"
    finance = "finance"
    admin = "admin"
    # spot checks of finished orders (a return-visit call or an on-site look): sees the
    # checks and the orders they name, nothing else of the console
    quality_inspector = "quality_inspector"


STAFF_ROLES = frozenset({Role.operator, Role.support, Role.finance, Role.admin})
SELF_SERVICE_ROLES = frozenset({Role.customer, Role.technician})


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(primary_key=True, max_length=40)
    role: str = Field(index=True, max_length=20)
    name: str = Field(max_length=80)
    phone_enc: str  # AES-GCM, see server.core.crypto
    phone_index: str = Field(unique=True, max_length=64)  # blind index for login lookups
    password_hash: str
    status: str = Field(default="active", max_length=20)  # active | locked | disabled
    token_version: int = 0  # bump to revoke every refresh token of the user
    created_at: datetime


class AuthSession(SQLModel, table=True):
    """One signed-in device. Its refresh token changes on every use; an old one used again
    means it was copied (or stolen), and the whole session ends for both holders."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=40)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    current_jti: str = Field(max_length=40)  # the one refresh token that may be used next
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=20)  # logout | reused | logout_all


class PolicyConsent(SQLModel, table=True):
    """The person agreed to his role's agreement and privacy policy of this version, at this
    time (PIPL: consent is recorded before personal data is processed)."""

    __tablename__ = "policy_consent"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    policy_version: str = Field(max_length=20)
    agreed_at: datetime


class PhoneCode(SQLModel, table=True):
    """A one-time code sent to a phone: proof of owning the number before an account is
    made on it. Only its hash is kept; it expires, and a few wrong tries burn it."""

    __tablename__ = "phone_code"

    id: str = Field(primary_key=True, max_length=40)
    phone_index: str = Field(index=True, max_length=64)
    purpose: str = Field(max_length=20)  # register
    code_hash: str = Field(max_length=64)
    expires_at: datetime
    attempts: int = 0
    consumed_at: datetime | None = None
    created_at: datetime


class PhoneCodeIn(BaseModel):
    phone: str
    purpose: Literal["register"] = "register"

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _valid_phone(value)


class PhoneCodeSent(BaseModel):
    expires_in: int  # seconds
    resend_after: int  # seconds before another code may be asked for
    sandbox_code: str | None = None  # the sandbox SMS provider only: no phone to read it on


class LogoutIn(BaseModel):
    refresh_token: str
    all_devices: bool = False  # end every session of the account, not only this one


def _valid_phone(value: str) -> str:

    if not is_valid_phone(value):
        raise ValueError("phone must be 6-15 digits, optionally with a leading +")
    return normalize_phone(value)


class RegisterIn(BaseModel):
    phone: str
    password: str
    name: str
    role: Role = Role.customer
    referral_code: str | None = None
    code: str | None = PField(default=None, max_length=12)  # sent by POST /auth/phone-codes
    # the version of the 用户协议 and 隐私政策 the customer ticked (GET /policies)
    accepted_policy_version: str | None = PField(default=None, max_length=20)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _valid_phone(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if len(value) < 8 or len(value) > 128:
            raise ValueError("password must be 8-128 characters")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 80:
            raise ValueError("name must be 1-80 characters")
        return value


class LoginIn(BaseModel):
    phone: str
    password: str


class RefreshIn(BaseModel):
    refresh_token: str


class UserRead(BaseModel):
    id: str
    role: Role
    name: str
    phone: str  # masked unless it is the caller's own
    status: str
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserRead


class PolicyDocument(BaseModel):
    code: str  # terms | privacy
    title: str
    text: str


class PoliciesRead(BaseModel):
    role: str = Role.customer.value  # whose agreements these are
    version: str
    documents: list[PolicyDocument]
