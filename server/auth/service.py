"""Accounts and tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.auth.models import Role, TokenPair, User, UserRead
from server.auth.passwords import password_problem
from server.core.clock import Clock
from server.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from server.core.ids import new_id
from server.core.security import decode_token, hash_password, make_token, verify_password
from server.core.settings import Settings
from server.privacy.crypto import FieldCipher, mask_phone


def create_user(
    *, session: Session, cipher: FieldCipher, clock: Clock, phone: str, password: str, name: str, role: Role,
    password_hash: str | None = None,
) -> User:
    """Create an account (no commit: the caller owns the transaction).

    ``password_hash`` lets bulk imports (the demo seed) hash a shared password once:
    argon2 is deliberately slow. Every new password meets the policy (``auth.passwords``),
    staff accounts' included."""
    problem = password_problem(password, phone=phone) if password_hash is None else None
    if problem is not None:
        raise Unprocessable("choose a stronger password: 8 or more characters, not only digits, "
                            "not a common one, not your phone number", code="password_weak",
                            details={"reason": problem})
    index = cipher.blind_index(phone)
    if session.exec(select(User).where(User.phone_index == index)).first():
        raise Conflict("this phone number is already registered", code="phone_taken")
    user = User(
        id=new_id("usr"),
        role=role.value,
        name=name,
        phone_enc=cipher.encrypt(phone),
        phone_index=index,
        password_hash=password_hash or hash_password(password),
        created_at=clock.now(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("this phone number is already registered", code="phone_taken") from exc
    return user


def get(*, session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user not found", code="user_not_found")
    return user


def find_by_phone(*, session: Session, cipher: FieldCipher, phone: str) -> User | None:
    return session.exec(select(User).where(User.phone_index == cipher.blind_index(phone))).first()


def phone_of(user: User, cipher: FieldCipher) -> str:
    return cipher.decrypt(user.phone_enc)


def to_read(user: User, cipher: FieldCipher, *, own: bool) -> UserRead:
    phone = phone_of(user, cipher)
    return UserRead(
        id=user.id,
        role=Role(user.role),
        name=user.name,
        phone=phone if own else mask_phone(phone),
        status=user.status,
        created_at=user.created_at,
    )


def authenticate(*, session: Session, cipher: FieldCipher, phone: str, password: str) -> User:
    user = find_by_phone(session=session, cipher=cipher, phone=phone)
    if user is None or not verify_password(user.password_hash, password):
        raise Unauthorized("wrong phone or password", code="invalid_credentials")
    if user.status != "active":
        raise Forbidden("this account is not active", code="account_inactive", details={"status": user.status})
    return user


def issue_tokens(*, user: User, settings: Settings, clock: Clock, cipher: FieldCipher) -> TokenPair:
    now = clock.now()
    access_ttl = timedelta(minutes=settings.access_token_minutes)
    access = make_token(
        secret=settings.secret_key, subject=user.id, role=user.role, kind="access", now=now, ttl=access_ttl
    )
    refresh = make_token(
        secret=settings.secret_key,
        subject=f"{user.id}:{user.token_version}",
        role=user.role,
        kind="refresh",
        now=now,
        ttl=timedelta(days=settings.refresh_token_days),
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(access_ttl.total_seconds()),
        user=to_read(user, cipher, own=True),
    )


def refresh(*, session: Session, token: str, settings: Settings, clock: Clock, cipher: FieldCipher) -> TokenPair:
    payload = decode_token(token, secret=settings.secret_key, kind="refresh", now=clock.now())
    user_id, _, version = str(payload["sub"]).partition(":")
    user = session.get(User, user_id)
    if user is None or str(user.token_version) != version:
        raise Unauthorized("refresh token revoked", code="invalid_token")
    if user.status != "active":
        raise Forbidden("this account is not active", code="account_inactive")
    return issue_tokens(user=user, settings=settings, clock=clock, cipher=cipher)
