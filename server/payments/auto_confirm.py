"""Confirming for the customer: orders left awaiting confirmation past the window
(``orders.auto_confirm_hours``) are confirmed by the system, each kept on its own in the
round's unit of work; ``auto_confirm_task`` is the background loop the app starts."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from server.core.errors import AppError
from server.core.uow import UnitOfWork
from server.orders import service as orders_service
from server.orders.machine import Action
from server.payments.common import SYSTEM, current_rules
from server.payments.models import Escrow

log = logging.getLogger("doorstep.payments")


def run_auto_confirm(uow: UnitOfWork) -> list[str]:
    """Confirm orders nobody confirmed within the window (48 h by setting). Each order
    is an attempt of its own (``uow.attempt``), so one refusal doesn't hold back the others."""
    session = uow.session
    clock = uow.clock
    rules = current_rules(uow)
    cutoff = clock.now() - timedelta(hours=rules.orders.auto_confirm_hours)
    due = session.exec(
        select(Escrow.order_id)
        .where(
            col(Escrow.awaiting_since) <= cutoff,
            Escrow.frozen == False,  # noqa: E712
            Escrow.state == "open",
        )
        .limit(200)
    ).all()
    done = []
    for order_id in due:
        try:
            with uow.attempt():
                confirmed = _confirm_or_hold(uow, order_id)
        except AppError as exc:
            log.info("auto-confirm skipped %s: %s", order_id, exc.code)
            continue
        if confirmed:
            done.append(order_id)
    return done


def _confirm_or_hold(uow: UnitOfWork, order_id: str) -> bool:
    """Confirm the order, or hold it (once noted) while approved extras are unpaid."""
    order = orders_service.get(uow, order_id=order_id)
    esc = uow.session.get(Escrow, order_id)
    if order.extras_total > (esc.extras_paid if esc else 0):
        if order.anomaly != "extras_unpaid":
            orders_service.record(
                uow,
                order=order,
                event_type="order.auto_confirm_held",
                payload={"reason": "extras_unpaid"},
                actor_id=None,
                actor_role="system",
                changes={"anomaly": "extras_unpaid"},
            )
        return False
    orders_service.move(uow, order_id=order_id, action=Action.AUTO_CONFIRM, actor=SYSTEM)
    return True


def auto_confirm_once(app) -> list[str]:  # noqa: ANN001
    """The auto-confirm job: one round, one unit of work."""
    with UnitOfWork.begin(app.state) as uow:
        return run_auto_confirm(uow)
