"""Privacy operations: virtual numbers per order, key rotation, retention, plaintext scan."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import LargeBinary, String, Text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from server.auth import service as auth_service
from server.auth.models import Role, User
from server.core import idempotency
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher, mask_phone
from server.core.errors import Conflict, Gone, NotFound
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.notifications import inbox as notifications
from server.orders import service as orders_service
from server.orders.models import Order
from server.privacy.models import ContactRead, VirtualNumberBinding
from server.privacy.virtual import PoolExhausted, SandboxProvider, VirtualNumberProvider
from server.rules import store as rules_store
from server.rules.privacy import PrivacyRules

log = logging.getLogger("doorstep.privacy")
_ENDED = {"COMPLETED": "completed_at", "CANCELLED": "cancelled_at"}
SWEEP_SECONDS = 600


def provider_for(rules: PrivacyRules) -> VirtualNumberProvider:
    return SandboxProvider(
        prefix=rules.virtual_number_pool_prefix, size=rules.virtual_number_pool_size
    )


def _ended_at(order: Order) -> datetime | None:
    field = _ENDED.get(order.status)
    value = getattr(order, field) if field else None
    return as_utc(value) if value else None


def contact(
    uow: UnitOfWork,
    *,
    user: User,
    order_id: str,
    provider: VirtualNumberProvider | None = None,
) -> ContactRead:
    """The order's virtual number for a participant, and who is on the other end (masked)."""
    cipher = uow.cipher
    clock = uow.clock
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    rules = rules_store.current_rules(uow)
    now = clock.now()
    if user.id == order.customer_id:
        counterpart_id, counterpart_role = order.technician_id, Role.technician.value
    elif user.role == Role.technician.value and user.id == order.technician_id:
        counterpart_id, counterpart_role = order.customer_id, Role.customer.value
    else:
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    if counterpart_id is None or order.status in ("PENDING_PAYMENT", "PENDING_DISPATCH", "OFFERED"):
        raise Conflict("no technician has accepted this order yet", code="contact_not_yet")
    ended = _ended_at(order)
    valid_until = (
        ended + timedelta(hours=rules.privacy.virtual_number_unbind_hours) if ended else None
    )
    if order.status == "CANCELLED" or (valid_until is not None and now > valid_until):
        unbind_order(uow, order_id=order.id, provider=provider)
        uow.keep()
        raise Gone("the contact number of this order has expired", code="contact_expired")
    if user.role == Role.technician.value and not orders_service.address_visible_to(
        order, user, now, hours_after=rules.orders.exact_address_hours_after_completion
    ):
        raise Gone("the contact number of this order has expired", code="contact_expired")
    binding = _binding(uow, order, provider or provider_for(rules.privacy))
    other = auth_service.get(uow, user_id=counterpart_id)
    return ContactRead(
        order_id=order.id,
        virtual_number=binding.number,
        counterpart_role=counterpart_role,
        counterpart_name=other.name,
        counterpart_phone_masked=mask_phone(auth_service.phone_of(other, cipher)),
        valid_until=valid_until,
    )


def _binding(
    uow: UnitOfWork,
    order: Order,
    provider: VirtualNumberProvider,
) -> VirtualNumberBinding:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    active = session.exec(
        select(VirtualNumberBinding).where(
            VirtualNumberBinding.order_id == order.id, VirtualNumberBinding.status == "active"
        )
    ).all()
    for b in active:
        if b.technician_id == order.technician_id:
            return b
        _unbind(
            session, b, clock, provider
        )  # the order was transferred: the old pair loses the number
    in_use = set(
        session.exec(
            select(VirtualNumberBinding.number).where(VirtualNumberBinding.status == "active")
        ).all()
    )
    technician_id = order.technician_id
    if technician_id is None:  # the caller binds only orders a technician has accepted
        raise Conflict("no technician has accepted this order yet", code="contact_not_yet")
    customer = auth_service.get(uow, user_id=order.customer_id)
    technician = auth_service.get(uow, user_id=technician_id)
    try:
        number = provider.bind(
            order_id=order.id,
            phone_a=auth_service.phone_of(customer, cipher),
            phone_b=auth_service.phone_of(technician, cipher),
            in_use=in_use,
        )
    except PoolExhausted as exc:
        raise Conflict(
            "no virtual number is free right now; try again shortly",
            code="virtual_number_pool_exhausted",
        ) from exc
    binding = VirtualNumberBinding(
        id=new_id("vnb"),
        order_id=order.id,
        provider=provider.name,
        number=number,
        customer_id=order.customer_id,
        technician_id=technician_id,
        bound_at=clock.now(),
    )
    session.add(binding)
    session.flush()
    return binding


