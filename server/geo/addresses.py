"""Saved addresses: a customer's own, read and written by them only."""

from __future__ import annotations

import json

from sqlmodel import Session, col, func, select

from server.auth.models import User
from server.core.crypto import FieldCipher
from server.core.errors import AppError, NotFound
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.geo.models import SavedAddress, SavedAddressIn, SavedAddressRead

MAX_PER_CUSTOMER = 20


def to_read(row: SavedAddress, cipher: FieldCipher) -> SavedAddressRead:
    place = json.loads(cipher.decrypt(row.place_enc))
    return SavedAddressRead(
        id=row.id, label=row.label, created_at=row.created_at, updated_at=row.updated_at, **place
    )


def _sealed(body: SavedAddressIn, cipher: FieldCipher) -> str:
    return cipher.encrypt(json.dumps(body.model_dump(exclude={"label"}), ensure_ascii=False))


def list_for(uow: UnitOfWork, *, customer: User) -> list[SavedAddress]:
    session = uow.session
    return list(
        session.exec(
            select(SavedAddress)
            .where(SavedAddress.customer_id == customer.id)
            .order_by(col(SavedAddress.created_at))
        ).all()
    )


def add(
    uow: UnitOfWork,
    *,
    customer: User,
    body: SavedAddressIn,
) -> SavedAddress:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    count = session.exec(
        select(func.count())
        .select_from(SavedAddress)
        .where(SavedAddress.customer_id == customer.id)
    ).one()
    if count >= MAX_PER_CUSTOMER:
        raise AppError(
            "too many saved addresses; remove one first",
            code="too_many_addresses",
            status_code=409,
            details={"max": MAX_PER_CUSTOMER},
        )
    now = clock.now()
    row = SavedAddress(
        id=new_id("adr"),
        customer_id=customer.id,
        label=body.label,
        place_enc=_sealed(body, cipher),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


def owned(uow: UnitOfWork, *, customer: User, address_id: str) -> SavedAddressRead:
    """One of the customer's saved places (404 for anyone else's, as if absent)."""
    return to_read(_own(uow.session, customer, address_id), uow.cipher)


def _own(session: Session, customer: User, address_id: str) -> SavedAddress:
    row = session.get(SavedAddress, address_id)
    if row is None or row.customer_id != customer.id:  # someone else's: as if absent
        raise NotFound("no such saved address", code="address_not_found")
    return row


def replace(
    uow: UnitOfWork,
    *,
    customer: User,
    address_id: str,
    body: SavedAddressIn,
) -> SavedAddress:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    row = _own(session, customer, address_id)
    row.label, row.place_enc, row.updated_at = body.label, _sealed(body, cipher), clock.now()
    session.add(row)
    return row


def remove(uow: UnitOfWork, *, customer: User, address_id: str) -> None:
    session = uow.session
    session.delete(_own(session, customer, address_id))
