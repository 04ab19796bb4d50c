"""PDF documents (work orders, invoices) with Latin and Chinese text.

DroidSansFallback carries the CJK glyphs but no Latin ones, so documents write in
DejaVu Sans and fall back to it for Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
LATIN_FONT = FONTS / "DejaVuSans.ttf"
CJK_FONT = FONTS / "DroidSansFallbackFull.ttf"
FAMILY = "doc"


def new_document() -> FPDF:
    # imported on first use: it costs a good part of a second at every process start
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font(FAMILY, fname=str(LATIN_FONT))
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_fallback_fonts(["cjk"])
    pdf.set_font(FAMILY, size=11)
    return pdf
