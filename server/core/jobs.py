"""Background jobs on Procrastinate: periodic sweeps, wake-ups, retries, one queue.

Why Procrastinate: its queue is a PostgreSQL table, so a job is deferred *in the same
transaction* as the change that causes it (``uow.defer``: committed with it or not at all);
a periodic job is deferred once per period across every worker and host (a unique row per
task and timestamp); jobs sharing a ``lock`` never run at the same time (one dispatcher per
partition); a ``queueing_lock`` keeps at most one waiting copy (wake-ups coalesce); failures
are retried with exponential backoff; workers beat a heartbeat, so the jobs of a worker
killed mid-job are found and run again (``retry_stalled``). Its rows are the job state the
operators read (``GET /ops/jobs``).

On PostgreSQL the jobs are run by ``doorstep worker`` processes; the web servers only defer.
The embedded default (SQLite, ``make demo``) keeps the queue in the server's memory
(Procrastinate's in-memory connector) and runs the same jobs in-process, through the same
interface: nothing else to install. There, a job is handed to the queue once its unit of
work has committed, and a queue lost with the process is rebuilt by the periodic sweeps.

What runs is declared in ``server/bootstrap.py`` (``jobs``): the domain functions, their
periods and locks. This module knows nothing of the domains.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate import exceptions as job_errors
from procrastinate import testing as job_testing
from procrastinate.jobs import Status
from procrastinate.retry import RetryStrategy
from procrastinate.schema import SchemaManager
from sqlalchemy import Connection, event, text
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from server.core.settings import Settings
    from server.core.uow import UnitOfWork

log = logging.getLogger("doorstep.jobs")

QUEUE = "doorstep"
STALLED_CHECK = "jobs.retry_stalled"
PRUNE = "jobs.prune"
# succeeded and failed jobs stay this long for the operators (in memory, an hour: a day of
# per-second sweeps would weigh on the demo server)
KEEP_FINISHED_HOURS = {True: 24, False: 1}


def cron_every(seconds: int) -> str:
    """A cron line that fires every ``seconds`` (seconds in the sixth field): a divisor
    of a minute, of an hour in whole minutes, or of a day in whole hours."""
    if seconds <= 0:
        raise ValueError("a period is at least one second")
    if seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    minutes, rest = divmod(seconds, 60)
    if not rest and minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * * 0"
    hours, rest = divmod(seconds, 3600)
    if not rest and hours <= 24 and 24 % hours == 0:
        return f"0 */{hours} * * * 0"
    raise ValueError(f"{seconds} s does not divide a minute, an hour or a day")


@dataclass(frozen=True)
class JobSpec:
    """One kind of job: ``run(**kwargs)`` does the work (blocking: it opens its own unit
    of work); ``every`` seconds makes it periodic (two of a periodic job never run at
    once, nor wait in the queue together)."""

    name: str
    run: Callable[..., Any]
    every: int | None = None
    on_loop: bool = False  # ``run`` is a coroutine function that takes its own gates
    # Attempts after a failure, waiting backoff**n seconds (2, 4, 8…). Periodic jobs and
    # wake-ups have none: the next period, or the sweep behind the wake-up, is their retry.
    retries: int = 0
    backoff: int = 2

    @property
    def cron(self) -> str | None:
        return None if self.every is None else cron_every(self.every)


def install_schema(connection: Connection) -> bool:
    """Create the queue's tables and functions on PostgreSQL, once (the migration and
    ``create_all`` call it); False where there is nothing to do."""
    if connection.dialect.name != "postgresql":
        return False
    if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
        return False
    # several statements in one: psycopg sends them as one simple query without parameters
    driver: Any = connection.connection.driver_connection
    driver.execute(SchemaManager.get_schema())
    return True


@event.listens_for(SQLModel.metadata, "after_create")
def _with_the_tables(_metadata: Any, connection: Connection, **_: Any) -> None:  # noqa: ANN401
    install_schema(connection)


def is_queue_object(name: str | None) -> bool:
    """The queue's own tables, indexes and types (Procrastinate's, not in the models):
    Alembic's comparison with the models leaves them out."""
    return bool(name) and str(name).startswith("procrastinate_")


