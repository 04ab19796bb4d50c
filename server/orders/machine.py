"""The order state machine (ARCHITECTURE.md §4). Pure: values in, values out.

``decide(order, action, actor, context)`` checks who may act, the guard, and returns
the new status with the events to append. The service applies it with optimistic
locking and writes the events in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from server.core.events import Status

TERMINAL = frozenset({Status.COMPLETED, Status.CANCELLED})
# Between these the customer sees the technician's live position.
TRACKING = frozenset({Status.ACCEPTED, Status.EN_ROUTE})
# Checklist steps are ticked from the start of service on, and no transition leads back.
SERVICE_STARTED = frozenset(
    {Status.IN_SERVICE, Status.AWAITING_CONFIRMATION, Status.COMPLETED, Status.DISPUTED}
)
# A technician holds the order (exact address visible) in these states.
ASSIGNED = frozenset(
    {
        Status.ACCEPTED,
        Status.EN_ROUTE,
        Status.ARRIVED,
        Status.IN_SERVICE,
        Status.AWAITING_CONFIRMATION,
    }
)
# The work order is confirmed (in the customer's app, or signed on the technician's
# screen) between acceptance and the start of service.
WORK_ORDER_OPEN = ASSIGNED - SERVICE_STARTED
# The technician has checked in at the address and not yet finished there.
ON_SITE = frozenset({Status.ARRIVED, Status.IN_SERVICE})
# The service is under way: SOP steps are ticked and extra work is proposed.
WORKING = frozenset({Status.IN_SERVICE})

# The groups by the name an order read lists them under (``OrderRead.status_groups``):
# clients draw an order from its groups and allowed actions, not from lists of statuses.
STATUS_GROUPS: dict[str, frozenset[Status]] = {
    "assigned": ASSIGNED,
    "tracking": TRACKING,
    "work_order_open": WORK_ORDER_OPEN,
    "on_site": ON_SITE,
    "working": WORKING,
    "service_started": SERVICE_STARTED,
    "terminal": TERMINAL,
}


def status_groups(status: Status) -> list[str]:
    """The names of the groups ``status`` belongs to, in ``STATUS_GROUPS`` order."""
    return [name for name, members in STATUS_GROUPS.items() if status in members]


class Action(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    OFFER = "offer"
    DECLINE = "decline"
    OFFER_TIMEOUT = "offer_timeout"
    ACCEPT = "accept"
    CLAIM = "claim"
    ASSIGN = "assign"  # operator or batch assignment puts a technician on the order
    TRANSFER = "transfer"
    DEPART = "depart"
    ARRIVE = "arrive"
    START = "start"
    FINISH = "finish"
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    CANCEL = "cancel"
    DISPUTE = "dispute"
    RESOLVE = "resolve"


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    STAFF = "staff"  # operator, support, admin
    SYSTEM = "system"  # background tasks, payment webhooks, dispatch


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str | None = None  # user id; None for the system


@dataclass(frozen=True)
class OrderView:
    """What the machine needs to know of an order."""

    status: Status
    customer_id: str
    technician_id: str | None = None
    offered_technician_id: str | None = None
    work_order_confirmed: bool = False
    sop_required_steps: tuple[int, ...] = ()
    sop_done_steps: tuple[int, ...] = ()
    completed_at: datetime | None = None
    pending_change_requests: int = 0


@dataclass(frozen=True)
class Context:
    """Facts of the moment, supplied by the service."""

    now: datetime
    distance_to_address_m: float | None = None  # for ARRIVE (geofence)
    checkin_radius_m: float = 200.0
    after_sale_days: int = 7
    technician_id: str | None = None  # for OFFER / ASSIGN / CLAIM
    reason: str | None = None


@dataclass(frozen=True)
class EventSpec:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    from_status: Status
    to_status: Status
    action: Action
    events: tuple[EventSpec, ...]
    technician_id: str | None  # the order's assigned technician after the move
    offered_technician_id: str | None


class TransitionError(Exception):
    """Base of the machine's refusals; each maps to a 4xx in the service."""

    code = "illegal_transition"

    def __init__(
        self, message: str, *, status: Status, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details or {}


class IllegalTransition(TransitionError):
    code = "illegal_transition"


class NotAllowed(TransitionError):
    code = "actor_not_allowed"


class GuardFailed(TransitionError):
    def __init__(
        self, message: str, *, status: Status, code: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, status=status, details=details)
        self.code = code


Guard = Callable[[OrderView, Actor, Context], None]


@dataclass(frozen=True)
class Transition:
    to: Status
    actors: frozenset[ActorKind]
    guard: Guard | None = None
    # who holds the order afterwards: "keep", "clear", "context" (ctx.technician_id),
    # "actor" (the acting technician)
    technician: str = "keep"
    offered: str = "clear"  # "clear" | "context" | "keep"


C, T, S, Y = ActorKind.CUSTOMER, ActorKind.TECHNICIAN, ActorKind.STAFF, ActorKind.SYSTEM


def _own_customer(order: OrderView, actor: Actor, _ctx: Context) -> None:
    if actor.kind == C and actor.id != order.customer_id:
        raise NotAllowed("not your order", status=order.status)


def _assigned_technician(order: OrderView, actor: Actor, _ctx: Context) -> None:
    if actor.kind == T and actor.id != order.technician_id:
        raise NotAllowed("this order is not assigned to you", status=order.status)


def _offered_technician(order: OrderView, actor: Actor, _ctx: Context) -> None:
    if actor.kind == T and actor.id != order.offered_technician_id:
        raise NotAllowed("this offer is not yours", status=order.status)


def _needs_technician(order: OrderView, _actor: Actor, ctx: Context) -> None:
    if not ctx.technician_id:
        raise GuardFailed(
            "a technician is required", status=order.status, code="technician_required"
        )


def _within_geofence(order: OrderView, actor: Actor, ctx: Context) -> None:
    _assigned_technician(order, actor, ctx)
    if actor.kind == S:
        return  # support may record an arrival by hand (e.g. GPS failure)
    if ctx.distance_to_address_m is None:
        raise GuardFailed(
            "your location is needed to check in", status=order.status, code="location_required"
        )
    if ctx.distance_to_address_m > ctx.checkin_radius_m:
        raise GuardFailed(
            f"you are {ctx.distance_to_address_m:.0f} m from the address; "
            f"check in within {ctx.checkin_radius_m:.0f} m",
            status=order.status,
            code="outside_geofence",
            details={
                "distance_m": round(ctx.distance_to_address_m),
                "radius_m": ctx.checkin_radius_m,
            },
        )


def _can_start(order: OrderView, actor: Actor, ctx: Context) -> None:
    _assigned_technician(order, actor, ctx)
    if not order.work_order_confirmed:
        raise GuardFailed(
            "the customer must confirm the work order before service starts",
            status=order.status,
            code="work_order_not_confirmed",
        )


def _can_finish(order: OrderView, actor: Actor, ctx: Context) -> None:
    _assigned_technician(order, actor, ctx)
    missing = sorted(set(order.sop_required_steps) - set(order.sop_done_steps))
    if missing:
        raise GuardFailed(
            "every SOP step must be done before finishing",
            status=order.status,
            code="sop_incomplete",
            details={"missing_steps": missing},
        )
    if order.pending_change_requests:
        raise GuardFailed(
            "a change request is waiting for the customer's answer",
            status=order.status,
            code="change_request_pending",
        )


def _can_dispute(order: OrderView, actor: Actor, ctx: Context) -> None:
    _own_customer(order, actor, ctx)
    if order.status == Status.COMPLETED:
        if order.completed_at is None or ctx.now > order.completed_at + timedelta(
            days=ctx.after_sale_days
        ):
            raise GuardFailed(
                "the after-sale window has closed",
                status=order.status,
                code="after_sale_window_closed",
                details={"after_sale_days": ctx.after_sale_days},
            )


def _can_transfer(order: OrderView, actor: Actor, ctx: Context) -> None:
    """A hand-back is re-dispatched to someone else and may cost the technician
    priority (or, at the platform's fault, earn them compensation): it must say why."""
    _assigned_technician(order, actor, ctx)
    if not (ctx.reason or "").strip():
        raise GuardFailed("a transfer needs a reason", status=order.status, code="reason_required")


def _cancel_guard(order: OrderView, actor: Actor, ctx: Context) -> None:
    _own_customer(order, actor, ctx)
    if actor.kind == T:
        raise NotAllowed(
            "technicians transfer an order instead of cancelling it", status=order.status
        )


_CANCELLABLE = (
    Status.PENDING_PAYMENT,
    Status.PENDING_DISPATCH,
    Status.OFFERED,
    Status.ACCEPTED,
    Status.EN_ROUTE,
    Status.ARRIVED,
)

TRANSITIONS: dict[tuple[Status, Action], Transition] = {
    (Status.PENDING_PAYMENT, Action.PAYMENT_SUCCEEDED): Transition(
        Status.PENDING_DISPATCH, frozenset({Y})
    ),
    (Status.PENDING_DISPATCH, Action.OFFER): Transition(
        Status.OFFERED, frozenset({Y}), _needs_technician, offered="context"
    ),
    (Status.OFFERED, Action.DECLINE): Transition(
        Status.PENDING_DISPATCH, frozenset({T}), _offered_technician
    ),
    (Status.OFFERED, Action.OFFER_TIMEOUT): Transition(Status.PENDING_DISPATCH, frozenset({Y})),
    (Status.OFFERED, Action.ACCEPT): Transition(
        Status.ACCEPTED, frozenset({T}), _offered_technician, technician="actor"
    ),
    (Status.PENDING_DISPATCH, Action.CLAIM): Transition(
        Status.ACCEPTED, frozenset({T}), technician="actor"
    ),
    (Status.PENDING_DISPATCH, Action.ASSIGN): Transition(
        Status.ACCEPTED, frozenset({S, Y}), _needs_technician, technician="context"
    ),
    # The technician hands the order back, or staff / the system re-dispatch it (e.g. a
    # double booking): either way it goes back to dispatch, never to the same technician.
    (Status.ACCEPTED, Action.TRANSFER): Transition(
        Status.PENDING_DISPATCH, frozenset({T, S, Y}), _can_transfer, technician="clear"
    ),
    (Status.ACCEPTED, Action.DEPART): Transition(
        Status.EN_ROUTE, frozenset({T}), _assigned_technician
    ),
    (Status.EN_ROUTE, Action.ARRIVE): Transition(
        Status.ARRIVED, frozenset({T, S}), _within_geofence
    ),
    (Status.ARRIVED, Action.START): Transition(Status.IN_SERVICE, frozenset({T}), _can_start),
    (Status.IN_SERVICE, Action.FINISH): Transition(
        Status.AWAITING_CONFIRMATION, frozenset({T}), _can_finish
    ),
    (Status.AWAITING_CONFIRMATION, Action.CONFIRM): Transition(
        Status.COMPLETED, frozenset({C}), _own_customer
    ),
    (Status.AWAITING_CONFIRMATION, Action.AUTO_CONFIRM): Transition(
        Status.COMPLETED, frozenset({Y})
    ),
    (Status.AWAITING_CONFIRMATION, Action.DISPUTE): Transition(
        Status.DISPUTED, frozenset({C}), _can_dispute
    ),
    (Status.COMPLETED, Action.DISPUTE): Transition(Status.DISPUTED, frozenset({C}), _can_dispute),
    (Status.DISPUTED, Action.RESOLVE): Transition(Status.COMPLETED, frozenset({S})),
    **{
        (status, Action.CANCEL): Transition(
            Status.CANCELLED, frozenset({C, S, Y}), _cancel_guard, technician="keep"
        )
        for status in _CANCELLABLE
    },
}

EVENT_TYPES: dict[Action, str] = {
    Action.PAYMENT_SUCCEEDED: "order.paid",
    Action.OFFER: "order.offered",
    Action.DECLINE: "order.offer_declined",
    Action.OFFER_TIMEOUT: "order.offer_timed_out",
    Action.ACCEPT: "order.accepted",
    Action.CLAIM: "order.claimed",
    Action.ASSIGN: "order.assigned",
    Action.TRANSFER: "order.transferred",
    Action.DEPART: "order.departed",
    Action.ARRIVE: "order.arrived",
    Action.START: "order.started",
    Action.FINISH: "order.finished",
    Action.CONFIRM: "order.confirmed",
    Action.AUTO_CONFIRM: "order.auto_confirmed",
    Action.CANCEL: "order.cancelled",
    Action.DISPUTE: "order.disputed",
    Action.RESOLVE: "order.resolved",
}


def allowed_actions(status: Status) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source == status]


