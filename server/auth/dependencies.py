"""Who is calling, and may they: role checks here, record checks in each domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.auth.models import Role, User
from server.core.deps import ClockDep, SessionDep, SettingsDep
from server.core.errors import Forbidden, Unauthorized
from server.core.security import decode_token
from server.privacy.crypto import FieldCipher

_bearer = HTTPBearer(auto_error=False)


async def get_cipher(request: Request) -> FieldCipher:
    return request.app.state.cipher


CipherDep = Annotated[FieldCipher, Depends(get_cipher)]


def user_from_token(token: str, *, session, settings, clock) -> User:  # noqa: ANN001
    payload = decode_token(token, secret=settings.secret_key, kind="access", now=clock.now())
    user = session.get(User, payload["sub"])
    if user is None:
        raise Unauthorized("unknown user", code="invalid_token")
    if user.status != "active":
        raise Forbidden("this account is not active", code="account_inactive")
    return user


def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("sign in first", code="not_authenticated")
    return user_from_token(credentials.credentials, session=session, settings=settings, clock=clock)


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    allowed = {r.value for r in roles}

    async def check(user: CurrentUser) -> User:  # no I/O: stays on the event loop
        if user.role not in allowed:
            raise Forbidden(
                "your role may not do this", code="role_forbidden", details={"allowed": sorted(allowed)}
            )
        return user

    return check


CustomerUser = Annotated[User, Depends(require_roles(Role.customer))]
TechnicianUser = Annotated[User, Depends(require_roles(Role.technician))]
StaffUser = Annotated[User, Depends(require_roles(Role.operator, Role.support, Role.admin))]
OperatorUser = Annotated[User, Depends(require_roles(Role.operator, Role.admin))]
SupportUser = Annotated[User, Depends(require_roles(Role.support, Role.operator, Role.admin))]
FinanceUser = Annotated[User, Depends(require_roles(Role.finance, Role.admin))]
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
