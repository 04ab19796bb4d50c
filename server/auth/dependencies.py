"""Who is calling, and may they: role checks here, record checks in each domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from server.auth.models import Role, User
from server.core.crypto import FieldCipher
from server.core.deps import get_unit_of_work
from server.core.errors import AppError, Forbidden, Unauthorized
from server.core.security import decode_token
from server.core.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False)


async def get_cipher(request: Request) -> FieldCipher:
    return request.app.state.cipher


CipherDep = Annotated[FieldCipher, Depends(get_cipher)]


# every authenticated request runs it: built once (building costs more than running it)
_USER_BY_ID = select(User).where(col(User.id) == bindparam("id"))


def user_from_token(uow: UnitOfWork, token: str) -> User:
    payload = decode_token(
        token, secret=uow.settings.secret_key, kind="access", now=uow.clock.now()
    )
    user = uow.session.execute(_USER_BY_ID, {"id": payload["sub"]}).scalar_one_or_none()
    if user is None:
        raise Unauthorized("unknown user", code="invalid_token")
    if user.status != "active":
        raise Forbidden("this account is not active", code="account_inactive")
    return user


class PreloadedCaller:
    """Who a write request's bearer token names, looked up by the unit of work in the hop
    that opens it (with the idempotency lookup): the user, or the refusal to raise when a
    route asks for the user."""

    def __init__(self, token: str, user: User | None, refusal: AppError | None) -> None:
        self.token = token
        self.user = user
        self.refusal = refusal


def preload_caller(uow: UnitOfWork, scope: dict[str, Any]) -> PreloadedCaller | None:
    """The ``load_caller`` of ``server.core.uow_middleware``: runs in a worker thread."""
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        user = user_from_token(uow, token)
    except AppError as refusal:
        return PreloadedCaller(token, None, refusal)
    return PreloadedCaller(token, user, None)


async def get_current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller: preloaded with a write's unit of work, else looked up in a hop of its
    own (few sub-dependencies: every signed-in request resolves this)."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("sign in first", code="not_authenticated")
    token = credentials.credentials
    preloaded: PreloadedCaller | None = request.scope.get("state", {}).get("caller")
    if preloaded is not None and preloaded.token == token:
        if preloaded.refusal is not None:
            raise preloaded.refusal
        assert preloaded.user is not None
        return preloaded.user
    return await run_in_threadpool(user_from_token, await get_unit_of_work(request), token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_optional_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    """The caller when a token is sent (a bad one is refused as anywhere), else None: for
    the public routes that say more to someone signed in."""
    if credentials is None or not credentials.credentials:
        return None
    return await get_current_user(request, credentials)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    allowed = {r.value for r in roles}

    async def check(user: CurrentUser) -> User:  # no I/O: stays on the event loop
        if user.role not in allowed:
            raise Forbidden(
                "your role may not do this",
                code="role_forbidden",
                details={"allowed": sorted(allowed)},
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
InspectorUser = Annotated[User, Depends(require_roles(Role.quality_inspector, Role.admin))]
