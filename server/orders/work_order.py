"""The electronic work order (seed 003): items, price and acceptance criteria, as a PDF."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.catalog.models import Service
from server.core.money import yuan
from server.core.pdf import FAMILY, new_document
from server.orders.models import Order


def render_work_order_pdf(
    *, order: Order, service: Service, address: str, confirmed_at: datetime, signed_on: str,
    timezone: str = "Asia/Shanghai",
) -> bytes:
    tz = ZoneInfo(timezone)
    pdf = new_document()
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 12, "电子工单 / Work order", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    start = order.scheduled_start
    if start.tzinfo is None:
        from datetime import UTC

        start = start.replace(tzinfo=UTC)
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
        pdf.cell(0, 7, f"{line.get('label', line.get('code'))}: ¥{yuan(int(line['amount']))}", new_x="LMARGIN",
                 new_y="NEXT")
    pdf.cell(0, 8, f"合计 Total: ¥{yuan(order.total)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 9, "服务步骤 Steps", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    for step in service.sop:
        pdf.multi_cell(0, 7, f"{step['no']}. {step['title_zh']}  {step['title_en']}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 7, f"验收标准 Acceptance: {service.acceptance_criteria_zh} {service.acceptance_criteria_en}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, "现场增项须经客户在应用内逐项确认 / Extra items only with the customer's approval in the app.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    where = "客户应用 customer app" if signed_on == "customer_app" else "技师设备签名 signed on the technician's screen"
    pdf.cell(0, 8, f"客户确认 Confirmed: {confirmed_at.astimezone(tz).strftime('%Y-%m-%d %H:%M')} ({where})",
             new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
