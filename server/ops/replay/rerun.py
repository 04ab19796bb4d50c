"""The period's orders dispatched again, in the order they started waiting. Pure.

Each decision is the real one (``dispatch.engine.decide``, or ``batch_matrix`` and
``batch_assign`` in batch mode) on the technicians as they were at that moment: where they
last reported (``Whereabouts``), whether they were active then, and the jobs this re-run
has given them so far. Offers are answered as each technician answered in the period
(``Responder``: their share of offers accepted and their usual time to answer), drawn
from a seeded generator so a replay repeats exactly.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.dispatch.engine import batch_assign, batch_matrix, decide
from server.dispatch.facts import BusyInterval, JobFacts, TechnicianFacts
from server.dispatch.geo import LatLng, TravelTime
from server.dispatch.scoring import CandidateScore
from server.dispatch.spatial import GridIndex
from server.dispatch.world import DispatchSettings

SEEN_WITHIN = timedelta(minutes=30)  # a position older than this says nothing of now


@dataclass(frozen=True)
class PastOrder:
    id: str
    district: str
    job: JobFacts
    waiting_at: datetime  # when it first waited for a technician (paid)
    total_fen: int


@dataclass(frozen=True)
class Outcome:
    """What became of one order (as it happened, or in the re-run)."""

    order_id: str
    district: str
    technician_id: str | None
    waited_s: float | None  # from waiting to accepted
    km: float | None  # the technician's way to the job
    on_time: bool | None  # arrived by the start plus the late tolerance
    pay_fen: int  # what the technician earned on it


@dataclass(frozen=True)
class Responder:
    """How a technician answered offers, and how often they arrived late, in the period."""

    accept_rate: float
    response_s: float
    late_share: float = 0.0


DEFAULT_RESPONDER = Responder(accept_rate=0.8, response_s=30.0)


@dataclass
class Whereabouts:
    """Each technician's reported positions over the period, in time order."""

    points: dict[str, list[tuple[datetime, LatLng]]] = field(default_factory=dict)

    def at(self, technician_id: str, moment: datetime) -> LatLng | None:
        track = self.points.get(technician_id)
        if not track:
            return None
        i = bisect.bisect_right(track, moment, key=lambda p: p[0]) - 1
        if i < 0 or moment - track[i][0] > SEEN_WITHIN:
            return None
        return track[i][1]

    def active(self, technician_id: str, moment: datetime, *, otherwise: bool) -> bool:
        """Reported within the last half hour; with no track at all, ``otherwise``."""
        if technician_id not in self.points:
            return otherwise
        return self.at(technician_id, moment) is not None


@dataclass
class _Fleet:
    """The technicians as the re-run goes: jobs given, pay earned per local day."""

    techs: dict[str, TechnicianFacts]
    whereabouts: Whereabouts
    tz: ZoneInfo
    jobs: dict[tuple[str, object], int] = field(default_factory=dict)
    earned: dict[tuple[str, object], int] = field(default_factory=dict)

    def view(self, moment: datetime) -> tuple[dict[str, TechnicianFacts], GridIndex]:
        """The technicians at ``moment``, and the index of where each was (the search
        radius trims by it, as in a live round)."""
        day = moment.astimezone(self.tz).date()
        out = {}
        index = GridIndex(1000.0)
        for tid, tech in self.techs.items():
            stats = replace(
                tech.stats,
                jobs_today=self.jobs.get((tid, day), 0),
                earnings_today_fen=self.earned.get((tid, day), 0),
            )
            seen = replace(
                tech,
                location=self.whereabouts.at(tid, moment),
                online=self.whereabouts.active(tid, moment, otherwise=tech.online),
                stats=stats,
            )
            out[tid] = seen
            where = seen.location or seen.home
            if where is not None:
                index.insert(tid, where.lat, where.lng)
        return out, index

    def give(self, tid: str, order: PastOrder, pay: int) -> None:
        job = order.job
        day = job.start.astimezone(self.tz).date()
        busy = BusyInterval(job.start, job.end, job.location, order.id)
        tech = self.techs[tid]
        self.techs[tid] = replace(tech, busy=tuple(sorted((*tech.busy, busy), key=_start)))
        self.jobs[(tid, day)] = self.jobs.get((tid, day), 0) + 1
        self.earned[(tid, day)] = self.earned.get((tid, day), 0) + pay


def _start(b: BusyInterval) -> datetime:
    return b.start


def rerun(
    orders: Sequence[PastOrder],
    techs: Mapping[str, TechnicianFacts],
    *,
    settings: DispatchSettings,
    travel: TravelTime,
    whereabouts: Whereabouts,
    responders: Mapping[str, Responder],
    levels: Mapping[str, str],
    seed: int = 7,
) -> list[Outcome]:
    """Every order's outcome under ``settings`` (cascade or batch)."""
    run = _Run(
        _Fleet(dict(techs), whereabouts, ZoneInfo(settings.policy.tz)),
        settings,
        travel,
        responders,
        levels,
        random.Random(seed),
    )
    ordered = sorted(orders, key=lambda o: (o.waiting_at, o.id))
    if settings.dispatch.mode == "batch":
        return run.batches(ordered)
    return [run.cascade(o) for o in ordered]


