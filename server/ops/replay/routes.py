"""``/ops/dispatch/replays``: ask for a what-if replay, read its result and its chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from server.auth.dependencies import require_roles
from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.deps import UowDep
from server.core.routing import api_router
from server.ops.models import DispatchReplay, ReplayIn, ReplayRead
from server.ops.replay import chart, service

router = api_router(prefix="/ops/dispatch/replays", tags=["ops"])
Planner = Annotated[User, Depends(require_roles(Role.operator, Role.admin))]


def _read(row: DispatchReplay) -> ReplayRead:
    return ReplayRead(
        id=row.id,
        status=row.status,
        period_from=as_utc(row.period_from),
        period_to=as_utc(row.period_to),
        rules=row.rules,
        result=row.result,
        error=row.error,
        created_at=as_utc(row.created_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
    )


@router.post("", response_model=ReplayRead, status_code=202)
def request_replay(body: ReplayIn, user: Planner, uow: UowDep) -> ReplayRead:
    """Queue a replay of the period's orders under ``rules``; poll ``GET`` for the result."""
    return _read(service.request(uow, user=user, body=body))


@router.get("/{replay_id}", response_model=ReplayRead)
def read_replay(replay_id: str, user: Planner, uow: UowDep) -> ReplayRead:
    return _read(service.get(uow, replay_id=replay_id))


@router.get(
    "/{replay_id}/chart.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def replay_chart(replay_id: str, user: Planner, uow: UowDep) -> Response:
    row = service.get(uow, replay_id=replay_id)
    if row.result is None:
        raise service.not_ready(row)
    return Response(chart.png(row.result), media_type="image/png")
