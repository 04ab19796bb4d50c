"""Home: sign-in when signed out, onboarding until verified, then the working day —
online toggle, the incoming offer full screen, today's route with ETAs, earnings today,
and the SOS button."""

from __future__ import annotations

import flet as ft

from client.maps import route_map
from technician_app.components.offer_card import OfferCard, local_time
from technician_app.components.upcoming import upcoming_section
from technician_app.components.widgets import (
    GO,
    MUTED,
    PRIMARY,
    STOP,
    big_button,
    big_number,
    card,
    confirm_then,
    outline_button,
    view,
)
from technician_app.context import go, use_app
from technician_app.state import LOCATION_HELP, STATUS_LABELS, TechnicianState, yuan
from technician_app.state.confirmations import confirmation_for
from technician_app.state.labels import ORDER_VALUE_LABEL
from technician_app.views.login import LoginForm
from technician_app.views.onboarding import Onboarding


def _route(state: TechnicianState, schedule: list[dict]) -> list[ft.Control]:  # noqa: ANN001
    """Today's visits on a map, in order, from where I am."""
    orders = [row["order"] for row in schedule]
    stops = [(o.lat, o.lng) for o in orders if o.lat is not None and o.lng is not None]
    if not stops:
        return []
    return [route_map(stops, state.location, app="org.doorstep.technician")]


def _location_status(state: TechnicianState) -> list[ft.Control]:
    """Why the position matters and what to do when the device gives none; a fixed
    (developer) position is labelled as such."""
    if state.location_fixed:
        return [
            ft.Text(
                "开发者模式：使用固定位置，不读取设备定位",
                size=14,
                color=MUTED,
                key="location_fixed",
            )
        ]
    if state.location_problem is None:
        return []

    async def retry(_e) -> None:  # noqa: ANN001
        await state.refresh_location()

    return [
        card(
            ft.Text("需要定位", size=20, weight=ft.FontWeight.BOLD, color=STOP),
            ft.Text(LOCATION_HELP.get(state.location_problem, LOCATION_HELP[""]), size=16),
            big_button("重新获取定位", retry, key="retry_location"),
        )
    ]


@ft.component
def HomeView():  # noqa: ANN201
    state = use_app()

    def load_today():  # noqa: ANN202
        # the same endpoint and calendar day as the earnings page, fresh on every visit
        if state.signed_in and state.verified:
            ft.context.page.run_task(state.load_earnings_today)

    ft.use_effect(load_today, [state.signed_in, state.verified])
    if not state.signed_in:
        return view("/", "技师登录", [LoginForm()], state, back=None)
    if not state.verified:
        return view("/", "完善资料", [Onboarding()], state, back=None, actions=[_logout(state)])
    if state.offers:
        offer = state.offers[0]
        return view(
            "/",
            "新订单",
            [OfferCard(offer, state, on_accepted=lambda oid: go(f"/order/{oid}"))],
            state,
            back=None,
        )

    async def toggle(e) -> None:  # noqa: ANN001
        await state.set_working(bool(e.control.value))

    async def sos(_e) -> None:  # noqa: ANN001  (asks first: one slip must not call for help)
        await confirm_then(
            confirmation_for("sos", None, state.now()), lambda: state.sos("首页一键求助")
        )

    schedule = state.schedule()
    rows: list[ft.Control] = []
    for row in schedule:
        order = row["order"]
        travel = (
            f"路程约 {row['travel_minutes']} 分钟"
            if row["travel_minutes"] is not None
            else "位置未知"
        )
        pending = " · 待同步" if state.pending_for(order.id) else ""
        rows.append(
            card(
                ft.Row(
                    [
                        ft.Text(f"{row['seq']}", size=30, weight=ft.FontWeight.BOLD, color=PRIMARY),
                        ft.Column(
                            [
                                ft.Text(
                                    order.service_name_zh,
                                    size=20,
                                    weight=ft.FontWeight.BOLD,
                                ),
                                ft.Text(
                                    f"{local_time(row['scheduled_start'])} · {order.district}",
                                    size=16,
                                ),
                                ft.Text(
                                    f"{ORDER_VALUE_LABEL} {yuan(order.order_value)}",
                                    size=15,
                                    color=MUTED,
                                ),
                                ft.Text(
                                    f"{STATUS_LABELS.get(order.status, order.status)} · "
                                    f"{travel}{pending}",
                                    size=15,
                                    color=STOP if row["late"] else MUTED,
                                ),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                    ]
                ),
                ft.Row(
                    [
                        big_button(
                            f"打开订单 {row['seq']}",
                            lambda _e, oid=order.id: go(f"/order/{oid}"),
                            key=f"open_order_{order.id}",
                        )
                    ]
                ),
            )
        )
    if not rows:
        rows.append(ft.Text("今天暂无订单。上线后新订单会在这里弹出。", size=16, color=MUTED))

    today = state.earnings_today()
    return view(
        "/",
        "今日工作",
        [
            card(
                ft.Row(
                    [
                        ft.Text(
                            "接单中" if state.working else "已下线",
                            size=26,
                            weight=ft.FontWeight.BOLD,
                            color=GO if state.working else MUTED,
                        ),
                        ft.Switch(
                            value=state.working,
                            on_change=toggle,
                            key="online_toggle",
                            label="上线接单",
                            scale=1.4,
                        ),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                ft.Row(
                    [
                        big_number(
                            yuan(today) if today is not None else "—",
                            "今日收入",
                            color=GO,
                            key="earnings_today",
                        ),
                        big_number(str(len(schedule)), "今日订单"),
                        big_number(str(len(state.pending_actions)), "待同步"),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_AROUND,
                ),
            ),
            *_location_status(state),
            ft.Text("今日路线", size=22, weight=ft.FontWeight.BOLD),
            *_route(state, schedule),
            *rows,
            *upcoming_section(state),
            ft.Row(
                [
                    outline_button(
                        "抢单池", lambda _e: go("/pool"), key="to_pool", icon=ft.Icons.FLASH_ON
                    ),
                    outline_button(
                        "收入",
                        lambda _e: go("/earnings"),
                        key="to_earnings",
                        icon=ft.Icons.PAYMENTS,
                    ),
                ]
            ),
            ft.Row(
                [
                    outline_button(
                        "评价与投诉",
                        lambda _e: go("/ratings"),
                        key="to_ratings",
                        icon=ft.Icons.STAR,
                    ),
                    outline_button(
                        "同步记录", lambda _e: go("/sync"), key="to_sync", icon=ft.Icons.SYNC
                    ),
                ]
            ),
            ft.Row([big_button("SOS 紧急求助", sos, key="sos", color=STOP, icon=ft.Icons.SOS)]),
        ],
        state,
        back=None,
        actions=[_logout(state)],
    )


def _logout(state: TechnicianState) -> ft.Control:
    async def logout(_e) -> None:  # noqa: ANN001
        await state.logout()
        go("/")

    return ft.TextButton(content=ft.Text("退出"), key="logout", on_click=logout)
