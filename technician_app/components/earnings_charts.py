"""The earnings page's three charts, sized for a phone (about 200 px tall, one under the
other): income by day (flet-charts BarChart), by service (a donut PieChart with its
legend of amounts and shares) and the money's split into 可提现 / 待结算 / 冻结 (one
proportional bar). The numbers come from :mod:`technician_app.state.earnings_charts`."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

import flet as ft
import flet_charts as fch

from technician_app.components.widgets import GO, MUTED, WARN
from technician_app.i18n import DEFAULT_LANG, t
from technician_app.state import yuan
from technician_app.state.earnings_charts import (
    IncomeBar,
    MoneyPart,
    ServiceIncome,
    share_text,
)

CHART_HEIGHT = 200
SERVICE_COLORS = ("#1565C0", "#2E7D32", "#EF6C00", "#6A1B9A", "#00838F", "#AD1457", "#5D4037")
PART_COLORS = {"available": GO, "pending": WARN, "frozen": MUTED}
# Labels under the bars, so they never crowd a 412 px screen: every 3rd hour of today,
# every day of the week, the 1st and every 5th of the month.
LABEL_EVERY = {"day": 3, "week": 1, "month": 5}


def _nice_ceiling(yuan_amount: float, empty: float = 100.0) -> float:
    """The y axis's top: above the tallest bar on a round step of 1, 2 or 5 times a
    power of ten, at most five steps high (``empty`` for an empty period, so it draws)."""
    if yuan_amount <= 0:
        return empty
    steps = (m * 10**k for k in count() for m in (1, 2, 5))
    step = next(s for s in steps if yuan_amount / s <= 5)
    return float((int(yuan_amount / step) + 1) * step)


def _shown(index: int, bar: IncomeBar, period: str) -> bool:
    every = LABEL_EVERY.get(period, 1)
    if period == "month":
        return bar.start.day == 1 or bar.start.day % every == 0
    return index % every == 0


def income_by_day_chart(bars: list[IncomeBar], period: str, lang: str = DEFAULT_LANG) -> ft.Control:
    """Income per day (per hour today) as bars in yuan; a bar's tooltip names its day."""
    return _bars(bars, period, lang, unit=100, axis="chart.yuan", tip=yuan, key="chart_by_day")


def count_chart(bars: list[IncomeBar], period: str, lang: str = DEFAULT_LANG) -> ft.Control:
    """Orders per period as bars (``amount``: the count)."""
    return _bars(bars, period, lang, unit=1, axis="chart.jobs", tip=str, key="chart_orders")


def _bars(
    bars: list[IncomeBar],
    period: str,
    lang: str,
    *,
    unit: int,
    axis: str,
    tip: Callable[[int], str],
    key: str,
) -> ft.Control:
    top = _nice_ceiling(max((b.amount for b in bars), default=0) / unit, 100.0 if unit > 1 else 5.0)
    low = min((b.amount for b in bars), default=0) / unit
    width = 22 if len(bars) <= 7 else 10 if len(bars) <= 14 else 6
    groups = [
        fch.BarChartGroup(
            x=i,
            rods=[
                fch.BarChartRod(
                    from_y=0,
                    to_y=bar.amount / unit,
                    width=width,
                    color=GO if bar.amount >= 0 else MUTED,
                    border_radius=3,
                    tooltip=f"{bar.label} {tip(bar.amount)}",
                )
            ],
        )
        for i, bar in enumerate(bars)
    ]
    labels = [
        fch.ChartAxisLabel(value=i, label=ft.Text(bar.label, size=11, color=MUTED))
        for i, bar in enumerate(bars)
        if _shown(i, bar, period)
    ]
    return ft.Container(
        fch.BarChart(
            groups=groups,
            min_y=min(0.0, low * 1.1),
            max_y=top,
            group_alignment=ft.MainAxisAlignment.SPACE_AROUND,
            left_axis=fch.ChartAxis(
                title=ft.Text(t(lang, axis), size=11, color=MUTED),
                title_size=16,
                label_size=40,
            ),
            bottom_axis=fch.ChartAxis(labels=labels, label_size=24),
            horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.OUTLINE_VARIANT, width=0.5),
            tooltip=fch.BarChartTooltip(
                bgcolor=ft.Colors.INVERSE_SURFACE, fit_inside_horizontally=True
            ),
            key=key,
        ),
        height=CHART_HEIGHT,
    )


def _legend_row(color: str, name: str, amount: int, share: str, *, key: str) -> ft.Control:
    return ft.Row(
        [
            ft.Container(width=12, height=12, bgcolor=color, border_radius=3),
            ft.Text(name, size=15, expand=True),
            ft.Text(yuan(amount), size=15, weight=ft.FontWeight.BOLD, key=key),
            ft.Text(share, size=14, color=MUTED, width=44, text_align=ft.TextAlign.RIGHT),
        ],
        spacing=8,
    )


def income_by_service_chart(services: list[ServiceIncome]) -> list[ft.Control]:
    """A donut of the services that earned, then one legend row per service with its
    amount and share (a service whose income a complaint holds back lists its net)."""
    colors = {s.name: SERVICE_COLORS[i % len(SERVICE_COLORS)] for i, s in enumerate(services)}
    sections = [
        fch.PieChartSection(
            value=s.amount,
            color=colors[s.name],
            radius=60,
            title=share_text(s.share) if (s.share or 0) >= 0.08 else "",
            title_style=ft.TextStyle(size=12, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        )
        for s in services
        if s.amount > 0
    ]
    chart: list[ft.Control] = []
    if sections:
        chart.append(
            ft.Container(
                fch.PieChart(
                    sections=sections,
                    center_space_radius=36,
                    sections_space=1,
                    start_degree_offset=-90,
                    key="chart_by_service",
                ),
                height=CHART_HEIGHT,
            )
        )
    legend = [
        _legend_row(
            colors[s.name], s.name, s.amount, share_text(s.share), key=f"service_income_{i}"
        )
        for i, s in enumerate(services)
    ]
    return chart + legend


def money_split_bar(parts: list[MoneyPart]) -> list[ft.Control]:
    """可提现 / 待结算 / 冻结 side by side, each as wide as its share of the money."""
    total = sum(p.amount for p in parts if p.amount > 0)
    bar: list[ft.Control] = []
    if total:
        bar.append(
            ft.Container(
                ft.Row(
                    [
                        ft.Container(expand=p.amount, bgcolor=PART_COLORS[p.key])
                        for p in parts
                        if p.amount > 0
                    ],
                    spacing=2,
                ),
                height=28,
                border_radius=6,
                clip_behavior=ft.ClipBehavior.HARD_EDGE,
                key="money_split_bar",
            )
        )
    legend = [
        _legend_row(
            PART_COLORS[p.key],
            p.label,
            p.amount,
            share_text(p.amount / total) if total and p.amount > 0 else "",
            key=f"money_{p.key}",
        )
        for p in parts
    ]
    return bar + legend
