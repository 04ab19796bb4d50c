"""``doorstep worker``: the background jobs in a process of their own.

The worker is the same application as the web server (``create_app``: the same wiring,
ports, live-feed publisher and declared jobs) with no HTTP in front of it: its lifespan
runs, the job worker runs inside it until SIGTERM or SIGINT, then the worker finishes the
jobs in hand and stops.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from fastapi import FastAPI

from server.app import create_app
from server.core.settings import Settings

log = logging.getLogger("doorstep.worker")


def run_job_worker(settings: Settings, *, concurrency: int = 4) -> None:
    asyncio.run(_serve_jobs(settings, concurrency))


def worker_app(settings: Settings) -> FastAPI:
    """The application a worker runs its jobs in (its own worker started by hand)."""
    return create_app(settings.model_copy(update={"jobs_in_web": False}))


async def _serve_jobs(settings: Settings, concurrency: int) -> None:
    app = worker_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with app.router.lifespan_context(app):
        worker = asyncio.create_task(
            app.state.jobs.run_worker(concurrency=concurrency, name="worker")
        )
        log.info("job worker running (%d at a time)", concurrency)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({worker, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if worker.done():
            worker.result()  # the worker failed on its own (the database went away): say why
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    app.state.engine.dispose()
