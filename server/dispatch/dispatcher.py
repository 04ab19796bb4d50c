"""The dispatcher: rounds and the background loop that runs them.

A round (``run_round``) expires overdue offers, then places each waiting order by the
configured mode (cascade offers, batch assignment, or the open pool). The background task
runs a round every second and at once when an order starts waiting (``wake_dispatcher``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta

from server.core.clock import as_utc
from server.core.errors import AppError
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.core.uow_middleware import writer_gate
from server.dispatch.batch import place_batch
from server.dispatch.cascade import place_order
from server.dispatch.common import waiting_orders
from server.dispatch.geo import LatLng
from server.dispatch.models import DecisionOutcome, RoundRead
from server.dispatch.offers import expire_offers
from server.dispatch.world import load_settings, load_world, reachable
from server.orders.machine import Status
from server.orders.models import Order

log = logging.getLogger("doorstep.dispatch")


def run_round(
    uow: UnitOfWork,
    *,
    timezone: str,
    batch_due: bool = True,
    prefilter: bool = True,
) -> RoundRead:
    """One dispatcher round, one unit of work. Each placement is an attempt of its
    own (``uow.attempt``): one failure (a lost race with a technician's claim, say) is undone
    alone and does not hold up the others.

    Facts are loaded only for the technicians within reach of a waiting order
    (``reachable``); ``prefilter=False`` loads every technician, the reference the
    prefiltered round must agree with (tests, benchmarks).
    """
    session = uow.session
    clock = uow.clock
    report = RoundRead()
    expire_offers(uow, report=report)
    now = clock.now()
    orders = waiting_orders(session, now)
    if not orders:
        return report
    settings = load_settings(uow, timezone=timezone)
    mode = settings.dispatch.mode
    if mode == "pool":
        report.pooled = len(orders)
        return report
    if mode == "cascade":
        retry = timedelta(seconds=settings.dispatch.retry_unplaced_seconds)
        orders = [o for o in orders if not _recently_unplaced(o, now, retry)]
        if not orders:
            return report
    reach: dict[str, frozenset[str]] = {}
    ids: set[str] | None = None
    if prefilter:
        found = reachable(
            uow,
            points=[LatLng(o.lat, o.lng) for o in orders],
            now=now,
            radius_m=settings.dispatch.search_radius_km * 1000.0,
        )
        reach = {o.id: r for o, r in zip(orders, found, strict=True)}
        ids = set().union(*found)
    world = load_world(uow, now=now, timezone=timezone, settings=settings, ids=ids)
    if mode == "batch":
        if batch_due:
            place_batch(uow, orders=orders, world=world, report=report)
        return report
    for order in orders:
        try:
            with uow.attempt():
                record = place_order(
                    uow, order=order, world=world, report=report, within_reach=reach.get(order.id)
                )
            if record is not None and record.outcome == DecisionOutcome.OFFERED.value:
                report.order_ids.append(order.id)
            else:
                _unplaced[order.id] = now
        except AppError as exc:
            report.errors += 1
            log.info("dispatch of %s skipped: %s", order.id, exc.code)
    return report


# Orders the last attempt could not place, and when (this process's memory). Until the
# order changes or the retry interval passes, rounds skip them: trying every second
# would hold the database for nothing.
_unplaced: dict[str, datetime] = {}


def _recently_unplaced(order: Order, now: datetime, retry: timedelta) -> bool:
    seen = _unplaced.get(order.id)
    if seen is None:
        return False
    if seen < as_utc(order.updated_at) or now - seen >= retry or now < seen:
        _unplaced.pop(order.id, None)
        return False
    if len(_unplaced) > 10_000:
        for key in [k for k, t in _unplaced.items() if now - t >= retry]:
            _unplaced.pop(key, None)
    return True


_wake = threading.Event()


def wake_dispatcher(moved: Moved) -> None:
    """An order started waiting (paid, declined, timed out, transferred): dispatch now."""
    if moved.to_status == Status.PENDING_DISPATCH.value:
        _wake.set()


def _one_round(app, last_batch: list[datetime | None]) -> None:  # noqa: ANN001
    """One round, wholly in a worker thread: a session (and SQLite's write lock) never
    stays open on the event loop, where requests holding the lock wait to finish."""

    settings = app.state.settings
    with UnitOfWork.begin(app.state) as uow:
        now = app.state.clock.now()
        rules = load_settings(uow, timezone=settings.timezone).dispatch
        previous = last_batch[0]
        due = previous is None or (now - previous).total_seconds() >= rules.batch_interval_seconds
        if due:
            last_batch[0] = now
        run_round(uow, timezone=settings.timezone, batch_due=due)


async def dispatch_task(app) -> None:  # noqa: ANN001
    """Background loop: a round every ``background_interval_seconds`` and whenever an
    order starts waiting; batch matching at the rules' batch interval."""
    settings = app.state.settings
    interval = max(0.2, float(settings.background_interval_seconds))
    last_batch: list[datetime | None] = [None]
    gate = writer_gate(app)
    while True:
        try:
            if gate is None:
                await asyncio.to_thread(_one_round, app, last_batch)
            else:  # SQLite: queue with the requests' writers instead of polling the lock
                async with gate:
                    await asyncio.to_thread(_one_round, app, last_batch)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("dispatch round failed")
        await asyncio.to_thread(_wake.wait, interval)
        _wake.clear()
