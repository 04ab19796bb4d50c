"""The city simulation behind ``doorstep-simulate``: the demo district, a day of bookings,
technicians who answer offers (or not) and drive to their jobs, all on a simulated clock.

It drives the real services end to end (quotes, orders, payment, the dispatcher's rounds,
accept/decline, the grab pool and claims, location reports) on a throwaway SQLite
database, so the figures are those of the code that runs in production. What is made up
is the world around it (``simulation.world``):

* **demand**: bookings follow an hour-of-day curve with morning and evening peaks,
  at homes scattered around the demo compounds; a share books "as soon as possible";
* **technicians** answer an offer after a few seconds (log-normal), more readily when the
  job is near, sometimes not at all (then it times out), and browse the open pool now
  and then when idle;
* **customers** whose booking nobody takes cancel it after a while (30 min for ASAP);
* **movement**: each technician follows an ``Itinerary``; the position the app reports
  (and dispatch reads) is where the technician really is, on the road included.

``simulation.compare`` runs the same seeded day under several dispatch policies.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from server import bootstrap
from server.auth import service as auth_service
from server.auth.models import Role, User
from server.core import presence
from server.core.clock import FrozenClock, as_utc
from server.core.errors import AppError
from server.core.settings import Settings
from server.core.uow import Parts, UnitOfWork
from server.demo import DEFAULT_CITY
from server.dispatch import service as dispatch_service
from server.dispatch.geo import LatLng, TravelMode, distance_m
from server.dispatch.models import DispatchOffer, OfferStatus
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from server.orders.models import Order
from server.pricing import service as pricing_service
from server.pricing.models import AddressIn, QuoteCreate
from server.rules import store as rules_store
from server.technicians import service as technicians_service
from simulation.report import SimReport, build_report
from simulation.seeding import (
    forget_process_state,
    load_city,
    seed_city,
    seeded_ids,
    services_with_supply,
)
from simulation.world import (
    Booking,
    Itinerary,
    Job,
    SimConfig,
    accept_probability,
    draw_bookings,
)


@dataclass
class _Pending:
    technician_id: str
    answer_at: datetime | None  # None: never answered (times out)
    accept: bool


def _home(t: Any) -> LatLng | None:
    if t.area_center:
        return LatLng(*t.area_center)
    if t.area_polygon:
        pts = t.area_polygon
        return LatLng(sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    return LatLng(*t.location) if t.location else None


def _travel_mode(value: str | None) -> TravelMode:
    try:
        return TravelMode(value or TravelMode.EBIKE.value)
    except ValueError:
        return TravelMode.EBIKE


class _Run:
    """One simulated day on one database: the loop and its bookkeeping."""

    def __init__(
        self,
        *,
        engine: Any,
        settings: Settings,
        config: SimConfig,
        city: dict[str, Any],
        echo: Callable[[str], None],
    ) -> None:
        self.engine, self.settings, self.config, self.echo = engine, settings, config, echo
        self.tz_name = settings.timezone
        self.tz = ZoneInfo(settings.timezone)
        self.clock = FrozenClock(config.start)
        self.parts = Parts.on(engine, settings, clock=self.clock)
        self.cipher = self.parts.cipher
        self.rng = random.Random(f"behaviour-{config.seed}")
        self.city = city
        self.pending: dict[str, _Pending] = {}
        self.booking_of: dict[str, Booking] = {}  # order id -> booking
        self.paid_at: dict[str, datetime] = {}
        self.give_up_at: dict[str, datetime] = {}  # untaken orders: when the customer cancels
        self.round_ms: list[float] = []
        self.rounds = 0
        self.batch_rounds = 0
        self.claims = 0
        self.errors = 0

    # -- set-up

    def setup(self) -> None:

        config = self.config
        with UnitOfWork.begin(self.parts) as uow:
            session = uow.session
            staff_phone = next(
                str(s["phone"]) for s in self.city["demo_seed"]["staff"] if s["role"] == "operator"
            )
            operator = auth_service.find_by_phone(uow, phone=staff_phone)
            rules_store.update_rules(
                uow,
                user=operator,
                data={
                    "dispatch": {
                        **config.common_rules,
                        **config.dispatch_rules,
                        "mode": config.mode,
                    }
                },
                expected_version=None,
                note=f"simulation: {config.policy or config.mode}",
            )
            uow.keep()
            self.rules = dispatch_service.load_settings(uow, timezone=self.tz_name)
            online = technicians_service.list_dispatchable(uow, now=self.clock.now())
            self.customers = list(
                session.exec(
                    select(User).where(User.role == Role.customer.value).order_by(col(User.id))
                ).all()
            )
            self.services, supply = services_with_supply(uow, online)
            self.users = {
                u.id: u
                for u in session.exec(select(User).where(col(User.id).in_([t.id for t in online])))
            }
        if not self.customers or not self.services or not online:
            raise RuntimeError("the district has no customers, services or online technicians")
        self.online = online
        self.level = {t.id: t.level for t in online}
        self.accept_rate = {
            t.id: min(0.97, max(0.6, t.offers_accepted / t.offers_received))
            if t.offers_received
            else 0.85
            for t in online
        }
        travel = dispatch_service.travel_model(self.tz_name)
        early = timedelta(minutes=config.early_minutes)
        self.trips: dict[str, Itinerary] = {}
        for t in online:
            home = _home(t)
            if home is None:
                continue
            self.trips[t.id] = Itinerary(
                home=home,
                position=LatLng(*t.location) if t.location else home,
                mode=_travel_mode(t.travel_mode),
                travel=travel,
                tz=self.tz,
                early=early,
                road_factor=getattr(travel, "road_factor", 1.0),
            )
        self.last_ping = {tid: self.clock.now() - timedelta(days=1) for tid in self.trips}
        self.reported = {tid: trip.pos for tid, trip in self.trips.items()}
        self.next_browse = {
            tid: self.clock.now()
            + timedelta(minutes=self.rng.expovariate(1 / config.browse_minutes))
            for tid in sorted(self.trips)
        }
        self.bookings = draw_bookings(config, self.tz, self.city, len(self.customers), supply)

    # -- one wake

    def _book(self, uow: UnitOfWork, b: Booking) -> None:

        customer = self.customers[b.customer]
        body = QuoteCreate(
            service_id=self.services[b.service].id,
            address=AddressIn(lat=b.lat, lng=b.lng, text=b.address, district=b.district),
            scheduled_start=b.start,
        )
        try:
            with uow.attempt():
                quote = pricing_service.create_quote(
                    uow, customer=customer, body=body, timezone=self.tz_name
                )
                order = orders_service.create_from_quote(
                    uow,
                    customer=customer,
                    quote_id=quote.id,
                    notes="",
                    preferred_technician_id=None,
                )
                orders_service.move(
                    uow,
                    order_id=order.id,
                    action=Action.PAYMENT_SUCCEEDED,
                    actor=Actor(ActorKind.SYSTEM),
                )
            self.booking_of[order.id] = b
            self.paid_at[order.id] = self.clock.now()
            patience = self.config.asap_patience_minutes if b.asap else self.config.patience_minutes
            self.give_up_at[order.id] = self.clock.now() + timedelta(minutes=patience)
        except AppError as exc:
            self.errors += 1
            self.echo(f"  booking refused: {exc.code}")

    def _took(self, uow: UnitOfWork, technician_id: str, order_id: str) -> None:
        """A technician holds the order now: it joins their day."""
        session = uow.session

        order = session.get(Order, order_id)
        b = self.booking_of[order_id]
        now = self.clock.now()
        self.give_up_at.pop(order_id, None)
        if technician_id not in self.trips:
            return
        self.trips[technician_id].add(
            Job(
                order_id=order_id,
                lat=order.lat,
                lng=order.lng,
                start=as_utc(order.scheduled_start),
                duration=as_utc(order.scheduled_end) - as_utc(order.scheduled_start),
                booked_at=self.paid_at[order_id],
                accepted_at=now,
                asap=b.asap,
                duration_factor=b.duration_factor,
                travel_factor=b.travel_factor,
            )
        )

    def _give_up(self, uow: UnitOfWork) -> None:
        """Customers whose booking nobody took in time cancel it."""
        session = uow.session

        now = self.clock.now()
        for order_id, at in sorted(self.give_up_at.items(), key=lambda kv: (kv[1], kv[0])):
            if at > now:
                continue
            del self.give_up_at[order_id]
            order = session.get(Order, order_id)
            if order is None or order.status not in ("PENDING_DISPATCH", "OFFERED"):
                continue
            try:
                with uow.attempt():
                    orders_service.move(
                        uow,
                        order_id=order_id,
                        action=Action.CANCEL,
                        actor=Actor(ActorKind.CUSTOMER, order.customer_id),
                        reason="nobody took it",
                    )
            except AppError as exc:
                self.errors += 1
                self.echo(f"  cancellation refused: {exc.code}")

    def _answer(self, uow: UnitOfWork) -> bool:
        """Answers due by now. Returns whether an order went back to waiting."""
        session = uow.session
        now = self.clock.now()
        changed = False
        for key in sorted(self.pending, key=lambda k: (self.pending[k].answer_at or now, k)):
            p = self.pending[key]
            if p.answer_at is None or p.answer_at > now:
                continue
            offer = session.get(DispatchOffer, key)
            del self.pending[key]
            if offer is None or offer.status != OfferStatus.PENDING.value:
                continue
            user = self.users[p.technician_id]
            try:
                with uow.attempt():
                    if p.accept:
                        dispatch_service.accept_offer(
                            uow, user=user, offer_id=key, timezone=self.tz_name
                        )
                    else:
                        dispatch_service.decline_offer(
                            uow, user=user, offer_id=key, timezone=self.tz_name, reason="busy"
                        )
            except AppError:  # e.g. no longer eligible: the order waits again
                changed = True
                continue
            if p.accept:
                self._took(uow, p.technician_id, offer.order_id)
            else:
                changed = True
        return changed

    def _browse(self, uow: UnitOfWork) -> bool:
        """Idle technicians whose turn it is look at the pool and may grab the nearest."""
        now = self.clock.now()
        took = False
        for tid, due in sorted(self.next_browse.items()):
            if due > now:
                continue
            self.next_browse[tid] = now + timedelta(
                minutes=self.rng.expovariate(1 / self.config.browse_minutes)
            )
            if self.trips[tid].busy(now):
                continue
            items = dispatch_service.pool(uow, user=self.users[tid], timezone=self.tz_name, limit=1)
            if not items:
                continue
            km = items[0].distance_m / 1000
            if self.rng.random() >= accept_probability(
                self.accept_rate[tid], km, self.config.accept_half_km
            ):
                continue
            try:
                with uow.attempt():
                    dispatch_service.claim(
                        uow,
                        user=self.users[tid],
                        order_id=items[0].order_id,
                        timezone=self.tz_name,
                    )
            except AppError:
                continue
            self._took(uow, tid, items[0].order_id)
            self.claims += 1
            took = True
        return took

    def _new_offers(self, uow: UnitOfWork) -> None:
        """Decide how and when each new offer's technician answers."""
        session = uow.session
        offers = session.exec(
            select(DispatchOffer).where(DispatchOffer.status == OfferStatus.PENDING.value)
        ).all()
        now = self.clock.now()
        for offer in sorted(offers, key=lambda o: (as_utc(o.created_at), o.id)):
            if offer.id in self.pending:
                continue
            tid = offer.technician_id
            busy = self.trips[tid].busy(now) if tid in self.trips else False
            unanswered = self.config.unanswered_share * (3 if busy else 1)
            answer_at = None
            if self.rng.random() >= unanswered:
                delay = self.config.response_median_s * math.exp(
                    self.rng.gauss(0, self.config.response_sigma)
                )
                answer_at = as_utc(offer.created_at) + timedelta(seconds=delay)
                if answer_at >= as_utc(offer.expires_at):
                    answer_at = None  # too slow: the offer times out first
            p = accept_probability(
                self.accept_rate.get(tid, 0.85), offer.distance_m / 1000, self.config.accept_half_km
            )
            self.pending[offer.id] = _Pending(tid, answer_at, self.rng.random() < p)

    def _move_technicians(self, uow: UnitOfWork) -> None:
        """Departures due by now; the app reports where each technician is."""

        now = self.clock.now()
        for tid in sorted(self.trips):
            presence.mark_seen(uow, tid, now)  # the app is open all along (its live feed)
            trip = self.trips[tid]
            trip.advance(now)
            where = trip.position(now)
            since = now - self.last_ping[tid]
            moved = distance_m(where, self.reported[tid]) > 100.0
            if since < timedelta(minutes=1) or not (
                moved or since >= timedelta(minutes=self.config.ping_minutes)
            ):
                continue
            technicians_service.update_location(
                uow, user_id=tid, lat=where.lat, lng=where.lng, at=now
            )
            self.last_ping[tid], self.reported[tid] = now, where
        uow.keep()

    def _waiting(self, uow: UnitOfWork) -> int:

        session = uow.session
        now = self.clock.now()
        return session.exec(
            select(func.count())
            .select_from(Order)
            .where(Order.status == "PENDING_DISPATCH", Order.scheduled_end > now)
        ).one()

    def _dispatch(self, uow: UnitOfWork) -> None:
        """The dispatcher's round at this moment, as the server's loop would run it: in
        batch mode the matching only on the batch beat (``batch_interval_seconds``), and
        then only if something changed or ``retry_unplaced_seconds`` passed (the cascade
        skips orders it could not place for that long, too)."""
        now = self.clock.now()
        rules = self.rules.dispatch
        t0 = time.perf_counter()
        if self.config.mode == "batch":
            since = None if self.last_batch is None else (now - self.last_batch).total_seconds()
            due = since is None or since >= rules.batch_interval_seconds
            if not (due and (self.news or since is None or since >= rules.retry_unplaced_seconds)):
                # off the beat a round only expires overdue offers
                self.news |= dispatch_service.expire_offers(uow) > 0
                return
            self.last_batch, self.news = now, False
            self.batch_rounds += 1
        result = dispatch_service.run_round(uow, timezone=self.tz_name, batch_due=True)
        self.rounds += 1
        self.errors += result.errors
        self.news |= result.expired > 0
        if result.offered:
            self.round_ms.append((time.perf_counter() - t0) * 1000.0)

    def _next_wake(self, uow: UnitOfWork, bookings: list[Booking]) -> datetime:
        """The next moment anything can happen: a booking, an answer, an offer's deadline,
        a departure or arrival, a position report, and while orders wait the dispatcher's
        next try."""
        session = uow.session
        now = self.clock.now()
        rules = self.rules.dispatch
        wakes = [now + timedelta(minutes=self.config.ping_minutes)]
        if bookings:
            wakes.append(bookings[0].at)
        wakes += [p.answer_at for p in self.pending.values() if p.answer_at is not None]
        if self.give_up_at:
            wakes.append(min(self.give_up_at.values()))
        if self.pending:
            first = session.exec(
                select(func.min(DispatchOffer.expires_at)).where(
                    DispatchOffer.status == OfferStatus.PENDING.value
                )
            ).one()
            if first is not None:
                wakes.append(as_utc(first))
        for trip in self.trips.values():
            departure = trip.next_departure()
            if departure is not None:
                wakes.append(departure)
            if trip.visits:
                wakes.append(trip.visits[-1].arrive)
        if self.waiting:  # (technicians look at the pool at these wakes, too)
            if self.config.mode == "batch" and self.last_batch is not None:
                wait = rules.batch_interval_seconds if self.news else rules.retry_unplaced_seconds
                wakes.append(self.last_batch + timedelta(seconds=wait))
            else:  # the cascade's retries, on a grid so that they come together
                step = rules.retry_unplaced_seconds
                done = (now - self.config.start).total_seconds() // step + 1
                wakes.append(self.config.start + timedelta(seconds=done * step))
        return min(w for w in wakes if w > now)

    def run(self) -> SimReport:
        config = self.config
        bookings = list(self.bookings)
        closes = config.start + timedelta(hours=config.hours, minutes=config.drain_minutes)
        self.last_batch: datetime | None = None
        self.news = True  # something changed since the last batch round
        self.waiting = 0
        self.echo(
            f"  {config.hours:g} h from {config.start.astimezone(self.tz):%H:%M}, "
            f"{len(bookings)} bookings, {len(self.trips)} technicians online, "
            f"mode {config.mode}"
        )
        wall = time.perf_counter()
        while True:
            with UnitOfWork.begin(self.parts) as uow:
                self._move_technicians(uow)
                while bookings and bookings[0].at <= self.clock.now():
                    self._book(uow, bookings.pop(0))
                    self.news = True
                self.news |= self._answer(uow)
                self._give_up(uow)
                if self.waiting:
                    self._browse(uow)
                self._dispatch(uow)
                self._new_offers(uow)
                self.waiting = self._waiting(uow)
                following = self._next_wake(uow, bookings)
            if following >= closes:
                break
            self.clock.set(following)
        for trip in self.trips.values():  # the jobs still ahead happen as planned
            trip.advance(datetime.max.replace(tzinfo=UTC))
        return build_report(self, time.perf_counter() - wall)


def simulate(
    *,
    engine: Any,
    settings: Settings,
    config: SimConfig = SimConfig(),
    city_path: Path = DEFAULT_CITY,
    echo: Callable[[str], None] = print,
) -> SimReport:
    """One simulated day on ``engine`` (seeded with the district first if it is not)."""
    bootstrap.wire()
    city = load_city(city_path)
    seed_city(engine=engine, settings=settings, config=config, city_path=city_path)
    forget_process_state()
    with seeded_ids(config.seed, 1):
        run = _Run(engine=engine, settings=settings, config=config, city=city, echo=echo)
        run.setup()
        return run.run()
