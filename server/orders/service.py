"""The order's life: create from a quote, apply machine moves, record the timeline.

Every move is one transaction: a conditional update on ``version`` (optimistic
locking), the ``OrderEvent`` rows with gap-free sequence numbers, and the
in-transaction listeners of other domains (money, dispatch). Listeners after commit
push the change to live clients.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from server.auth.models import STAFF_ROLES, Role, User
from server.catalog import service as catalog_service
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher
from server.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from server.core.events import Moved, order_events
from server.core.ids import new_id
from server.core.masking import mask_contacts
from server.core.observability import ORDER_TRANSITIONS
from server.core.points import open_point
from server.files import filing
from server.files import service as files_service
from server.geo.coords import haversine_m
from server.orders import machine, ports
from server.orders.machine import Action, Actor, ActorKind, Status
from server.orders.models import (
    Order,
    OrderCreate,
    OrderEvent,
    OrderEventRead,
    OrderRead,
    SopProgress,
    SopStepState,
)
from server.pricing import service as pricing_service
from server.rules import store as rules_store
from server.rules.orders import OrderRules

STAFF_ACTOR_ROLES = {Role.operator.value, Role.support.value, Role.admin.value}


def actor_for(user: User | None) -> Actor:
    if user is None:
        return Actor(ActorKind.SYSTEM)
    if user.role == Role.customer.value:
        return Actor(ActorKind.CUSTOMER, user.id)
    if user.role == Role.technician.value:
        return Actor(ActorKind.TECHNICIAN, user.id)
    if user.role in STAFF_ACTOR_ROLES:
        return Actor(ActorKind.STAFF, user.id)
    raise Forbidden("your role may not change orders", code="role_forbidden")


# --- reading ---------------------------------------------------------------------------


def get(*, session: Session, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def is_participant(*, session: Session, order_id: str, user: User) -> bool:
    order = session.get(Order, order_id)
    if order is None:
        return False
    return _may_view(order, user)


def _may_view(order: Order, user: User) -> bool:
    if user.role in STAFF_ROLES:
        return True
    if user.role == Role.customer.value:
        return order.customer_id == user.id
    if user.role == Role.technician.value:
        return user.id in (order.technician_id, order.offered_technician_id)
    return False


def get_for(*, session: Session, order_id: str, user: User) -> Order:
    """An order the caller may see; others' orders look like missing ones (no leak)."""
    order = session.get(Order, order_id)
    if order is None or not _may_view(order, user):
        if order is not None and ports.may_view_in_pool.ask(session, order, user):
            return order
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def known_statuses(values: list[str] | None) -> list[str] | None:
    """Status filters (repeated or comma-separated) checked against the order machine's
    vocabulary: an unknown one is a 422, not an empty list that looks like "no orders"."""
    wanted = [v for part in values or [] for v in part.split(",") if v]
    unknown = sorted(set(wanted) - {s.value for s in Status})
    if unknown:
        raise Unprocessable(
            "unknown order status",
            code="status_unknown",
            details={"unknown": unknown, "known": [s.value for s in Status]},
        )
    return wanted or None


def list_for(
    *,
    session: Session,
    user: User,
    status: list[str] | None = None,
    limit: int = 50,
    before: datetime | None = None,
) -> list[Order]:
    stmt = select(Order)
    if user.role == Role.customer.value:
        stmt = stmt.where(Order.customer_id == user.id)
    elif user.role == Role.technician.value:
        stmt = stmt.where(Order.technician_id == user.id)
    elif user.role not in STAFF_ROLES:
        raise Forbidden("your role may not list orders", code="role_forbidden")
    if status:
        stmt = stmt.where(col(Order.status).in_(status))
    if before:
        stmt = stmt.where(Order.created_at < before)
    return list(session.exec(stmt.order_by(col(Order.created_at).desc()).limit(limit)).all())


def address_visible_to(
    order: Order, user: User, now: datetime, *, hours_after: int | Callable[[], int] = 72
) -> bool:
    """Exact address: the customer and staff always (finance never); the technician
    from acceptance until ``hours_after`` hours after completion (a callable: asked only
    then, as it reads the rules)."""
    if user.role == Role.finance.value:
        return False
    if user.role in STAFF_ROLES or user.id == order.customer_id:
        return True
    if user.role == Role.technician.value and user.id == order.technician_id:
        if order.status in {s.value for s in machine.ASSIGNED} | {Status.DISPUTED.value}:
            return True
        if order.status == Status.COMPLETED.value and order.completed_at:
            hours = hours_after() if callable(hours_after) else hours_after
            return now <= as_utc(order.completed_at) + timedelta(hours=hours)
    return False


