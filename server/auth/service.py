"""Accounts and tokens."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import AuthSession, Role, TokenPair, User, UserRead
from server.auth.passwords import password_problem
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher, mask_phone
from server.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from server.core.ids import new_id
from server.core.security import decode_token, hash_password, make_token, verify_password
from server.core.settings import Settings
from server.core.uow import UnitOfWork


def create_user(
    uow: UnitOfWork,
    *,
    phone: str,
    password: str,
    name: str,
    role: Role,
    password_hash: str | None = None,
) -> User:
    """Create an account (no commit: the caller owns the transaction).

    ``password_hash`` lets bulk imports (the demo seed) hash a shared password once:
    argon2 is deliberately slow. Every new password meets the policy (``auth.passwords``),
    staff accounts' included."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    problem = password_problem(password, phone=phone) if password_hash is None else None
    if problem is not None:
        raise Unprocessable(
            "choose a stronger password: 8 or more characters, not only digits, "
            "not a common one, not your phone number",
            code="password_weak",
            details={"reason": problem},
        )
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
        uow.undo()
        raise Conflict("this phone number is already registered", code="phone_taken") from exc
    return user


def get(uow: UnitOfWork, *, user_id: str) -> User:
    session = uow.session
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user not found", code="user_not_found")
    return user


def find_by_phone(uow: UnitOfWork, *, phone: str) -> User | None:
    session = uow.session
    cipher = uow.cipher
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


@functools.cache
def _stand_in_hash() -> str:
    """A hash to check unknown phones against: a sign-in takes as long whether the phone
    has an account or not, so timing does not tell which phones are registered."""
    return hash_password(new_id("nobody"))


def authenticate(uow: UnitOfWork, *, phone: str, password: str) -> User:
    user = find_by_phone(uow, phone=phone)
    if user is None:
        verify_password(_stand_in_hash(), password)
        raise Unauthorized("wrong phone or password", code="invalid_credentials")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong phone or password", code="invalid_credentials")
    if user.status != "active":
        raise Forbidden(
            "this account is not active", code="account_inactive", details={"status": user.status}
        )
    return user


def start_session(
    uow: UnitOfWork,
    *,
    user: User,
) -> TokenPair:
    """Sign-in on one device: a new session and its first token pair ."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    settings = uow.settings
    now = clock.now()
    device = AuthSession(
        id=new_id("ses"),
        user_id=user.id,
        current_jti=new_id("rt"),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    session.add(device)
    return _tokens(user=user, device=device, settings=settings, clock=clock, cipher=cipher)


def _tokens(
    *, user: User, device: AuthSession, settings: Settings, clock: Clock, cipher: FieldCipher
) -> TokenPair:
    now = clock.now()
    access_ttl = timedelta(minutes=settings.access_token_minutes)
    access = make_token(
        secret=settings.secret_key,
        subject=user.id,
        role=user.role,
        kind="access",
        now=now,
        ttl=access_ttl,
    )
    refresh_token = make_token(
        secret=settings.secret_key,
        subject=f"{user.id}:{user.token_version}",
        role=user.role,
        kind="refresh",
        now=now,
        ttl=as_utc(device.expires_at) - now,
        jti=device.current_jti,
        claims={"sid": device.id},
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=int(access_ttl.total_seconds()),
        user=to_read(user, cipher, own=True),
    )


def _session_of(
    session: Session, token: str, settings: Settings, clock: Clock
) -> tuple[User, AuthSession, str]:
    """The account, its device session (locked) and the token's id; refused if revoked."""
    payload = decode_token(token, secret=settings.secret_key, kind="refresh", now=clock.now())
    user_id, _, version = str(payload["sub"]).partition(":")
    user = session.get(User, user_id)
    device = session.get(
        AuthSession, str(payload.get("sid") or ""), with_for_update=True, populate_existing=True
    )
    if (
        user is None
        or str(user.token_version) != version
        or device is None
        or device.user_id != user.id
        or device.revoked_at is not None
    ):
        raise Unauthorized("this sign-in has ended; sign in again", code="invalid_token")
    return user, device, str(payload.get("jti") or "")


def refresh(
    uow: UnitOfWork,
    *,
    token: str,
) -> TokenPair:
    """A new pair for the device; its refresh token now the only one that works. A token
    that was already exchanged ends the session: whoever copied it and the owner alike
    must sign in again (the owner can; a thief cannot)."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    settings = uow.settings
    user, device, jti = _session_of(session, token, settings, clock)
    now = clock.now()
    if jti != device.current_jti:
        device.revoked_at, device.revoked_reason = now, "reused"
        session.add(device)
        uow.keep()  # kept although the reply is an error
        raise Unauthorized(
            "this sign-in was used elsewhere and has ended; sign in again", code="token_reused"
        )
    if user.status != "active":
        raise Forbidden("this account is not active", code="account_inactive")
    device.current_jti, device.last_used_at = new_id("rt"), now
    session.add(device)
    pair = _tokens(user=user, device=device, settings=settings, clock=clock, cipher=cipher)
    return pair


def logout(
    uow: UnitOfWork,
    *,
    token: str,
    all_devices: bool,
) -> None:
    """End this device's session (or, ``all_devices``, every session of the account)."""
    session = uow.session
    clock = uow.clock
    settings = uow.settings
    user, device, _ = _session_of(session, token, settings, clock)
    now = clock.now()
    ended = [device]
    if all_devices:
        user.token_version += 1  # refresh tokens of every session stop working at once
        session.add(user)
        ended = list(
            session.exec(
                select(AuthSession).where(
                    AuthSession.user_id == user.id, col(AuthSession.revoked_at).is_(None)
                )
            ).all()
        )
    for each in ended:
        each.revoked_at, each.revoked_reason = now, "logout_all" if all_devices else "logout"
        session.add(each)