def libpq_url(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def is_durable(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class JobEngine:
    """The queue of one process. ``defer`` works everywhere (a web server, the CLI);
    ``add`` and ``run_worker`` belong to a process that runs jobs."""

    def __init__(self, settings: Settings) -> None:
        url = settings.effective_database_url
        self.durable = is_durable(url)
        connector: Any = (
            procrastinate.PsycopgConnector(conninfo=libpq_url(url), min_size=1, max_size=4)
            if self.durable
            else job_testing.InMemoryConnector()
        )
        self.app = procrastinate.App(connector=connector)
        # Deferring inside a unit of work goes through its own connection, synchronously,
        # whether or not this process's worker has the queue open (asynchronously).
        self._deferrer = (
            procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=libpq_url(url)))
            if self.durable
            else self.app
        )
        self.specs: dict[str, JobSpec] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stalled_after = settings.job_stalled_after_seconds

    # --- declaring --------------------------------------------------------------------
    def add(self, spec: JobSpec, *, around: Callable[[Callable[[], Any]], Awaitable[Any]]) -> None:
        """Register ``spec``; ``around(call)`` runs the blocking call (in a thread, after
        SQLite's writer gate where there is one)."""
        if spec.name in self.specs:
            raise ValueError(f"job {spec.name} is declared twice")
        self.specs[spec.name] = spec

        async def job(timestamp: int | None = None, **kwargs: Any) -> None:
            if spec.on_loop:
                await spec.run(**kwargs)
            else:
                await around(lambda: spec.run(**kwargs))

        task = self.app.task(
            name=spec.name,
            queue=QUEUE,
            retry=(
                RetryStrategy(max_attempts=spec.retries, exponential_wait=spec.backoff)
                if spec.retries
                else False
            ),
            lock=spec.name if spec.every else None,
            queueing_lock=spec.name if spec.every else None,
        )(job)
        if spec.cron is not None:
            self.app.periodic(cron=spec.cron, periodic_id=spec.name)(task)

    def add_upkeep(self) -> None:
        """The queue's own periodic jobs: run again the jobs of workers that stopped
        beating (killed mid-job), and forget finished jobs (``KEEP_FINISHED_HOURS``)."""
        manager = self.app.job_manager
        stalled_after = self.stalled_after
        keep_hours = KEEP_FINISHED_HOURS[self.durable]

        @self.app.periodic(cron=cron_every(5), periodic_id=STALLED_CHECK)
        @self.app.task(name=STALLED_CHECK, queue=QUEUE, queueing_lock=STALLED_CHECK)
        async def retry_stalled(timestamp: int) -> None:
            for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
                log.warning("job %s (%s) stalled: running it again", job.id, job.task_name)
                try:
                    await manager.retry_job(job)
                except job_errors.UniqueViolation:  # a newer copy waits to run: it will do
                    assert job.id is not None
                    await manager.finish_job_by_id_async(
                        job_id=job.id, status=Status.FAILED, delete_job=False
                    )

        @self.app.periodic(cron=cron_every(3600), periodic_id=PRUNE)
        @self.app.task(name=PRUNE, queue=QUEUE, queueing_lock=PRUNE)
        async def prune(timestamp: int) -> None:
            await manager.delete_old_jobs(nb_hours=keep_hours, include_failed=True, queue=QUEUE)

    # --- deferring ---------------------------------------------------------------------
    def defer(
        self,
        uow: UnitOfWork,
        name: str,
        *,
        lock: str | None = None,
        coalesce: bool = True,
        delay_seconds: float = 0,
        **kwargs: Any,
    ) -> None:
        """Defer ``name(**kwargs)`` with the unit of work: on PostgreSQL in its
        transaction; in memory once it has committed. ``coalesce``: if the same job
        (``lock``) is already waiting to run, that one will do."""
        options: dict[str, Any] = {"queue": QUEUE, "lock": lock}
        if coalesce and lock is not None:
            options["queueing_lock"] = lock
        if delay_seconds > 0:
            options["schedule_in"] = {"seconds": delay_seconds}
        if not self.durable:
            uow.after_commit(lambda: self._defer_in_memory(name, options, kwargs))
            return
        # A coalesced duplicate must not end the use case: the defer runs in a savepoint,
        # emitted before the driver's connection is taken (SQLAlchemy emits it lazily).
        savepoint = uow.session.begin_nested()
        connection = uow.session.connection().connection.driver_connection
        try:
            self._deferrer.configure_task(name, connection=connection, **options).defer(**kwargs)
        except job_errors.AlreadyEnqueued:
            savepoint.rollback()
            return
        savepoint.commit()

    def _defer_in_memory(self, name: str, options: dict[str, Any], kwargs: dict) -> None:
        """Into the in-process queue, on the loop its worker runs on (none yet: the
        periodic sweeps will find the work)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            log.debug("no worker in this process for %s", name)
            return

        async def defer() -> None:
            try:
                await self.app.configure_task(name, **options).defer_async(**kwargs)
            except job_errors.AlreadyEnqueued:
                return

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(defer())
        else:
            asyncio.run_coroutine_threadsafe(defer(), loop)

    # --- running ----------------------------------------------------------------------
    async def run_worker(self, *, concurrency: int = 2, name: str = "doorstep") -> None:
        """Run jobs until cancelled: periodic ones when due, deferred ones as they come."""
        self._loop = asyncio.get_running_loop()
        async with self.app.open_async():
            await self.app.run_worker_async(
                queues=[QUEUE],
                name=name,
                concurrency=concurrency,
                install_signal_handlers=False,
                fetch_job_polling_interval=1.0,
                update_heartbeat_interval=max(1.0, self.stalled_after / 3),
                stalled_worker_timeout=self.stalled_after,
            )

    # --- reading ----------------------------------------------------------------------
    def recent(self, uow: UnitOfWork, *, status: str | None = None, limit: int = 100) -> list[Job]:
        """The queue's jobs, newest first: what the operators see."""
        if self.durable:
            rows = uow.session.execute(
                text(
                    "SELECT id, task_name, status::text AS status, attempts, lock, scheduled_at,"
                    " args FROM procrastinate_jobs WHERE queue_name = :queue"
                    " AND (CAST(:status AS text) IS NULL OR status::text = :status)"
                    " ORDER BY id DESC LIMIT :limit"
                ),
                {"queue": QUEUE, "status": status, "limit": limit},
            ).mappings()
            found = [dict(row) for row in rows]
        else:
            memory: Any = self.app.connector
            found = sorted(
                (
                    dict(row)
                    for row in memory.jobs.values()
                    if row["queue_name"] == QUEUE and status in (None, row["status"])
                ),
                key=lambda row: row["id"],
                reverse=True,
            )[:limit]
        return [
            Job(
                id=row["id"],
                task=row["task_name"],
                status=row["status"],
                attempts=row["attempts"],
                lock=row["lock"],
                scheduled_at=_aware(row["scheduled_at"]),
                args=dict(row["args"] or {}),  # a periodic job's: the period it is for
            )
            for row in found
        ]


@dataclass(frozen=True)
class Job:
    """One job as the operators see it."""

    id: int
    task: str
    status: str  # todo, doing, succeeded, failed, cancelled, aborted
    attempts: int
    lock: str | None
    scheduled_at: datetime | None
    args: dict[str, Any]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
