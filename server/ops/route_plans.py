"""Operators' route plan for a day (``POST /ops/routes/plan``): the fleet planner over the
jobs technicians already hold (``server.dispatch.day_plans``). Operators and admins only;
a POST because the plan is computed on demand, but it writes nothing: it is advice."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from server.auth.dependencies import OperatorUser
from server.core.deps import SettingsDep, UowDep
from server.core.routing import api_router
from server.dispatch import day_plans
from server.dispatch.day_plans import RoutePlanRead

router = api_router(prefix="/ops/routes", tags=["ops"])

TechnicianId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RoutePlanIn(BaseModel):
    day: date  # the local day, in the operator's timezone (settings.timezone)
    # None: every technician who holds a job that day; given: these, with or without jobs
    technician_ids: list[TechnicianId] | None = Field(default=None, max_length=500)


@router.post("/plan", response_model=RoutePlanRead)
def plan_routes(
    body: RoutePlanIn, user: OperatorUser, uow: UowDep, settings: SettingsDep
) -> RoutePlanRead:
    """Each technician's jobs of the day in visiting order, with planned arrival, start and
    end, km, and the jobs that cannot be served in their window; 422 ``day_out_of_range``
    or ``unknown_technicians``."""
    return day_plans.plan_routes(
        uow, day=body.day, timezone=settings.timezone, technician_ids=body.technician_ids
    )
