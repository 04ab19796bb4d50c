"""The dispatcher: rounds, and the jobs that run them when something changes the answer.

A round (``run_round``) expires overdue offers, then places each waiting order of one city
partition by the configured mode (cascade offers, batch assignment, or the open pool).
There is no loop: a round is a job (``dispatch.round``, one per partition: jobs of one
partition never run at once, and wake-ups that arrive meanwhile coalesce into one more
round), deferred in the transaction that changes the answer: an order starts waiting
(paid, declined, timed out, transferred), a technician comes online, or a free technician
moves (at most one wake-up per partition every few seconds). In batch mode the
round waits one batch interval, so the orders of that window are matched together. The
deadline sweep (every second) expires overdue offers, which makes their orders wait again;
the safety sweep finds orders no wake-up reached (one the last round could not place,
once its retry interval has passed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from server.core.clock import as_utc
from server.core.errors import AppError
from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.dispatch.batch import place_batch
from server.dispatch.cascade import place_order
from server.dispatch.common import waiting_orders
from server.dispatch.geo import LatLng
from server.dispatch.models import DecisionOutcome, RoundRead
from server.dispatch.offers import expire_offers
from server.dispatch.world import load_settings, load_world, reachable
from server.geo.partitions import partition_of
from server.orders.machine import Status
from server.orders.models import Order

log = logging.getLogger("doorstep.dispatch")


def run_round(
    uow: UnitOfWork,
    *,
    timezone: str,
    batch_due: bool = True,
    prefilter: bool = True,
    partition: str | None = None,
) -> RoundRead:
    """One dispatcher round, one unit of work. Each placement is an attempt of its
    own (``uow.attempt``): one failure (a lost race with a technician's claim, say) is undone
    alone and does not hold up the others.

    Facts are loaded only for the technicians within reach of a waiting order
    (``reachable``); ``prefilter=False`` loads every technician, the reference the
    prefiltered round must agree with (tests, benchmarks). ``partition``: only the
    orders of that city partition (None: all).
    """
    session = uow.session
    clock = uow.clock
    report = RoundRead()
    expire_offers(uow, report=report)
    now = clock.now()
    orders = waiting_orders(session, now)
    if partition is not None:
        orders = [o for o in orders if partition_of(o.lat, o.lng) == partition]
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


ROUND_JOB = "dispatch.round"


def wake(uow: UnitOfWork, *, partition: str) -> None:
    """Run a round for ``partition`` once ``uow`` commits (in batch mode, one batch
    interval later); a round already waiting to run for it will do."""
    rules = load_settings(uow, timezone=uow.settings.timezone).dispatch
    uow.defer(
        ROUND_JOB,
        lock=f"dispatch:{partition}",
        delay_seconds=rules.batch_interval_seconds if rules.mode == "batch" else 0,
        partition=partition,
    )


def wake_dispatcher(uow: UnitOfWork, moved: Moved) -> None:
    """An order started waiting (paid, declined, timed out, transferred): dispatch its
    partition, in the same transaction."""
    if moved.to_status == Status.PENDING_DISPATCH.value:
        wake(uow, partition=partition_of(moved.order.lat, moved.order.lng))


def wake_near(uow: UnitOfWork, lat: float, lng: float) -> None:
    """Something near (lat, lng) may place waiting orders now (a technician came online)."""
    wake(uow, partition=partition_of(lat, lng))


MOVE_WAKE_SECONDS = 5.0
_moved_wakes: dict[str, datetime] = {}  # partition -> last wake-up for a move (this process)


def wake_moved(uow: UnitOfWork, lat: float, lng: float) -> None:
    """A free technician reported a new position: their partition is dispatched again,
    at most once every ``MOVE_WAKE_SECONDS`` per partition from this process (positions
    arrive every few seconds from every technician; one round a while sees them all)."""
    partition = partition_of(lat, lng)
    now = uow.clock.now()
    last = _moved_wakes.get(partition)
    if last is not None and timedelta(0) <= now - last < timedelta(seconds=MOVE_WAKE_SECONDS):
        return
    _moved_wakes[partition] = now
    wake(uow, partition=partition)


def round_job(runtime: Any, *, partition: str) -> RoundRead:  # noqa: ANN401
    """The ``dispatch.round`` job: one round of one partition, one unit of work."""
    with UnitOfWork.begin(runtime) as uow:
        return run_round(uow, timezone=runtime.settings.timezone, partition=partition)


def deadline_sweep(runtime: Any) -> int:  # noqa: ANN401
    """Every second: expire overdue offers (their orders wait again, which wakes their
    partition's round)."""
    with UnitOfWork.begin(runtime) as uow:
        return expire_offers(uow)


def safety_sweep(runtime: Any) -> list[str]:  # noqa: ANN401
    """Wake the partitions whose waiting orders no wake-up has placed: the partitions
    woken."""
    with UnitOfWork.begin(runtime) as uow:
        now = uow.clock.now()
        rules = load_settings(uow, timezone=uow.settings.timezone).dispatch
        retry = timedelta(seconds=rules.retry_unplaced_seconds)
        partitions = sorted(
            {
                partition_of(o.lat, o.lng)
                for o in waiting_orders(uow.session, now)
                if not _recently_unplaced(o, now, retry)
            }
        )
        for partition in partitions:
            wake(uow, partition=partition)
    return partitions