@dataclass
class _Run:
    fleet: _Fleet
    settings: DispatchSettings
    travel: TravelTime
    responders: Mapping[str, Responder]
    levels: Mapping[str, str]
    rng: random.Random

    def _search(self, moment: datetime) -> tuple[dict[str, TechnicianFacts], dict[str, Any]]:
        """The technicians at ``moment`` and what a decision weighs them by."""
        techs, index = self.fleet.view(moment)
        rules = self.settings.dispatch
        return techs, {
            "now": moment,
            "travel": self.travel,
            "index": index,
            "radius_m": rules.search_radius_km * 1000.0,
            "weights": rules.weights,
            "scoring": self.settings.scoring,
            "policy": self.settings.policy,
        }

    def _offer(self, order: PastOrder, best: CandidateScore, waited: float) -> Outcome | float:
        """The offer answered as that technician answers: the outcome if accepted, else
        the seconds it took to refuse. Both draws are made every time, so one order's
        draws never shift the next one's."""
        responder = self.responders.get(best.technician_id, DEFAULT_RESPONDER)
        accepted = self.rng.random() < responder.accept_rate
        late = self.rng.random() < responder.late_share
        took = min(responder.response_s, self.settings.dispatch.offer_timeout_seconds)
        if not accepted:
            return took
        return self._served(order, best, waited + took, late)

    def _served(self, order: PastOrder, best: CandidateScore, waited: float, late: bool) -> Outcome:
        """Accepted ``waited`` s after it started waiting: on time if the way there fits
        before the start (plus the tolerance) and the technician is not late as they
        were now and then in the period (``late``, drawn from their share)."""
        tid = best.technician_id
        pay = self.settings.technician_pay(order.total_fen, self.levels.get(tid))
        self.fleet.give(tid, order, pay)
        accepted_at = order.waiting_at + timedelta(seconds=waited)
        arrival = max(accepted_at + timedelta(seconds=best.eta_s or 0.0), order.job.start)
        tolerance = timedelta(minutes=self.settings.dispatch.late_tolerance_minutes)
        on_time = arrival <= order.job.start + tolerance and not late
        return Outcome(
            order.id, order.district, tid, waited, best.distance_m / 1000.0, on_time, pay
        )

    def cascade(self, order: PastOrder) -> Outcome:
        """The best untried candidate is offered the order, then the next, up to the
        offer limit."""
        tried: set[str] = set()
        waited = 0.0
        for _offer in range(self.settings.dispatch.max_offers_per_order):
            techs, weigh = self._search(order.waiting_at + timedelta(seconds=waited))
            best = decide(order.job, techs, exclude=frozenset(tried), **weigh).best
            if best is None:
                break
            answer = self._offer(order, best, waited)
            if isinstance(answer, Outcome):
                return answer
            waited += answer
            tried.add(best.technician_id)
        return _unserved(order)

    def batches(self, ordered: list[PastOrder]) -> list[Outcome]:
        """Orders gathered per batch interval and matched together; one not matched, or
        whose technician refuses, waits for the next window, up to the offer limit."""
        rules = self.settings.dispatch
        window = timedelta(seconds=rules.batch_interval_seconds)
        outcomes: dict[str, Outcome] = {}
        offers: dict[str, int] = {}
        waiting: list[PastOrder] = []
        pending = list(ordered)
        clock = pending[0].waiting_at + window if pending else None
        while clock is not None:
            while pending and pending[0].waiting_at <= clock:
                waiting.append(pending.pop(0))
            if waiting:
                techs, weigh = self._search(clock)
                chosen = batch_assign(batch_matrix([o.job for o in waiting], techs, **weigh))
                still: list[PastOrder] = []
                for order in waiting:
                    best = chosen.get(order.id)
                    if best is None:
                        still.append(order)
                        continue
                    offers[order.id] = offers.get(order.id, 0) + 1
                    answer = self._offer(order, best, (clock - order.waiting_at).total_seconds())
                    if isinstance(answer, Outcome):
                        outcomes[order.id] = answer
                    elif offers[order.id] < rules.max_offers_per_order:
                        still.append(order)
                waiting = [o for o in still if (clock - o.waiting_at) < timedelta(hours=2)]
            if pending or waiting:
                nxt = clock + window
                clock = nxt if waiting or not pending else max(nxt, pending[0].waiting_at)
            else:
                clock = None
        return [outcomes.get(o.id) or _unserved(o) for o in ordered]


def _unserved(order: PastOrder) -> Outcome:
    return Outcome(order.id, order.district, None, None, None, None, 0)
