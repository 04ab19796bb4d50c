"""Request-scoped dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.core.clock import Clock
from server.core.settings import Settings
from server.core.uow import UnitOfWork


async def get_clock(request: Request) -> Clock:  # dependencies without I/O stay on the loop
    return request.app.state.clock


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work (``server.core.uow_middleware`` made it; only it
    commits): what every service of the request takes first."""
    uow = getattr(request.state, "uow", None)
    if uow is None:
        raise RuntimeError("no unit of work for this request: it is served outside /api")
    return uow


UowDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
