"""The invoice PDF (fpdf2 with the bundled CJK font, like the work order)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


from server.core.money import yuan
from server.orders.models import Order
from server.core.pdf import FAMILY, new_document


def render_invoice_pdf(*, number: str, order: Order, title: str, tax_id: str | None, amount: int, tax: int,
                       tax_rate_bp: int, issued_at: datetime, timezone: str = "Asia/Shanghai") -> bytes:
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
        pdf.cell(0, 7, f"{line.get('label', line.get('code'))}: ¥{yuan(int(line['amount']))}", new_x="LMARGIN",
                 new_y="NEXT")
    if order.extras_total:
        pdf.cell(0, 7, f"现场增项 Approved extras: ¥{yuan(order.extras_total)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 8, f"价税合计 Total paid (tax included): ¥{yuan(amount)}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"其中税额 of which VAT {tax_rate_bp / 100:g}%: ¥{yuan(tax)}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"不含税金额 Net: ¥{yuan(amount - tax)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