def address_visible(*, session: Session, order_id: str, user: User, now: datetime) -> bool:
    """``address_visible_to`` under the current rules, for things that carry the address
    (the order's files: work-order PDF, site photos)."""
    order = session.get(Order, order_id)
    if order is None:
        return False
    return address_visible_to(order, user, now, hours_after=_window_hours(session))


def _window_hours(session: Session) -> Callable[[], int]:
    """How long after completion the technician still sees the address, when asked."""

    return lambda: (
        rules_store.current_rules(session=session).orders.exact_address_hours_after_completion
    )


def to_read(
    *, session: Session, order: Order, user: User, cipher: FieldCipher, now: datetime
) -> OrderRead:
    service = catalog_service.get_service(session=session, service_id=order.service_id)
    visible = address_visible_to(order, user, now, hours_after=_window_hours(session))
    home = open_point(cipher, order.point_enc) if visible else None
    done: dict[int, SopProgress] = {}
    if Status(order.status) in machine.SERVICE_STARTED:
        done = {
            p.step_no: p
            for p in session.exec(select(SopProgress).where(SopProgress.order_id == order.id))
        }
    sop = [
        SopStepState(
            no=s["no"],
            title_zh=s["title_zh"],
            title_en=s["title_en"],
            photo=s["photo"],
            done_at=done[s["no"]].done_at if s["no"] in done else None,
            photo_file_id=done[s["no"]].photo_file_id if s["no"] in done else None,
        )
        for s in service.sop
    ]
    actor_kind = None
    try:
        actor_kind = actor_for(user).kind
    except Forbidden:
        actor_kind = None
    allowed = [
        a.value
        for a in machine.allowed_actions(Status(order.status))
        if actor_kind is not None
        and actor_kind in machine.TRANSITIONS[(Status(order.status), a)].actors
    ]
    return OrderRead(
        **order.model_dump(exclude={"address_enc", "point_enc", "lat", "lng", "notes_enc"}),
        notes=_notes_for(order, user, cipher, visible=visible),
        service_name_zh=service.name_zh,
        service_name_en=service.name_en,
        address=cipher.decrypt(order.address_enc) if visible else order.district,
        address_visible=visible,
        lat=home[0] if home else None,
        lng=home[1] if home else None,
        order_value=order.total + order.extras_total,
        amount_due=amount_owed(session, order),
        sop=sop,
        allowed_actions=allowed,
    )


def amount_owed(session: Session, order: Order) -> int:
    """What the customer must still pay: the booked price until it is paid, then approved
    extras not yet paid; nothing on a cancelled order (refunds are the ledger's)."""
    if order.status == Status.PENDING_PAYMENT.value:
        return order.total
    if order.status == Status.CANCELLED.value or not order.extras_total:
        return 0
    return max(0, order.extras_total - ports.extras_paid.ask(session, order.id))


def _notes_for(order: Order, user: User, cipher: FieldCipher, *, visible: bool) -> str:
    """The notes go with the address: nothing outside its window (before acceptance, after
    it, to finance); its author reads them as written; to the technician phone numbers and
    other contacts are masked as in chat (calls go through the virtual number)."""
    if not visible or not order.notes_enc:
        return ""
    notes = cipher.decrypt(order.notes_enc)
    if user.id == order.customer_id or user.role in STAFF_ROLES:
        return notes
    return mask_contacts(notes).text


def events_after(
    *, session: Session, order_id: str, after_seq: int = 0, limit: int = 500
) -> list[OrderEvent]:
    stmt = (
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.seq > after_seq)
        .order_by(col(OrderEvent.seq))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def event_to_read(event: OrderEvent) -> OrderEventRead:
    return OrderEventRead(**event.model_dump())


# --- writing ---------------------------------------------------------------------------


def create(
    *,
    session: Session,
    customer: User,
    body: OrderCreate,
    clock: Clock,
    cipher: FieldCipher,
    timezone: str,
) -> Order:
    """An order from the quote the customer saw, or from the booking quoted here and now."""

    quote_id = body.quote_id
    if quote_id is None:
        quote_id = pricing_service.create_quote(
            session=session,
            customer=customer,
            body=body.quote_request(),
            clock=clock,
            cipher=cipher,
            timezone=timezone,
        ).id
    return create_from_quote(
        session=session,
        customer=customer,
        quote_id=quote_id,
        notes=body.notes,
        preferred_technician_id=body.preferred_technician_id,
        clock=clock,
        cipher=cipher,
    )


