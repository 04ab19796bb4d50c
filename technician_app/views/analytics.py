"""经营分析: orders and income by day / week / month, income by service category, where
the customers are (a heat map of coarse cells) and the district's average beside his own.
Reached from 我的收入."""

from __future__ import annotations

import flet as ft

from client.maps import spots_map
from technician_app.components.earnings_charts import (
    count_chart,
    income_by_day_chart,
    income_by_service_chart,
)
from technician_app.components.widgets import GO, MUTED, big_number, card, language_menu, view
from technician_app.context import use_app
from technician_app.i18n import t
from technician_app.state import yuan
from technician_app.state.analytics import (
    GROUPINGS,
    category_income,
    comparison_lines,
    income_bars,
    order_bars,
)

# Which of the charts' label spacings (``earnings_charts.LABEL_EVERY``) fits: every third
# label of 14 days or 12 weeks, every month of six.
CHART_PERIOD = {"day": "day", "week": "day", "month": "week"}


def title(text: str) -> ft.Control:
    return ft.Text(text, size=20, weight=ft.FontWeight.BOLD)


@ft.component
def AnalyticsView():  # noqa: ANN201
    state = use_app("me")
    by, set_by = ft.use_state(state.me.analytics_by)

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_analytics, by)

    ft.use_effect(load, [by])
    lang = state.session.lang
    a = state.me.analytics if state.me.analytics and state.me.analytics.by == by else None
    body: list[ft.Control] = [
        ft.SegmentedButton(
            segments=[
                ft.Segment(value=g, label=ft.Text(t(lang, f"analytics.by.{g}"), size=16))
                for g in GROUPINGS
            ],
            selected=[by],
            key="analytics_by",
            on_change=lambda ev: set_by((ev.control.selected or ["day"])[0]),
        )
    ]
    if a is None:
        note = "analytics.unavailable" if "analytics" in state.session.unavailable else "loading"
        body.append(ft.Text(t(lang, note), size=18, color=MUTED, key="analytics_status"))
        return view("/analytics", t(lang, "analytics.title"), body, state, back="/earnings")
    body.append(
        card(
            ft.Row(
                [
                    big_number(
                        str(a.orders), t(lang, "analytics.orders_total"), key="analytics_orders"
                    ),
                    big_number(
                        yuan(a.income),
                        t(lang, "analytics.income_total"),
                        color=GO,
                        key="analytics_income",
                    ),
                ],
                alignment=ft.MainAxisAlignment.SPACE_AROUND,
            )
        )
    )
    period = CHART_PERIOD[a.by]
    body += [
        card(
            title(t(lang, "analytics.orders_chart")),
            count_chart(order_bars(a, lang), period, lang),
        ),
        card(
            title(t(lang, "analytics.income_chart")),
            income_by_day_chart(income_bars(a, lang), period, lang),
        ),
        card(
            title(t(lang, "analytics.by_category")),
            *(
                income_by_service_chart(category_income(a, lang))
                or [ft.Text(t(lang, "analytics.none"), color=MUTED)]
            ),
        ),
    ]
    if a.spots:
        body.append(
            card(
                title(t(lang, "analytics.where")),
                ft.Text(t(lang, "analytics.where_note"), size=14, color=MUTED),
                spots_map(
                    [(s.lat, s.lng, s.orders) for s in a.spots], app="org.doorstep.technician"
                ),
            )
        )
    if a.district is not None:
        lines = comparison_lines(a.district, lang)
        body.append(
            card(
                title(t(lang, "analytics.district")),
                *[ft.Text(x, size=16, key=f"district_{i}") for i, x in enumerate(lines)],
            )
        )
    elif not a.orders:
        body.append(ft.Text(t(lang, "analytics.none"), size=16, color=MUTED))
    return view(
        "/analytics",
        t(lang, "analytics.title"),
        body,
        state,
        back="/earnings",
        actions=[language_menu(state)],
    )
