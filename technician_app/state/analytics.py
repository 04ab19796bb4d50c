"""经营分析: the technician's orders and income by day, week or month, by service
category, where his customers are and how he compares with his district. The figures are
the server's (``/technician/analytics``, the ledger's income, so they agree with 我的收入);
this turns them into the page's bars, shares and sentences. Cached for a start without
signal, like the earnings statement."""

from __future__ import annotations

from datetime import datetime

from client.citytime import CITY_TZ
from client.models import AnalyticsRead, DistrictComparison
from technician_app.i18n import t
from technician_app.state.core import TechnicianCore
from technician_app.state.earnings_charts import IncomeBar, ServiceIncome

GROUPINGS = ("day", "week", "month")


class Analytics(TechnicianCore):
    async def load_analytics(self, by: str = "day") -> None:
        got = await self._guard(self.client.analytics(by), feature="analytics")
        if got is not None:
            self.me.analytics, self.me.analytics_by = got, by
            self.queue.cache_model("analytics", got)
        self.changed()


def bucket_label(start: datetime, by: str, lang: str) -> str:
    """A bar's label: the day (6/3), the week's Monday (6/1起) or the month (6月)."""
    local = start.astimezone(CITY_TZ)
    return t(lang, f"analytics.label.{by}", m=local.month, d=local.day)


def income_bars(a: AnalyticsRead, lang: str) -> list[IncomeBar]:
    return [IncomeBar(bucket_label(b.start, a.by, lang), b.start, b.income) for b in a.buckets]


def order_bars(a: AnalyticsRead, lang: str) -> list[IncomeBar]:
    """The orders per period as bars (the count in the amount's place)."""
    return [IncomeBar(bucket_label(b.start, a.by, lang), b.start, b.orders) for b in a.buckets]


def category_income(a: AnalyticsRead, lang: str) -> list[ServiceIncome]:
    """Income per service category with its share of the gross (as 我的收入's donut)."""
    gross = sum(c.income for c in a.categories if c.income > 0)
    return [
        ServiceIncome(
            c.name_en if lang == "en" and c.name_en else c.name_zh,
            c.income,
            c.income / gross if gross and c.income > 0 else None,
        )
        for c in a.categories
    ]


def comparison_lines(d: DistrictComparison, lang: str) -> list[str]:
    """His orders and income beside the district's average, with how far above or below."""
    return [
        t(lang, "analytics.district_title", district=d.district, n=d.technicians),
        t(
            lang,
            "analytics.vs_orders",
            mine=d.my_orders,
            avg=f"{d.average_orders:g}",
            diff=_difference(d.my_orders, d.average_orders, lang),
        ),
        t(
            lang,
            "analytics.vs_income",
            mine=f"{d.my_income / 100:.2f}",
            avg=f"{d.average_income / 100:.2f}",
            diff=_difference(d.my_income, d.average_income, lang),
        ),
    ]


def _difference(mine: float, average: float, lang: str) -> str:
    if average <= 0 or round(mine) == round(average):
        return t(lang, "analytics.same")
    pct = round(abs(mine - average) / average * 100)
    return t(lang, "analytics.above" if mine > average else "analytics.below", pct=pct)