def create_from_quote(
    *,
    session: Session,
    customer: User,
    quote_id: str,
    notes: str,
    preferred_technician_id: str | None,
    clock: Clock,
    cipher: FieldCipher,
) -> Order:
    """Create an order that keeps the quote's price snapshot forever. Commits."""

    now = clock.now()
    quote = pricing_service.take_quote(
        session=session, quote_id=quote_id, customer_id=customer.id, now=now
    )
    order = Order(
        id=new_id("ord"),
        customer_id=customer.id,
        service_id=quote.service_id,
        quote_id=quote.id,
        preferred_technician_id=preferred_technician_id,
        status=Status.PENDING_PAYMENT.value,
        scheduled_start=quote.scheduled_start,
        scheduled_end=quote.scheduled_end,
        address_enc=quote.address_enc,
        point_enc=quote.point_enc,
        lat=quote.lat,
        lng=quote.lng,
        district=quote.district,
        notes_enc=cipher.encrypt(notes) if notes else None,
        currency=quote.currency,
        total=quote.total,
        price_snapshot=quote.snapshot(),
        created_at=now,
        updated_at=now,
        last_seq=1,
    )
    session.add(order)
    event = _append_events(
        session,
        order,
        [
            machine.EventSpec(
                "order.created", {"total": order.total, "service_id": order.service_id}
            )
        ],
        actor_id=customer.id,
        actor_role=customer.role,
        occurred_at=now,
        received_at=now,
    )
    session.flush()  # the order and its first event, in one go: the quote's row points at it
    pricing_service.mark_quote_used(session=session, quote=quote, order_id=order.id)
    moved = Moved(
        order=order,
        action=None,
        from_status="",
        to_status=order.status,
        events=event,
        actor_id=customer.id,
        actor_role=customer.role,
    )
    order_events.run_in_transaction(session, moved)
    session.commit()
    order_events.run_after_commit(moved)
    return order


def create_follow_up(
    *,
    session: Session,
    original: Order,
    scheduled_start: datetime,
    lines: list[dict[str, Any]],
    snapshot: dict[str, Any],
    preferred_technician_id: str | None,
    actor_id: str | None,
    actor_role: str,
    clock: Clock,
) -> Order:
    """A new order for the same customer, service and address as ``original`` (a redo
    visit, for example), priced by ``lines`` alone, with the same duration and the same
    notes (the door code still opens the door; the snapshot says what it follows up).
    In the caller's transaction: the caller commits with ``finish_moves``."""
    now = clock.now()
    start = as_utc(scheduled_start)
    duration = as_utc(original.scheduled_end) - as_utc(original.scheduled_start)
    total = sum(int(line["amount"]) for line in lines)
    order = Order(
        id=new_id("ord"),
        customer_id=original.customer_id,
        service_id=original.service_id,
        quote_id=None,
        preferred_technician_id=preferred_technician_id,
        status=Status.PENDING_PAYMENT.value,
        scheduled_start=start,
        scheduled_end=start + duration,
        address_enc=original.address_enc,
        point_enc=original.point_enc,
        lat=original.lat,
        lng=original.lng,
        district=original.district,
        notes_enc=original.notes_enc,
        currency=original.currency,
        total=total,
        price_snapshot={
            "lines": lines,
            "total": total,
            "currency": original.currency,
            "priced_at": now.isoformat(),
            **snapshot,
        },
        created_at=now,
        updated_at=now,
        last_seq=1,
    )
    session.add(order)
    session.flush()
    events = _append_events(
        session,
        order,
        [
            machine.EventSpec(
                "order.created", {"total": order.total, "service_id": order.service_id, **snapshot}
            )
        ],
        actor_id=actor_id,
        actor_role=actor_role,
        occurred_at=now,
        received_at=now,
    )
    moved = Moved(
        order=order,
        action=None,
        from_status="",
        to_status=order.status,
        events=events,
        actor_id=actor_id,
        actor_role=actor_role,
    )
    order_events.run_in_transaction(session, moved)
    session.info.setdefault("pending_moves", []).append(moved)
    return order


