"""The quality domain's face for the routes, the bootstrap and other domains: it only
re-exports. ``checks``: sampling finished orders, the inspectors' work, a failed check's
effects. ``deposits``: the deposit rule's standing, the money, dispatch's cap."""

from __future__ import annotations

from server.core.events import Moved
from server.core.uow import UnitOfWork
from server.quality import deposits
from server.quality.checks import (
    check_read,
    claim,
    inspector_check,
    inspector_checks,
    record_outcome,
    sample_on_completion,
    staff_checks,
)
from server.quality.deposits import (
    capped_technicians,
    deduct_for_check,
    deposit_read,
    on_complaint_rate,
    reassess,
    reassess_once,
    return_excess,
    summaries,
    technician_deposit_for_staff,
    top_up,
)

REASSESS_JOB = "quality.deposits"
REASSESS_SECONDS = 3600


def on_order_move(uow: UnitOfWork, moved: Moved) -> None:
    """The order reaction (in the move's transaction): a confirmed order may be drawn for
    a spot check; an order of his finished or disputed moves his deposit standing."""
    sample_on_completion(uow, moved)
    deposits.on_order_move(uow, moved)


__all__ = [
    "REASSESS_JOB",
    "REASSESS_SECONDS",
    "capped_technicians",
    "check_read",
    "claim",
    "deduct_for_check",
    "deposit_read",
    "inspector_check",
    "inspector_checks",
    "on_complaint_rate",
    "on_order_move",
    "reassess",
    "reassess_once",
    "record_outcome",
    "return_excess",
    "sample_on_completion",
    "staff_checks",
    "summaries",
    "technician_deposit_for_staff",
    "top_up",
]
