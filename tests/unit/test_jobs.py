"""The job queue's contract (server/core/jobs.py), on the embedded in-memory queue: jobs go
in with their unit of work or not at all, wake-ups coalesce, failures are retried with
backoff, periodic jobs run on their period."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from server.core.db import make_engine
from server.core.jobs import JobEngine, JobSpec, cron_every
from server.core.settings import Settings
from server.core.uow import Parts, UnitOfWork


@pytest.mark.parametrize(
    ("seconds", "line"),
    [
        (1, "* * * * * */1"),
        (10, "* * * * * */10"),
        (30, "* * * * * */30"),
        (60, "*/1 * * * * 0"),
        (600, "*/10 * * * * 0"),
        (3600, "0 */1 * * * 0"),
        (6 * 3600, "0 */6 * * * 0"),
    ],
)
def test_a_period_is_a_cron_line_with_seconds(seconds: int, line: str) -> None:
    assert cron_every(seconds) == line


@pytest.mark.parametrize("seconds", [0, -5, 7, 90, 7 * 3600, 2 * 86400])
def test_a_period_that_divides_no_minute_hour_or_day_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError):
        cron_every(seconds)


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    SQLModel.metadata.create_all(engine)
    settings = Settings(env="test", secret_key="s" * 40, data_dir=tmp_path)
    return Parts.on(engine, settings)


async def _in_a_thread(call: Callable[[], object]) -> object:
    return await asyncio.to_thread(call)


@pytest.fixture
async def running(parts: Parts) -> AsyncIterator[tuple[Parts, list[tuple[str, dict]]]]:
    """A worker on the parts' queue; ``done`` lists the jobs run, in order."""
    done: list[tuple[str, dict]] = []
    failures = {"flaky": 1}

    def flaky(**kwargs: object) -> None:
        if failures["flaky"]:
            failures["flaky"] -= 1
            raise RuntimeError("the first attempt fails")
        done.append(("flaky", dict(kwargs)))

    queue = parts.jobs
    queue.add(JobSpec("note", lambda **kw: done.append(("note", kw))), around=_in_a_thread)
    queue.add(JobSpec("flaky", flaky, retries=3, backoff=1), around=_in_a_thread)
    queue.add(JobSpec("tick", lambda: done.append(("tick", {})), every=1), around=_in_a_thread)
    worker = asyncio.create_task(queue.run_worker(concurrency=1))
    await _until(lambda: queue._loop is not None)
    yield parts, done
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


async def test_a_job_goes_in_only_with_its_committed_unit_of_work(running) -> None:  # noqa: ANN001
    parts, done = running
    with pytest.raises(RuntimeError):
        with UnitOfWork.begin(parts) as uow:
            uow.defer("note", which="rolled back")
            raise RuntimeError("the use case fails")
    with UnitOfWork.begin(parts) as uow:
        uow.defer("note", which="committed")
        assert not [d for d in done if d[0] == "note"]  # not before the commit
    await _until(lambda: ("note", {"which": "committed"}) in done)
    assert ("note", {"which": "rolled back"}) not in done


async def test_wake_ups_for_one_lock_coalesce_into_one_waiting_job(running) -> None:  # noqa: ANN001
    parts, done = running
    queue: JobEngine = parts.jobs
    with UnitOfWork.begin(parts) as uow:
        for n in range(5):
            uow.defer("note", lock="partition:a", delay_seconds=0.5, n=n)
    await _until(lambda: any(d[0] == "note" for d in done))
    await asyncio.sleep(0)  # let any stray copy start
    notes = [d for d in done if d[0] == "note"]
    assert notes == [("note", {"n": 0})]
    with UnitOfWork.begin(parts, write=False) as uow:
        jobs = [j for j in queue.recent(uow) if j.task == "note"]
    assert [(j.status, j.lock) for j in jobs] == [("succeeded", "partition:a")]


async def test_a_failed_job_is_retried_with_backoff(running) -> None:  # noqa: ANN001
    parts, done = running
    with UnitOfWork.begin(parts) as uow:
        uow.defer("flaky", order="o1")
    await _until(lambda: ("flaky", {"order": "o1"}) in done)
    with UnitOfWork.begin(parts, write=False) as uow:
        (job,) = [j for j in parts.jobs.recent(uow) if j.task == "flaky"]
    assert (job.status, job.attempts) == ("succeeded", 2)  # failed once, then done


async def test_a_periodic_job_runs_on_its_period(running) -> None:  # noqa: ANN001
    parts, done = running
    await _until(lambda: done.count(("tick", {})) >= 2, seconds=5)
    with UnitOfWork.begin(parts, write=False) as uow:
        ticks = [j for j in parts.jobs.recent(uow) if j.task == "tick"]
    assert len(ticks) >= 2 and {j.lock for j in ticks} == {"tick"}