def _append_events(
    session: Session,
    order: Order,
    specs: list[machine.EventSpec] | tuple[machine.EventSpec, ...],
    *,
    actor_id: str | None,
    actor_role: str,
    occurred_at: datetime,
    received_at: datetime,
    first_seq: int = 1,
) -> list[OrderEvent]:
    rows = []
    for offset, spec in enumerate(specs):
        row = OrderEvent(
            order_id=order.id,
            seq=first_seq + offset,
            type=spec.type,
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=occurred_at,
            received_at=received_at,
            payload=spec.payload,
        )
        session.add(row)
        rows.append(row)
    return rows


def _save(session: Session, order: Order, expected_version: int, changes: dict[str, Any]) -> None:
    """Conditional update: the row must still be at the version we read."""
    changes = {**changes, "version": expected_version + 1}
    result = session.execute(
        update(Order)
        .where(col(Order.id) == order.id, col(Order.version) == expected_version)
        .values(**changes)
    )
    if result.rowcount != 1:
        session.rollback()
        current = session.get(Order, order.id)
        session.refresh(current)
        raise Conflict(
            "the order changed meanwhile; reload and try again",
            code="conflict",
            details={"status": current.status, "version": current.version},
        )
    for key, value in changes.items():
        set_committed_value(order, key, value)  # already written; don't flush it twice


def _view(session: Session, order: Order) -> machine.OrderView:
    service = catalog_service.get_service(session=session, service_id=order.service_id)
    required = tuple(s.no for s in machine.sop_steps(service.sop) if s.required)
    done = tuple(
        session.exec(select(SopProgress.step_no).where(SopProgress.order_id == order.id)).all()
    )

    return machine.OrderView(
        status=Status(order.status),
        customer_id=order.customer_id,
        technician_id=order.technician_id,
        offered_technician_id=order.offered_technician_id,
        work_order_confirmed=order.work_order_confirmed_at is not None,
        sop_required_steps=required,
        sop_done_steps=done,
        completed_at=as_utc(order.completed_at) if order.completed_at else None,
        pending_change_requests=pricing_service.pending_change_requests(
            session=session, order_id=order.id
        ),
    )


_TIMESTAMP_FIELDS = {
    Status.ACCEPTED: "accepted_at",
    Status.ARRIVED: "arrived_at",
    Status.IN_SERVICE: "started_at",
    Status.AWAITING_CONFIRMATION: "finished_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
}


def device_time(
    occurred_at: datetime | None, *, now: datetime, rules: OrderRules
) -> datetime | None:
    """A device's ``occurred_at`` as aware UTC. Naive times are refused (whose zone?),
    and so are times too far ahead of the server or too old for an offline queue: they
    would put the timeline out of order."""
    if occurred_at is None:
        return None
    details = {"occurred_at": occurred_at.isoformat()}
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Unprocessable(
            "occurred_at needs a time zone offset (e.g. Z or +08:00)",
            code="time_without_offset",
            details=details,
        )
    at = occurred_at.astimezone(UTC)
    if at > now + timedelta(seconds=rules.device_time_max_future_seconds):
        raise Unprocessable(
            "occurred_at is in the future; check the device clock",
            code="occurred_at_in_future",
            details=details,
        )
    if at < now - timedelta(hours=rules.device_time_max_age_hours):
        raise Unprocessable(
            "occurred_at is too long ago", code="occurred_at_too_old", details=details
        )
    return at


