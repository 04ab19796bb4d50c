"""Customers' blocks: a customer may refuse a technician, who is then never offered
their orders."""

from __future__ import annotations

from sqlmodel import col, select

from server.auth.models import Role, User
from server.core.clock import as_utc
from server.core.errors import NotFound
from server.core.uow import UnitOfWork
from server.dispatch.models import BlockRead, CustomerBlock


def block(
    uow: UnitOfWork,
    *,
    user: User,
    technician_id: str,
    reason: str,
) -> BlockRead:
    session = uow.session
    clock = uow.clock
    tech = session.get(User, technician_id)
    if tech is None or tech.role != Role.technician.value:
        raise NotFound(
            "technician not found",
            code="technician_not_found",
            details={"technician_id": technician_id},
        )
    existing = session.exec(
        select(CustomerBlock).where(
            CustomerBlock.customer_id == user.id, CustomerBlock.technician_id == technician_id
        )
    ).first()
    if existing is None:
        existing = CustomerBlock(
            customer_id=user.id, technician_id=technician_id, reason=reason, created_at=clock.now()
        )
        session.add(existing)
    return BlockRead(
        technician_id=technician_id, reason=existing.reason, created_at=as_utc(existing.created_at)
    )


def unblock(uow: UnitOfWork, *, user: User, technician_id: str) -> None:
    session = uow.session
    existing = session.exec(
        select(CustomerBlock).where(
            CustomerBlock.customer_id == user.id, CustomerBlock.technician_id == technician_id
        )
    ).first()
    if existing is None:
        raise NotFound(
            "not blocked", code="block_not_found", details={"technician_id": technician_id}
        )
    session.delete(existing)


def blocks(uow: UnitOfWork, *, user: User) -> list[BlockRead]:
    session = uow.session
    rows = session.exec(
        select(CustomerBlock)
        .where(CustomerBlock.customer_id == user.id)
        .order_by(col(CustomerBlock.created_at))
    ).all()
    return [
        BlockRead(technician_id=b.technician_id, reason=b.reason, created_at=as_utc(b.created_at))
        for b in rows
    ]