def allowed_actions_for(status: Status, kind: ActorKind) -> list[Action]:
    """The moves an actor of this kind may make from ``status``, guards aside (an order
    read lists them for its reader)."""
    return [a for a in allowed_actions(status) if kind in TRANSITIONS[(status, a)].actors]


def decide(order: OrderView, action: Action, actor: Actor, ctx: Context) -> Decision:
    transition = TRANSITIONS.get((order.status, action))
    if transition is None:
        raise IllegalTransition(
            f"cannot {action.value} an order that is {order.status.value}",
            status=order.status,
            details={"allowed": [a.value for a in allowed_actions(order.status)]},
        )
    if actor.kind not in transition.actors:
        raise NotAllowed(
            f"a {actor.kind.value} may not {action.value} this order", status=order.status
        )
    if transition.guard is not None:
        transition.guard(order, actor, ctx)

    technician_id = {
        "keep": order.technician_id,
        "clear": None,
        "context": ctx.technician_id,
        "actor": actor.id,
    }[transition.technician]
    offered = {"clear": None, "context": ctx.technician_id, "keep": order.offered_technician_id}[
        transition.offered
    ]

    payload: dict[str, Any] = {"from": order.status.value, "to": transition.to.value}
    if ctx.reason:
        payload["reason"] = ctx.reason
    if technician_id != order.technician_id or action in (
        Action.ACCEPT,
        Action.CLAIM,
        Action.ASSIGN,
    ):
        payload["technician_id"] = technician_id
    if offered:
        payload["offered_technician_id"] = offered
    if action == Action.TRANSFER:
        payload["previous_technician_id"] = order.technician_id
    if ctx.distance_to_address_m is not None and action == Action.ARRIVE:
        payload["distance_m"] = round(ctx.distance_to_address_m)
    return Decision(
        from_status=order.status,
        to_status=transition.to,
        action=action,
        events=(EventSpec(EVENT_TYPES[action], payload),),
        technician_id=technician_id,
        offered_technician_id=offered,
    )