def move(
    *,
    session: Session,
    order_id: str,
    action: Action,
    actor: Actor,
    clock: Clock,
    occurred_at: datetime | None = None,
    location: tuple[float, float] | None = None,
    technician_id: str | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
    commit: bool = True,
    cipher: FieldCipher | None = None,
) -> tuple[Order, list[OrderEvent]]:
    """Apply one machine action. Commits (unless ``commit=False`` for a caller that owns
    a larger transaction and then must call ``finish_move``)."""

    order = get(session=session, order_id=order_id)
    rules = rules_store.current_rules(session=session).orders
    now = clock.now()
    occurred_at = device_time(occurred_at, now=now, rules=rules)
    distance = None
    if location is not None:  # the geofence is measured to the door, not to the block
        if cipher is None:
            raise ValueError("a move with a location needs the cipher to open the exact address")
        distance = haversine_m(*location, *open_point(cipher, order.point_enc))
    ctx = machine.Context(
        now=now,
        distance_to_address_m=distance,
        checkin_radius_m=rules.checkin_radius_m,
        after_sale_days=rules.after_sale_days,
        technician_id=technician_id,
        reason=reason,
    )
    try:
        decision = machine.decide(_view(session, order), action, actor, ctx)
    except machine.TransitionError as exc:
        raise _to_app_error(exc) from exc

    changes: dict[str, Any] = {
        "status": decision.to_status.value,
        "technician_id": decision.technician_id,
        "offered_technician_id": decision.offered_technician_id,
        "updated_at": now,
    }
    if decision.to_status in _TIMESTAMP_FIELDS:
        changes[_TIMESTAMP_FIELDS[decision.to_status]] = now
    if action == Action.CANCEL:
        changes["cancel_reason"] = reason or ""
    if decision.to_status not in (Status.PENDING_DISPATCH, Status.OFFERED):
        changes["anomaly"] = None
    expected = order.version
    specs = list(decision.events)
    if extra:
        specs = [machine.EventSpec(s.type, {**s.payload, **extra}) for s in specs]
    # The sequence numbers are claimed by the same conditional update.
    first_seq = order.last_seq + 1
    changes["last_seq"] = order.last_seq + len(specs)
    _save(session, order, expected, changes)
    role = "system" if actor.kind == ActorKind.SYSTEM else _role_of(session, actor)
    events = _append_events(
        session,
        order,
        specs,
        actor_id=actor.id,
        actor_role=role,
        occurred_at=occurred_at or now,
        received_at=now,
        first_seq=first_seq,
    )
    moved = Moved(
        order=order,
        action=action.value,
        from_status=decision.from_status.value,
        to_status=decision.to_status.value,
        events=events,
        actor_id=actor.id,
        actor_role=role,
        context={"reason": reason, "technician_id": technician_id, **(extra or {})},
    )
    order_events.run_in_transaction(session, moved)
    if commit:
        session.commit()
        order_events.run_after_commit(moved)
    else:
        session.info.setdefault("pending_moves", []).append(moved)
    return order, events


def count_transition(moved: Moved) -> None:
    if moved.action is not None:  # events recorded without a transition are not moves
        ORDER_TRANSITIONS.labels(moved.action).inc()


def finish_moves(session: Session) -> None:
    """For callers that moved with ``commit=False``: commit, then notify."""
    moves = session.info.pop("pending_moves", [])
    session.commit()
    for moved in moves:
        order_events.run_after_commit(moved)


def record(
    *,
    session: Session,
    order: Order,
    event_type: str,
    payload: dict[str, Any],
    actor_id: str | None,
    actor_role: str,
    clock: Clock,
    occurred_at: datetime | None = None,
    changes: dict[str, Any] | None = None,
) -> list[OrderEvent]:
    """Append a non-transition event (SOP step, change request, work order...) in the
    caller's transaction, with the same optimistic lock. The caller commits and then
    calls ``notify``."""
    now = clock.now()
    seq = order.last_seq + 1
    _save(session, order, order.version, {**(changes or {}), "last_seq": seq, "updated_at": now})
    events = _append_events(
        session,
        order,
        [machine.EventSpec(event_type, payload)],
        actor_id=actor_id,
        actor_role=actor_role,
        occurred_at=occurred_at or now,
        received_at=now,
        first_seq=seq,
    )
    session.info.setdefault("pending_records", []).append(
        Moved(
            order=order,
            action=None,
            from_status=order.status,
            to_status=order.status,
            events=events,
            actor_id=actor_id,
            actor_role=actor_role,
        )
    )
    return events


def notify(session: Session) -> None:
    """After the caller's commit: push recorded events to live listeners."""
    for moved in session.info.pop("pending_records", []):
        order_events.run_after_commit(moved)


def _role_of(session: Session, actor: Actor) -> str:
    if actor.kind == ActorKind.CUSTOMER:
        return "customer"
    if actor.kind == ActorKind.TECHNICIAN:
        return "technician"
    user = session.get(User, actor.id) if actor.id else None
    return user.role if user else "staff"


# Guards that refuse what the request carries (or lacks) rather than the order's state.
_UNPROCESSABLE_GUARDS = frozenset(
    {"location_required", "sop_photo_required", "sop_step_unknown", "reason_required"}
)


def _to_app_error(exc: machine.TransitionError) -> AppError:
    details = {"status": exc.status.value, **exc.details}
    if isinstance(exc, machine.NotAllowed):
        return Forbidden(exc.message, code=exc.code, details=details)
    if isinstance(exc, machine.GuardFailed):
        status_code = 422 if exc.code in _UNPROCESSABLE_GUARDS else 409
        return AppError(exc.message, code=exc.code, details=details, status_code=status_code)
    return Conflict(exc.message, code=exc.code, details=details)


