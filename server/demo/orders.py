"""The demo's past orders: each booked the evening before and walked through the order
machine to COMPLETED (payment, offer, visit, work order, SOP steps with photos,
confirmation), every step at a plausible time, so timelines look lived in. The payment
goes through the sandbox provider, so the confirmation releases real escrow and the
customer earns points on it as on the platform (the 积分商城 works from a demo account).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.auth.models import User
from server.catalog import service as catalog_service
from server.catalog.models import Service
from server.core.clock import FrozenClock, as_utc
from server.demo.builder import DemoBuilder, png_bytes
from server.demo.technicians import Tech
from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind, sop_steps
from server.payments import service as payments_service
from server.payments.models import PaymentCreate
from server.pricing import service as pricing_service
from server.pricing.models import QuoteCreate
from server.technicians.models import VerificationStatus


class PastOrdersMixin(DemoBuilder):
    """Completed orders with their full timeline."""

    def historic_orders(self, customers: list[User], techs: list[Tech]) -> list[str]:
        done = []
        for spec in self.seed["historic_orders"]:
            service = catalog_service.get_service(self.uow, service_id=f"svc_{spec['service']}")
            tech = self._qualified(service, techs)
            customer = customers[int(spec["customer"]) - 1]
            compound = self.compounds[spec["district"]][int(spec["compound"])]
            done.append(
                self._walk(
                    service=service, tech=tech, customer=customer, compound=compound, spec=spec
                )
            )
        return done

    def _qualified(self, service: Service, techs: list[Tech]) -> Tech:
        for tech in techs:
            if (
                tech.status == VerificationStatus.verified.value
                and set(service.skills) <= tech.skills
                and set(service.certificates) <= tech.certificates
            ):
                return tech
        raise ValueError(
            f"no demo technician can do {service.code}; check demo_seed.technician_mix"
        )

    def _walk(
        self,
        *,
        service: Service,
        tech: Tech,
        customer: User,
        compound: dict[str, Any],
        spec: dict[str, Any],
    ) -> str:
        """One past visit, booked the evening before, every step at a plausible time."""
        day = self.today - timedelta(days=int(spec["days_ago"]))
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz) + timedelta(
            hours=int(spec["hour"])
        )
        booked = start - timedelta(hours=int(spec["hour"]) + 3)  # 21:00 the day before
        clock = FrozenClock(booked)
        order_id = self._book(
            clock,
            service=service,
            customer=customer,
            compound=compound,
            start=start,
            units=int(spec["units"]),
        )
        with self.uow.running_at(clock) as uow:
            system = Actor(ActorKind.SYSTEM)
            clock.advance(seconds=20)
            orders_service.move(
                uow,
                order_id=order_id,
                action=Action.OFFER,
                actor=system,
                technician_id=tech.user.id,
            )
            clock.advance(seconds=25)
            orders_service.move(
                uow,
                order_id=order_id,
                action=Action.ACCEPT,
                actor=Actor(ActorKind.TECHNICIAN, tech.user.id),
            )
        self._visit(clock, order_id=order_id, tech=tech, customer=customer, compound=compound)
        return order_id

    def _book(
        self,
        clock: FrozenClock,
        *,
        service: Service,
        customer: User,
        compound: dict[str, Any],
        start: datetime,
        units: int,
    ) -> str:
        """Quote, order and payment at the clock's time: the order then waits for dispatch."""
        with self.uow.running_at(clock) as uow:
            body = QuoteCreate(
                service_id=service.id,
                address={
                    "lat": compound["lat"],
                    "lng": compound["lng"],
                    "text": compound["text_zh"],
                    "district": self.districts[compound["district"]]["name_zh"],
                },
                scheduled_start=start,
                units=units,
            )
            quote = pricing_service.create_quote(
                uow, customer=customer, body=body, timezone=str(self.tz)
            )
            clock.advance(minutes=2)
            order = orders_service.create_from_quote(
                uow, customer=customer, quote_id=quote.id, notes="", preferred_technician_id=None
            )
            clock.advance(minutes=1)
            # Paid through the sandbox like any customer: the escrow then holds the money,
            # so the confirmation splits it and earns the customer his points.
            payment = payments_service.create_payment(
                uow, order_id=order.id, user=customer, body=PaymentCreate(provider="sandbox")
            )
            if payment.status != "succeeded":  # nothing to pay (a coupon covered it) is paid
                payments_service.sandbox_settle(
                    uow, payment_id=payment.id, user=customer, succeed=True
                )
            return order.id

    def _visit(
        self,
        clock: FrozenClock,
        *,
        order_id: str,
        tech: Tech,
        customer: User,
        compound: dict[str, Any],
        late_minutes: int = -6,
    ) -> None:
        """From setting off to the customer's confirmation: arrival ``late_minutes`` after
        the start (negative: early), the SOP steps with their photos, then done."""
        with self.uow.running_at(clock) as uow:
            order = orders_service.get(uow, order_id=order_id)
            start = as_utc(order.scheduled_start)
            as_tech = Actor(ActorKind.TECHNICIAN, tech.user.id)

            def move(action: Action, actor: Actor, **kwargs: Any) -> None:
                orders_service.move(uow, order_id=order_id, action=action, actor=actor, **kwargs)

            clock.set(start - timedelta(minutes=40))
            move(Action.DEPART, as_tech)
            clock.set(start + timedelta(minutes=late_minutes))
            move(
                Action.ARRIVE,
                as_tech,
                location=(compound["lat"] + 0.0002, compound["lng"] - 0.0001),
            )
            clock.advance(minutes=3)
            orders_service.confirm_work_order(
                uow,
                order_id=order_id,
                user=customer,
                signed_on="customer_app",
                signature_file_id=None,
            )
            begun = max(start, clock.now())
            clock.set(begun)
            move(Action.START, as_tech)
            order = orders_service.get(uow, order_id=order_id)
            service = catalog_service.get_service(uow, service_id=order.service_id)
            end = max(as_utc(order.scheduled_end), begun + timedelta(minutes=30))
            steps = sop_steps(service.sop)
            gap = end - begun
            for i, step in enumerate(steps):
                clock.set(begun + gap * (i + 1) / (len(steps) + 1))
                photo = None
                if step.photo_required:
                    photo = self._file(
                        tech.user, "photo", png_bytes(64, 48, (200, 210, 220)), order_id=order_id
                    )
                orders_service.complete_sop_step(
                    uow,
                    order_id=order_id,
                    step_no=step.no,
                    technician=tech.user,
                    photo_file_id=photo,
                    note="",
                    occurred_at=None,
                )
            clock.set(end)
            move(Action.FINISH, as_tech)
            clock.advance(minutes=25)
            move(Action.CONFIRM, Actor(ActorKind.CUSTOMER, customer.id))