# --- SOP steps: not transitions, but guarded the same pure way -----------------------


@dataclass(frozen=True)
class SopStep:
    no: int
    title: str
    photo_required: bool = False
    required: bool = True


def sop_steps(sop: list[dict[str, Any]]) -> tuple[SopStep, ...]:
    """A service's SOP as the catalog stores it, as the steps the machine checks."""
    return tuple(
        SopStep(no=s["no"], title=s["title_zh"], photo_required=bool(s["photo"])) for s in sop
    )


def check_sop_step(
    *,
    status: Status,
    steps: tuple[SopStep, ...],
    done: tuple[int, ...],
    step_no: int,
    has_photo: bool,
) -> EventSpec:
    """Steps are ticked in order, during service, with a photo where the step needs one."""
    if status not in WORKING:
        raise IllegalTransition("SOP steps are ticked during service", status=status)
    by_no = {s.no: s for s in steps}
    step = by_no.get(step_no)
    if step is None:
        raise GuardFailed(
            "no such SOP step", status=status, code="sop_step_unknown", details={"step_no": step_no}
        )
    if step_no in done:
        raise GuardFailed(
            "this step is already done",
            status=status,
            code="sop_step_done",
            details={"step_no": step_no},
        )
    earlier = [s.no for s in steps if s.no < step_no and s.required and s.no not in done]
    if earlier:
        raise GuardFailed(
            "do the SOP steps in order",
            status=status,
            code="sop_out_of_order",
            details={"missing_steps": earlier},
        )
    if step.photo_required and not has_photo:
        raise GuardFailed(
            "this step needs a photo",
            status=status,
            code="sop_photo_required",
            details={"step_no": step_no},
        )
    return EventSpec("order.sop_step_done", {"step_no": step_no, "title": step.title})
