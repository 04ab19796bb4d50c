"""Invoices for completed orders: issued once (a retry returns the same one), their tax
figured from what the customer paid; the PDF follows through ``server.files.filing``
(``invoice_pdf`` renders it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.errors import Conflict, NotFound
from server.core.ids import new_id
from server.core.money import round_half_up
from server.core.uow import UnitOfWork
from server.files import filing
from server.orders import service as orders_service
from server.orders.machine import Status
from server.payments.common import current_rules
from server.payments.escrow import paid_amount
from server.payments.models import Invoice


def create_invoice(
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
    title: str,
    tax_id: str | None,
    email: str | None,
) -> Invoice:
    """An invoice for a completed order, once: the same request again (a retry) returns
    it; a request with other details is refused, since an issued invoice is not changed
    by asking twice (a corrected one is support's red-letter reissue). Its PDF follows
    (``server.files.filing``: ``file_id`` is set and pushed when it is ready)."""
    session = uow.session
    clock = uow.clock

    order = orders_service.get_for(uow, order_id=order_id, user=user)
    if order.customer_id != user.id:
        raise NotFound("order not found", code="order_not_found")
    existing = session.exec(select(Invoice).where(Invoice.order_id == order_id)).first()
    if existing is not None:
        return _same_invoice(existing, title=title, tax_id=tax_id, email=email)
    if order.status != Status.COMPLETED.value:
        raise Conflict(
            "invoices are issued for completed orders",
            code="order_not_completed",
            details={"status": order.status},
        )
    amount = paid_amount(uow, order_id=order_id)
    rate = current_rules(uow).payments.invoice_tax_rate_bp
    tax = amount - round_half_up(amount * 10000, 10000 + rate)
    now = clock.now()
    number = f"DS{now:%Y%m%d}{new_id('x')[-8:].upper()}"
    invoice = Invoice(
        id=new_id("inv"),
        number=number,
        order_id=order.id,
        customer_id=user.id,
        title=title,
        tax_id=tax_id,
        email=email,
        amount=amount,
        tax_amount=tax,
        tax_rate_bp=rate,
        file_id=None,
        created_at=now,
    )
    session.add(invoice)
    try:
        uow.keep()
    except IntegrityError:
        uow.undo()
        existing = session.exec(select(Invoice).where(Invoice.order_id == order_id)).one()
        return _same_invoice(existing, title=title, tax_id=tax_id, email=email)
    filing.file_soon(uow)
    return invoice


def _same_invoice(
    existing: Invoice, *, title: str, tax_id: str | None, email: str | None
) -> Invoice:
    if (existing.title, existing.tax_id, existing.email) != (title, tax_id, email):
        raise Conflict(
            "this order's invoice was already issued; ask support to correct it",
            code="invoice_exists",
            details={"invoice_id": existing.id, "number": existing.number, "title": existing.title},
        )
    return existing


def get_invoice(uow: UnitOfWork, *, order_id: str, user: User) -> Invoice:
    session = uow.session
    order = orders_service.get_for(uow, order_id=order_id, user=user)
    invoice = session.exec(select(Invoice).where(Invoice.order_id == order.id)).first()
    if (
        invoice is None
        or (user.role == Role.customer.value and invoice.customer_id != user.id)
        or user.role == Role.technician.value
    ):
        raise NotFound("no invoice for this order", code="invoice_not_found")
    return invoice


def mailable_invoices(session: Session, since: datetime) -> list[Invoice]:
    """Invoices issued since ``since`` with their PDF filed and an e-mail address to send
    it to (the notification checks mail each once)."""
    return list(
        session.exec(
            select(Invoice).where(
                col(Invoice.created_at) >= since,
                col(Invoice.file_id).is_not(None),
                col(Invoice.email).is_not(None),
            )
        ).all()
    )
