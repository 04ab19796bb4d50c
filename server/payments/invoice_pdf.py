"""The invoice PDF (fpdf2 with the bundled CJK font, like the work order), rendered
after the request by the filing job (``server.files.filing``)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.core.clock import as_utc
from server.core.money import yuan
from server.core.pdf import FAMILY, new_document
from server.files.filing import BATCH, DueDocument
from server.orders import queries as order_queries
from server.orders.models import Order
from server.payments.models import Invoice


def due_invoices(session: Session, app: Any) -> list[DueDocument]:  # noqa: ANN401
    """Invoices still without their PDF, oldest first."""
    invoices = session.exec(
        select(Invoice)
        .where(col(Invoice.file_id).is_(None))
        .order_by(col(Invoice.created_at))
        .limit(BATCH)
    ).all()
    wanted = [invoice.order_id for invoice in invoices]
    orders = order_queries.by_ids(session, wanted)
    return [
        DueDocument(
            kind="invoice",
            order_id=invoice.order_id,
            owner_id=invoice.customer_id,
            render=functools.partial(
                render_invoice_pdf,
                number=invoice.number,
                order=orders[invoice.order_id],
                title=invoice.title,
                tax_id=invoice.tax_id,
                amount=invoice.amount,
                tax=invoice.tax_amount,
                tax_rate_bp=_rate_of(invoice),
                issued_at=as_utc(invoice.created_at),
                timezone=app.state.settings.timezone,
            ),
            attach=functools.partial(_attach, invoice.id),
            notice={"customer_id": invoice.customer_id, "invoice_id": invoice.id},
        )
        for invoice in invoices
        if invoice.order_id in orders
    ]


def _rate_of(invoice: Invoice) -> int:
    """The rate it was issued at; for an invoice from before the rate was kept, the rate
    its amounts imply (to the basis point)."""
    if invoice.tax_rate_bp is not None:
        return invoice.tax_rate_bp
    net = invoice.amount - invoice.tax_amount
    return round(invoice.tax_amount * 10000 / net) if net else 0


def _attach(invoice_id: str, session: Session, file_id: str) -> bool:
    done = session.exec(
        update(Invoice)
        .where(col(Invoice.id) == invoice_id, col(Invoice.file_id).is_(None))
        .values(file_id=file_id)
    )
    return done.rowcount == 1


def render_invoice_pdf(
    *,
    number: str,
    order: Order,
    title: str,
    tax_id: str | None,
    amount: int,
    tax: int,
    tax_rate_bp: int,
    issued_at: datetime,
    timezone: str = "Asia/Shanghai",
) -> bytes:
    tz = ZoneInfo(timezone)
    pdf = new_document()
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 12, "电子发票 / Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    rows = [
        ("发票号码 Number", number),
        ("开票日期 Issued", issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")),
        ("购买方 Buyer", title),
        ("纳税人识别号 Tax ID", tax_id or "-"),
        ("订单号 Order", order.id),
    ]
    for label, value in rows:
        pdf.multi_cell(0, 7, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 9, "项目 Items", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    for line in order.price_snapshot.get("lines", []):
        pdf.cell(
            0,
            7,
            f"{line.get('label', line.get('code'))}: ¥{yuan(int(line['amount']))}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if order.extras_total:
        pdf.cell(
            0,
            7,
            f"现场增项 Approved extras: ¥{yuan(order.extras_total)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    pdf.cell(
        0, 8, f"价税合计 Total paid (tax included): ¥{yuan(amount)}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(
        0,
        8,
        f"其中税额 of which VAT {tax_rate_bp / 100:g}%: ¥{yuan(tax)}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 8, f"不含税金额 Net: ¥{yuan(amount - tax)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