def _unbind(
    session: Session, binding: VirtualNumberBinding, clock: Clock, provider: VirtualNumberProvider
) -> None:
    provider.unbind(number=binding.number, order_id=binding.order_id)
    binding.status, binding.unbound_at = "unbound", clock.now()
    session.add(binding)


def unbind_order(
    uow: UnitOfWork, *, order_id: str, provider: VirtualNumberProvider | None = None
) -> int:
    session = uow.session
    clock = uow.clock
    rules = rules_store.current_rules(uow).privacy
    provider = provider or provider_for(rules)
    rows = session.exec(
        select(VirtualNumberBinding).where(
            VirtualNumberBinding.order_id == order_id, VirtualNumberBinding.status == "active"
        )
    ).all()
    for b in rows:
        _unbind(session, b, clock, provider)
    return len(rows)


def unbind_expired(uow: UnitOfWork, *, provider: VirtualNumberProvider | None = None) -> list[str]:
    """Sweep: unbind numbers 72 h (rule) after the order completed or at once when cancelled."""
    session = uow.session
    clock = uow.clock
    rules = rules_store.current_rules(uow).privacy
    provider = provider or provider_for(rules)
    now = clock.now()
    done = []
    for b in session.exec(
        select(VirtualNumberBinding).where(VirtualNumberBinding.status == "active")
    ).all():
        order = orders_service.get(uow, order_id=b.order_id)
        ended = _ended_at(order)
        if order.status == "CANCELLED" or (
            ended is not None and now > ended + timedelta(hours=rules.virtual_number_unbind_hours)
        ):
            _unbind(session, b, clock, provider)
            done.append(b.id)
    return done


def purge_expired(uow: UnitOfWork, *, idempotency_retention_hours: int) -> dict[str, int]:
    """Retention of what this area keeps: old notifications, and stored idempotent
    replies (login tokens, addresses). (The location trail's retention is the realtime
    domain's own sweep.)"""
    clock = uow.clock

    rules = rules_store.current_rules(uow).privacy
    out = {
        "notifications": notifications.purge_older_than(
            uow, days=rules.notification_retention_days
        ),
        "idempotency_records": idempotency.purge_older_than(
            uow, before=clock.now() - timedelta(hours=idempotency_retention_hours)
        ),
    }
    return out


def sweep_once(app) -> dict[str, Any]:  # noqa: ANN001
    with UnitOfWork.begin(app.state) as uow:
        unbound = unbind_expired(uow)
        purged = purge_expired(
            uow, idempotency_retention_hours=app.state.settings.idempotency_retention_hours
        )
    return {"unbound": len(unbound), **purged}


# --- encryption at rest: every ``*_enc`` column ---------------------------------------------


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted column: by convention their names end in ``_enc``."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_enc"):
                out.append((table.name, column.name))
    return out


def rotate_keys(*, engine: Engine, cipher: FieldCipher, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value not under the primary key. Idempotent, batched;
    safe to run while the server runs (each row is updated only if unchanged)."""
    counts: dict[str, int] = {}
    for table_name, column_name in encrypted_columns():
        table = SQLModel.metadata.tables[table_name]
        column = table.columns[column_name]
        pk = list(table.primary_key.columns)
        done = 0
        with engine.begin() as conn:
            rows = conn.execute(sa_select(*pk, column).where(column.is_not(None))).all()
        for start in range(0, len(rows), batch):
            with engine.begin() as conn:
                for row in rows[start : start + batch]:
                    token = row[-1]
                    if not token or not cipher.needs_rotation(token):
                        continue
                    new = cipher.encrypt(cipher.decrypt(token))
                    cond = [c == row[i] for i, c in enumerate(pk)] + [column == token]
                    done += (
                        conn.execute(update(table).where(*cond).values({column_name: new})).rowcount
                        or 0
                    )
        counts[f"{table_name}.{column_name}"] = done
    return counts


def scan_plaintext(*, engine: Engine, needles: list[str]) -> list[dict[str, str]]:
    """Every text, JSON or binary cell (stored replies of idempotent requests are binary)
    that contains one of ``needles`` (phones, addresses) in clear."""
    hits = []
    for table in SQLModel.metadata.sorted_tables:
        cols = [
            c
            for c in table.columns
            if isinstance(c.type, String | Text | LargeBinary)
            or c.type.__class__.__name__ == "JSON"
        ]
        if not cols:
            continue
        with engine.connect() as conn:
            for row in conn.execute(sa_select(*cols)).all():
                for c, value in zip(cols, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    text_value = (
                        value
                        if isinstance(value, str)
                        else (str(value) if value is not None else "")
                    )
                    for needle in needles:
                        if needle and needle in text_value:
                            hits.append({"table": table.name, "column": c.name, "needle": needle})
    return hits
