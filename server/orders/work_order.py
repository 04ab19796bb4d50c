"""The electronic work order (seed 003): items, price and acceptance criteria, as a PDF,
rendered after the confirmation by the filing job (``server.files.filing``)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.catalog.models import Service
from server.core.clock import as_utc
from server.core.money import yuan
from server.core.pdf import FAMILY, new_document
from server.files.filing import BATCH, DueDocument
from server.orders.models import Order, OrderEvent

CONFIRMED = "order.work_order_confirmed"
log = logging.getLogger("doorstep.orders.work_order")


def due_work_orders(session: Session, app: Any) -> list[DueDocument]:  # noqa: ANN401
    """Confirmed work orders still without their PDF, oldest confirmation first."""
    orders = session.exec(
        select(Order)
        .where(
            col(Order.work_order_confirmed_at).is_not(None), col(Order.work_order_file_id).is_(None)
        )
        .order_by(col(Order.work_order_confirmed_at))
        .limit(BATCH)
    ).all()
    due = []
    for order in orders:
        confirmation = session.exec(
            select(OrderEvent)
            .where(OrderEvent.order_id == order.id, OrderEvent.type == CONFIRMED)
            .order_by(col(OrderEvent.seq).desc())
            .limit(1)
        ).first()
        signed = confirmation.payload if confirmation is not None else {}
        # the order's service as it is, even if since withdrawn from the catalog
        service = session.get(Service, order.service_id)
        if service is None:
            log.warning("work order of %s: its service %s is gone", order.id, order.service_id)
            continue
        render = functools.partial(
            render_work_order_pdf,
            order=order,
            service=service,
            address=app.state.cipher.decrypt(order.address_enc),
            # the query keeps confirmed orders only
            confirmed_at=as_utc(cast(datetime, order.work_order_confirmed_at)),
            signed_on=(signed or {}).get("signed_on", "customer_app"),
            timezone=app.state.settings.timezone,
        )
        due.append(
            DueDocument(
                kind="work_order",
                order_id=order.id,
                owner_id=order.customer_id,
                render=render,
                attach=functools.partial(_attach, order.id),
                notice={"customer_id": order.customer_id, "technician_id": order.technician_id},
            )
        )
    return due


def _attach(order_id: str, session: Session, file_id: str) -> bool:
    """The file joins the order without a new version: the order did not change state."""
    done = session.exec(
        update(Order)
        .where(col(Order.id) == order_id, col(Order.work_order_file_id).is_(None))
        .values(work_order_file_id=file_id)
    )
    return done.rowcount == 1


def render_work_order_pdf(
    *,
    order: Order,
    service: Service,
    address: str,
    confirmed_at: datetime,
    signed_on: str,
    timezone: str = "Asia/Shanghai",
) -> bytes:
    tz = ZoneInfo(timezone)
    pdf = new_document()
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 12, "电子工单 / Work order", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    start = as_utc(order.scheduled_start)
    rows = [
        ("订单号 Order", order.id),
        ("服务 Service", f"{service.name_zh} / {service.name_en}"),
        ("时间 Time", start.astimezone(tz).strftime("%Y-%m-%d %H:%M")),
        ("地址 Address", address),
    ]
    for label, value in rows:
        pdf.multi_cell(0, 7, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 9, "费用明细 Price", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    for line in order.price_snapshot.get("lines", []):
        pdf.cell(
            0,
            7,
            f"{line.get('label', line.get('code'))}: ¥{yuan(int(line['amount']))}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.cell(0, 8, f"合计 Total: ¥{yuan(order.total)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 9, "服务步骤 Steps", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    for step in service.sop:
        pdf.multi_cell(
            0,
            7,
            f"{step['no']}. {step['title_zh']}  {step['title_en']}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(3)
    pdf.multi_cell(
        0,
        7,
        f"验收标准 Acceptance: {service.acceptance_criteria_zh} {service.acceptance_criteria_en}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0,
        7,
        "现场增项须经客户在应用内逐项确认 / "
        "Extra items only with the customer's approval in the app.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    where = (
        "客户应用 customer app"
        if signed_on == "customer_app"
        else "技师设备签名 signed on the technician's screen"
    )
    pdf.cell(
        0,
        8,
        f"客户确认 Confirmed: {confirmed_at.astimezone(tz).strftime('%Y-%m-%d %H:%M')} ({where})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