def complete_sop_step(
    *,
    session: Session,
    order_id: str,
    step_no: int,
    technician: User,
    photo_file_id: str | None,
    note: str,
    occurred_at: datetime | None,
    clock: Clock,
) -> Order:

    order = get(session=session, order_id=order_id)
    if order.technician_id != technician.id:
        raise NotFound("order not found", code="order_not_found")
    rules = rules_store.current_rules(session=session).orders
    occurred_at = device_time(occurred_at, now=clock.now(), rules=rules)
    if photo_file_id:
        files_service.ensure_owned(
            session=session, file_id=photo_file_id, owner=technician, kinds={"photo"}
        )
    service = catalog_service.get_service(session=session, service_id=order.service_id)
    done = tuple(
        session.exec(select(SopProgress.step_no).where(SopProgress.order_id == order.id)).all()
    )
    try:
        spec = machine.check_sop_step(
            status=Status(order.status),
            steps=machine.sop_steps(service.sop),
            done=done,
            step_no=step_no,
            has_photo=photo_file_id is not None,
        )
    except machine.TransitionError as exc:
        raise _to_app_error(exc) from exc
    now = clock.now()
    session.add(
        SopProgress(
            order_id=order.id,
            step_no=step_no,
            photo_file_id=photo_file_id,
            note=note,
            done_at=occurred_at or now,
        )
    )
    payload = {**spec.payload, "photo_file_id": photo_file_id, "note": note}
    record(
        session=session,
        order=order,
        event_type=spec.type,
        payload=payload,
        actor_id=technician.id,
        actor_role="technician",
        clock=clock,
        occurred_at=occurred_at,
    )
    session.commit()
    notify(session)
    return order


def confirm_work_order(
    *,
    session: Session,
    order_id: str,
    user: User,
    signed_on: str,
    signature_file_id: str | None,
    clock: Clock,
) -> Order:
    """The customer confirms items, price and acceptance criteria before work starts
    (seed 003's electronic contract), in their app or signed on the technician's
    screen. The confirmation is kept as a PDF on the order, rendered after the reply
    (``server.files.filing``: ``work_order_file_id`` is set and pushed when it is ready)."""

    order = get_for(session=session, order_id=order_id, user=user)
    if signed_on == "customer_app" and user.id != order.customer_id:
        raise Forbidden("only the customer confirms in their app", code="not_order_customer")
    if signed_on == "technician_screen" and user.id != order.technician_id:
        raise Forbidden(
            "only the assigned technician collects a signature", code="not_assigned_technician"
        )
    if order.status not in (Status.ACCEPTED.value, Status.EN_ROUTE.value, Status.ARRIVED.value):
        raise Conflict(
            "the work order is confirmed between acceptance and start",
            code="illegal_transition",
            details={"status": order.status},
        )
    if order.work_order_confirmed_at is not None:
        raise Conflict(
            "the work order is already confirmed",
            code="work_order_already_confirmed",
            details={"status": order.status},
        )
    if signature_file_id:
        files_service.ensure_owned(
            session=session, file_id=signature_file_id, owner=user, kinds={"photo"}
        )
    elif signed_on == "technician_screen":
        raise AppError("a signature image is needed", code="signature_required", status_code=422)
    now = clock.now()
    record(
        session=session,
        order=order,
        event_type="order.work_order_confirmed",
        payload={
            "signed_on": signed_on,
            "signature_file_id": signature_file_id,
            "total": order.total,
        },
        actor_id=user.id,
        actor_role=user.role,
        clock=clock,
        changes={"work_order_confirmed_at": now},
    )
    session.commit()
    filing.file_soon()
    notify(session)
    return order


def counted_orders(customer_id: Any) -> Any:  # noqa: ANN401
    """A statement counting a customer's orders that count against "first order" (cancelled
    ones don't); pricing composes it into a quote's facts."""
    return (
        select(func.count())
        .select_from(Order)
        .where(Order.customer_id == customer_id, Order.status != Status.CANCELLED.value)
    )


def count_by_status(*, session: Session) -> dict[str, int]:
    rows = session.exec(select(Order.status, func.count()).group_by(Order.status)).all()
    return {status: count for status, count in rows}
