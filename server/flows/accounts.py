"""Making an account and signing in: auth's accounts and sessions, with pricing's
invitations and risk's sign-in lockout."""

from __future__ import annotations

from fastapi import Request

from server.auth import consent, phone_codes
from server.auth import service as auth_service
from server.auth.dependencies import CipherDep
from server.auth.models import SELF_SERVICE_ROLES, LoginIn, RegisterIn, Role, TokenPair, User
from server.core.crypto import normalize_phone
from server.core.deps import SettingsDep, UowDep, client_ip
from server.core.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from server.core.ratelimit import enforce
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.pricing import service as pricing_service
from server.risk import service as risk
from server.technicians import service as technicians_service

router = api_router(tags=["auth"])


def open_account(
    uow: UnitOfWork,
    *,
    phone: str,
    password: str,
    name: str,
    role: Role,
    password_hash: str | None = None,
) -> User:
    """An account with what its role starts with: a technician's profile, a customer's
    wallet (first-order coupon, invitation code). Sign-up, the CLI and the demo make
    accounts here, so no later read has to make them."""
    user = auth_service.create_user(
        uow, phone=phone, password=password, name=name, role=role, password_hash=password_hash
    )
    if role == Role.technician:
        technicians_service.ensure_profile(uow, user=user)
    elif role == Role.customer:
        pricing_service.open_wallet(uow, customer=user)
    return user


@router.post("/auth/register", response_model=TokenPair, status_code=201)
def register(body: RegisterIn, uow: UowDep, settings: SettingsDep) -> TokenPair:
    if body.role not in SELF_SERVICE_ROLES:
        raise Forbidden(
            "staff accounts are created by an administrator", code="role_not_self_service"
        )
    if body.referral_code and body.role != Role.customer:
        raise Unprocessable("invitation codes are for customers", code="referral_not_for_role")
    if settings.phone_verification:  # the number is the caller's before anything is said of it
        phone_codes.check_code(uow, phone=body.phone, purpose="register", code=body.code)
    user = open_account(
        uow, phone=body.phone, password=body.password, name=body.name, role=body.role
    )
    # an account is kept only with consent to the role's current agreement and privacy
    # policy (PIPL), recorded with it; refused, nothing of the sign-up is kept
    consent.require_consent(Role(body.role), body.accepted_policy_version)
    consent.record_consent(
        uow, user=user, version=str(body.accepted_policy_version), now=uow.clock.now()
    )
    if body.referral_code:  # the inviter is named with the account, or neither is made
        try:
            pricing_service.apply_referral(uow, customer=user, code=body.referral_code)
        except NotFound as exc:
            raise Unprocessable("unknown invitation code", code=exc.code) from exc
    pair = auth_service.start_session(uow, user=user)
    return pair


@router.post("/auth/login", response_model=TokenPair)
def login(
    body: LoginIn, uow: UowDep, settings: SettingsDep, cipher: CipherDep, request: Request
) -> TokenPair:
    limiter = request.app.state.rate_limiter
    window = settings.login_window_seconds
    ip = client_ip(request)
    enforce(limiter, f"login:ip:{ip}", limit=settings.login_attempts_per_ip, window_seconds=window)
    phone = normalize_phone(body.phone)
    # Failures count per account *and* client: whoever fails on purpose locks himself out,
    # not the account's owner.
    key = risk.throttle_key(cipher.blind_index(phone), ip)
    risk.ensure_not_locked(uow, key=key)  # N failures → locked, doubling
    enforce(
        limiter,
        f"login:client:{key}",
        limit=settings.login_attempts_per_phone,
        window_seconds=window,
    )
    try:
        user = auth_service.authenticate(uow, phone=phone, password=body.password)
    except Unauthorized:
        known = auth_service.find_by_phone(uow, phone=phone)
        risk.login_failed(uow, key=key, user_id=known.id if known else None, ip=ip)
        raise
    risk.login_succeeded(uow, key=key)
    limiter.reset(f"login:client:{key}")
    pair = auth_service.start_session(uow, user=user)
    return pair
