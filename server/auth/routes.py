from __future__ import annotations

from fastapi import Request

from server.auth import consent, phone_codes, service
from server.auth.dependencies import CipherDep, CurrentUser
from server.auth.models import (
    SELF_SERVICE_ROLES,
    LogoutIn,
    PhoneCodeIn,
    PhoneCodeSent,
    PoliciesRead,
    RefreshIn,
    Role,
    TokenPair,
    UserRead,
)
from server.core.deps import UowDep, client_ip
from server.core.errors import Unprocessable
from server.core.routing import api_router

router = api_router(tags=["auth"])


@router.post("/auth/phone-codes", response_model=PhoneCodeSent, status_code=202)
def send_phone_code(body: PhoneCodeIn, uow: UowDep, request: Request) -> PhoneCodeSent:
    """Text a one-time code to the phone (the reply is the same whether it has an account)."""
    sent = phone_codes.send_code(
        uow,
        phone=body.phone,
        purpose=body.purpose,
        sms=request.app.state.sms,
        limiter=request.app.state.rate_limiter,
        client=client_ip(request),
    )
    return sent


@router.post("/auth/refresh", response_model=TokenPair)
def refresh(body: RefreshIn, uow: UowDep) -> TokenPair:
    return service.refresh(uow, token=body.refresh_token)


@router.post("/auth/logout", status_code=204)
def logout(body: LogoutIn, uow: UowDep) -> None:
    """End this sign-in (its refresh token stops working; the short-lived access token
    runs out within minutes), or every sign-in of the account with ``all_devices``."""
    service.logout(uow, token=body.refresh_token, all_devices=body.all_devices)


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser, cipher: CipherDep) -> UserRead:
    return service.to_read(user, cipher, own=True)


@router.get("/policies", response_model=PoliciesRead)
def policies(role: Role = Role.customer) -> PoliciesRead:
    """Public: the agreement and privacy policy a customer (or, ``?role=technician``, a
    technician) agrees to at sign-up, and their version."""
    if role not in SELF_SERVICE_ROLES:
        raise Unprocessable(
            "staff accounts sign up no agreement here", code="role_not_self_service"
        )
    return consent.policies(role)
