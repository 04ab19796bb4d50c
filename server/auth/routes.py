from __future__ import annotations

from fastapi import Request

from server.auth import service
from server.auth.dependencies import CipherDep, CurrentUser
from server.auth.models import (
    SELF_SERVICE_ROLES,
    LoginIn,
    RefreshIn,
    RegisterIn,
    TokenPair,
    UserRead,
)
from server.core.deps import ClockDep, SessionDep, SettingsDep, client_ip
from server.core.errors import Forbidden, Unauthorized
from server.core.ratelimit import enforce
from server.core.routing import api_router
from server.ops import risk
from server.privacy.crypto import normalize_phone

router = api_router(tags=["auth"])


@router.post("/auth/register", response_model=TokenPair, status_code=201)
def register(
    body: RegisterIn, session: SessionDep, settings: SettingsDep, clock: ClockDep, cipher: CipherDep
) -> TokenPair:
    if body.role not in SELF_SERVICE_ROLES:
        raise Forbidden("staff accounts are created by an administrator", code="role_not_self_service")
    user = service.create_user(
        session=session, cipher=cipher, clock=clock, phone=body.phone, password=body.password,
        name=body.name, role=body.role,
    )
    session.commit()
    return service.issue_tokens(user=user, settings=settings, clock=clock, cipher=cipher)


@router.post("/auth/login", response_model=TokenPair)
def login(
    body: LoginIn, session: SessionDep, settings: SettingsDep, clock: ClockDep, cipher: CipherDep, request: Request
) -> TokenPair:
    limiter = request.app.state.rate_limiter
    window = settings.login_window_seconds
    enforce(limiter, f"login:ip:{client_ip(request)}", limit=settings.login_attempts_per_ip, window_seconds=window)
    phone_key = f"login:phone:{cipher.blind_index(normalize_phone(body.phone))}"
    enforce(limiter, phone_key, limit=settings.login_attempts_per_phone, window_seconds=window)
    index = cipher.blind_index(normalize_phone(body.phone))
    risk.ensure_not_locked(session=session, phone_index=index, clock=clock)  # N failures → locked M minutes
    try:
        user = service.authenticate(session=session, cipher=cipher, phone=normalize_phone(body.phone),
                                    password=body.password)
    except Unauthorized:
        known = service.find_by_phone(session=session, cipher=cipher, phone=normalize_phone(body.phone))
        risk.login_failed(session=session, phone_index=index, user_id=known.id if known else None, clock=clock,
                          ip=client_ip(request))
        raise
    risk.login_succeeded(session=session, phone_index=index)
    limiter.reset(phone_key)
    return service.issue_tokens(user=user, settings=settings, clock=clock, cipher=cipher)


@router.post("/auth/refresh", response_model=TokenPair)
def refresh(body: RefreshIn, session: SessionDep, settings: SettingsDep, clock: ClockDep, cipher: CipherDep) -> TokenPair:
    return service.refresh(session=session, token=body.refresh_token, settings=settings, clock=clock, cipher=cipher)


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser, cipher: CipherDep) -> UserRead:
    return service.to_read(user, cipher, own=True)
