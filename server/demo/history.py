"""Weeks of dispatched history for the what-if replay (``doorstep replay``): every day
some bookings across the districts, each paid and placed by the real dispatcher at its
moment, the offer answered (accepted after a few seconds, or declined and offered again),
the visit walked to completion with an arrival that is now and then late. An order the
dispatcher could not place is cancelled by its customer half an hour later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.auth.models import User
from server.catalog import service as catalog_service
from server.catalog.models import Service
from server.core import presence
from server.core.clock import FrozenClock
from server.core.errors import AppError
from server.demo.orders import PastOrdersMixin
from server.demo.technicians import Tech
from server.dispatch import service as dispatch_service
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, Status
from server.technicians.models import VerificationStatus

DECLINE_SHARE = 0.15
LATE_SHARE = 0.1


class DispatchHistoryMixin(PastOrdersMixin):
    """``history`` in the seed: ``days`` back, ``orders_per_day`` each day, of the
    ``services`` listed (with their units)."""

    def dispatch_history(self, customers: list[User], techs: list[Tech]) -> tuple[int, int]:
        """(completed, cancelled) orders of the history."""
        spec = self.seed.get("history") or {}
        days, per_day = int(spec.get("days", 0)), int(spec.get("orders_per_day", 0))
        kinds = self._booked_kinds(techs) if days and per_day else []
        by_user = {t.user.id: t for t in techs}
        compounds = [c for cs in self.compounds.values() for c in cs]
        placed = booked_total = 0
        for back in range(days, 0, -1):
            day = self.today - timedelta(days=back)
            for _ in range(per_day):
                start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz) + timedelta(
                    hours=self.rng.randint(9, 17), minutes=self.rng.choice((0, 30))
                )
                booked = start - timedelta(hours=self.rng.uniform(1.5, 20))
                service, units = self.rng.choice(kinds)
                booked_total += 1
                placed += self._dispatched(
                    FrozenClock(booked),
                    service=service,
                    units=units,
                    customer=self.rng.choice(customers),
                    compound=self.rng.choice(compounds),
                    start=start,
                    by_user=by_user,
                )
        return placed, booked_total - placed

    def _booked_kinds(self, techs: list[Tech]) -> list[tuple[Service, int]]:
        """The seed's (service, units) that some online verified technician can do."""
        able = [t for t in techs if t.status == VerificationStatus.verified.value and t.online]
        kinds = []
        for kind in self.seed["history"]["services"]:
            service = catalog_service.get_service(self.uow, service_id=f"svc_{kind['service']}")
            if any(
                set(service.skills) <= t.skills and set(service.certificates) <= t.certificates
                for t in able
            ):
                kinds.append((service, int(kind["units"])))
        return kinds

    def _dispatched(
        self,
        clock: FrozenClock,
        *,
        service: Service,
        units: int,
        customer: User,
        compound: dict[str, Any],
        start: datetime,
        by_user: dict[str, Tech],
    ) -> int:
        order_id = self._book(
            clock,
            service=service,
            customer=customer,
            compound=compound,
            start=start,
            units=units,
        )
        for _attempt in range(3):
            tech = self._offer_answered(clock, order_id, by_user)
            if tech is not None:
                late = self.rng.randint(5, 25) if self.rng.random() < LATE_SHARE else -6
                self._visit(
                    clock,
                    order_id=order_id,
                    tech=tech,
                    customer=customer,
                    compound=compound,
                    late_minutes=late,
                )
                return 1
        clock.advance(minutes=30)
        with self.uow.running_at(clock) as uow:
            orders_service.move(
                uow,
                order_id=order_id,
                action=Action.CANCEL,
                actor=Actor(ActorKind.CUSTOMER, customer.id),
                reason="没有师傅接单",
            )
        return 0

    def _offer_answered(
        self, clock: FrozenClock, order_id: str, by_user: dict[str, Tech]
    ) -> Tech | None:
        """A dispatcher round now; the technician offered answers a little later. The
        technician who accepted, or None (declined, or nobody to offer)."""
        with self.uow.running_at(clock) as uow:
            clock.advance(seconds=self.rng.randint(1, 5))
            for tech in by_user.values():  # back then, the online technicians' apps were open
                if tech.online:
                    presence.mark_seen(uow, tech.user.id, clock.now())
            dispatch_service.run_round(uow, timezone=str(self.tz))
            order = orders_service.get(uow, order_id=order_id)
            if order.status != Status.OFFERED.value or order.offered_technician_id is None:
                return None
            tech = by_user[order.offered_technician_id]
            (offer,) = [
                o
                for o in dispatch_service.my_offers(uow, user=tech.user, timezone=str(self.tz))
                if o.order_id == order_id
            ]
            clock.advance(seconds=self.rng.randint(4, 15))  # within the offer's 20 s
            try:
                if self.rng.random() < DECLINE_SHARE:
                    dispatch_service.decline_offer(
                        uow,
                        user=tech.user,
                        offer_id=offer.id,
                        timezone=str(self.tz),
                        reason="时间排不开",
                    )
                    return None
                dispatch_service.accept_offer(
                    uow, user=tech.user, offer_id=offer.id, timezone=str(self.tz)
                )
            except AppError:
                return None
            return tech
