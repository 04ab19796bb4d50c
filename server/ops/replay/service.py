"""Running a what-if replay: from the CLI at once, or as the ``ops.replay`` job behind
``POST /ops/dispatch/replays``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import AppError, Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.dispatch.world import DispatchSettings, settings_from_rules, travel_model
from server.ops.models import DispatchReplay, ReplayIn
from server.ops.replay.history import load_period
from server.ops.replay.metrics import comparison
from server.ops.replay.rerun import Outcome, rerun
from server.rules import store as rules_store

log = logging.getLogger("doorstep.ops.replay")

REPLAY_JOB = "ops.replay"
MAX_PERIOD = timedelta(days=31)


def replay(
    uow: UnitOfWork, *, start: datetime, end: datetime, rules: dict[str, Any], seed: int = 7
) -> dict[str, Any]:
    """The period's orders dispatched again under the current rules with ``rules`` merged
    over them, compared with what happened and with a re-run under the current rules."""
    if start.tzinfo is None or end.tzinfo is None:
        raise Unprocessable("times must carry their zone", code="naive_datetime")
    if not start < end:
        raise Unprocessable("the period must end after it starts", code="period_invalid")
    if end - start > MAX_PERIOD:
        raise Unprocessable(
            "a replay covers at most 31 days", code="period_too_long", details={"max_days": 31}
        )
    current = rules_store.current_rules(uow)
    tried = rules_store.merged_rules(current, rules)
    if "pool" in (tried.dispatch.mode, current.dispatch.mode):
        raise Unprocessable(
            "the open pool depends on who browses it; replay cascade or batch",
            code="replay_mode_unsupported",
        )
    timezone = uow.settings.timezone
    settings = settings_from_rules(tried, timezone=timezone)
    period = load_period(uow, start=start, end=end, settings=settings)

    def under(rules_now: DispatchSettings) -> list[Outcome]:
        return rerun(
            period.orders,
            period.techs,
            settings=rules_now,
            travel=travel_model(timezone),
            whereabouts=period.whereabouts,
            responders=period.responders,
            levels=period.levels,
            seed=seed,
        )

    replayed = under(settings)
    baseline = under(settings_from_rules(current, timezone=timezone)) if rules else replayed
    result = comparison(period.happened, replayed, list(period.techs), baseline=baseline)
    result.update(
        period={"from": start.isoformat(), "to": end.isoformat()},
        orders=len(period.orders),
        technicians=len(period.techs),
        mode=settings.dispatch.mode,
        rules=rules,
        seed=seed,
    )
    return result


def request(uow: UnitOfWork, *, user: User, body: ReplayIn) -> DispatchReplay:
    """Check what can be checked now, store the request, and defer the job with it."""
    rules_store.merged_rules(rules_store.current_rules(uow), body.rules)  # 422 now, not later
    row = DispatchReplay(
        id=new_id("rpl"),
        requested_by=user.id,
        period_from=body.period_from,
        period_to=body.period_to,
        rules=body.rules,
        seed=body.seed,
        created_at=uow.clock.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.defer(REPLAY_JOB, replay_id=row.id)
    return row


def get(uow: UnitOfWork, *, replay_id: str) -> DispatchReplay:
    row = uow.session.get(DispatchReplay, replay_id)
    if row is None:
        raise NotFound("no such replay", code="replay_not_found")
    return row


def not_ready(row: DispatchReplay) -> AppError:
    """Why a replay has no chart: still queued (409), or failed (422 with its code)."""
    if row.status == "failed":
        return Unprocessable(
            "the replay failed", code="replay_failed", details={"reason": row.error}
        )
    return Conflict("the replay has not run yet", code="replay_pending")


def replay_job(runtime: Any, *, replay_id: str) -> str:  # noqa: ANN401
    """The ``ops.replay`` job: run a stored request and keep its result (a refusal, such
    as a pool-mode rule book, is kept as the replay's error; anything else is retried)."""
    with UnitOfWork.begin(runtime) as uow:
        row = get(uow, replay_id=replay_id)
        if row.status != "queued":
            return row.status  # run already (a retried job after its commit)
        try:
            with uow.attempt():
                row.result = replay(
                    uow,
                    start=as_utc(row.period_from),
                    end=as_utc(row.period_to),
                    rules=row.rules,
                    seed=row.seed,
                )
            row.status = "done"
        except AppError as exc:
            row.status, row.error = "failed", exc.code
        row.finished_at = uow.clock.now()
        uow.session.add(row)
        return row.status
