"""Home: sign-in when signed out, onboarding until verified, then the working day —
online toggle, the incoming offer full screen, today's route with ETAs, earnings today,
and the SOS button."""

from __future__ import annotations

import flet as ft

from client.citytime import CITY_TZ
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
    language_menu,
    outline_button,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import local_name, t
from technician_app.state import STATUS_LABELS, TechnicianState, yuan
from technician_app.state.confirmations import confirmation_for
from technician_app.state.customers import follow_up_line
from technician_app.state.labels import location_help, order_value_label
from technician_app.state.training import home_warning
from technician_app.views.login import LoginForm
from technician_app.views.onboarding import Onboarding


def _route(state: TechnicianState, schedule: list[dict]) -> list[ft.Control]:  # noqa: ANN001
    """Today's visits on a map, in order, from where I am."""
    orders = [row["order"] for row in schedule]
    stops = [(o.lat, o.lng) for o in orders if o.lat is not None and o.lng is not None]
    if not stops:
        return []
    return [route_map(stops, state.live.location, app="org.doorstep.technician")]


def _location_status(state: TechnicianState) -> list[ft.Control]:
    """Why the position matters and what to do when the device gives none; a fixed
    (developer) position is labelled as such."""
    if state.live.location_fixed:
        return [
            ft.Text(
                t(state.session.lang, "home.location_fixed"),
                size=14,
                color=MUTED,
                key="location_fixed",
            )
        ]
    if state.live.location_problem is None:
        return []

    async def retry(_e) -> None:  # noqa: ANN001
        await state.refresh_location()

    return [
        card(
            ft.Text(
                t(state.session.lang, "home.location_needed"),
                size=20,
                weight=ft.FontWeight.BOLD,
                color=STOP,
            ),
            ft.Text(location_help(state.session.lang, state.live.location_problem), size=16),
            big_button(t(state.session.lang, "home.retry_location"), retry, key="retry_location"),
        )
    ]


@ft.component
def HomeView():  # noqa: ANN201
    state = use_app("live", "me", "work")

    def load_today():  # noqa: ANN202
        # the same endpoint and calendar day as the earnings page, fresh on every visit
        if state.signed_in and state.verified:
            ft.context.page.run_task(state.load_earnings_today)
            ft.context.page.run_task(state.load_follow_ups)
            ft.context.page.run_task(state.load_training, True)  # quiet

    ft.use_effect(load_today, [state.signed_in, state.verified])
    lang = state.session.lang
    if not state.signed_in:
        return view(
            "/",
            t(lang, "login.title"),
            [LoginForm()],
            state,
            back=None,
            actions=[language_menu(state)],
        )
    if not state.verified:
        return view(
            "/",
            t(lang, "onboarding.title"),
            [Onboarding()],
            state,
            back=None,
            actions=[language_menu(state), _logout(state)],
        )
    if state.work.offers:
        offer = state.work.offers[0]
        return view(
            "/",
            t(lang, "home.offer_title"),
            [OfferCard(offer, state, on_accepted=lambda oid: go(f"/order/{oid}"))],
            state,
            back=None,
        )

    async def toggle(e) -> None:  # noqa: ANN001
        await state.set_working(bool(e.control.value))

    async def sos(_e) -> None:  # noqa: ANN001  (asks first: one slip must not call for help)
        await confirm_then(
            confirmation_for("sos", None, state.now(), lang),
            lambda: state.sos(t(lang, "home.sos_note")),
            lang,
        )

    schedule = state.schedule()
    rows: list[ft.Control] = []
    for row in schedule:
        order = row["order"]
        travel = (
            t(lang, "home.travel", n=row["travel_minutes"])
            if row["travel_minutes"] is not None
            else t(lang, "home.position_unknown")
        )
        pending = t(lang, "order.pending_sync") if state.pending_for(order.id) else ""
        rows.append(
            card(
                ft.Row(
                    [
                        ft.Text(f"{row['seq']}", size=30, weight=ft.FontWeight.BOLD, color=PRIMARY),
                        ft.Column(
                            [
                                ft.Text(
                                    local_name(lang, order.service_name_zh, order.service_name_en),
                                    size=20,
                                    weight=ft.FontWeight.BOLD,
                                ),
                                ft.Text(
                                    f"{local_time(row['scheduled_start'])} · {order.district}",
                                    size=16,
                                ),
                                ft.Text(
                                    f"{order_value_label(lang)} {yuan(order.order_value)}",
                                    size=15,
                                    color=MUTED,
                                ),
                                ft.Text(
                                    f"{STATUS_LABELS[lang].get(order.status, order.status)} · "
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
                            t(lang, "home.open_order", n=row["seq"]),
                            lambda _e, oid=order.id: go(f"/order/{oid}"),
                            key=f"open_order_{order.id}",
                        )
                    ]
                ),
            )
        )
    if not rows:
        rows.append(ft.Text(t(lang, "home.no_orders"), size=16, color=MUTED))

    today = state.earnings_today()
    return view(
        "/",
        t(lang, "home.title"),
        [
            card(
                ft.Row(
                    [
                        ft.Text(
                            t(lang, "home.working" if state.live.working else "home.offline"),
                            size=26,
                            weight=ft.FontWeight.BOLD,
                            color=GO if state.live.working else MUTED,
                        ),
                        ft.Switch(
                            value=state.live.working,
                            on_change=toggle,
                            key="online_toggle",
                            label=t(lang, "home.online_toggle"),
                            # grown from its right edge: a scale from the centre pushed
                            # the label past the card's edge
                            scale=ft.Scale(1.4, alignment=ft.Alignment.CENTER_RIGHT),
                        ),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                ft.Row(
                    [
                        big_number(
                            yuan(today) if today is not None else "—",
                            t(lang, "home.earned_today"),
                            color=GO,
                            key="earnings_today",
                        ),
                        big_number(str(len(schedule)), t(lang, "home.orders_today")),
                        big_number(str(len(state.waiting_actions)), t(lang, "home.pending")),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_AROUND,
                ),
            ),
            *_location_status(state),
            ft.Text(t(lang, "home.route"), size=22, weight=ft.FontWeight.BOLD),
            *_route(state, schedule),
            *_training_warning(state),
            *rows,
            *_follow_ups(state),
            *upcoming_section(state),
            *_ways_out(state),
            ft.Row(
                [big_button(t(lang, "home.sos"), sos, key="sos", color=STOP, icon=ft.Icons.SOS)]
            ),
        ],
        state,
        back=None,
        actions=[language_menu(state), _logout(state)],
    )


def _logout(state: TechnicianState) -> ft.Control:
    async def logout(_e) -> None:  # noqa: ANN001
        await state.logout()
        go("/")

    return ft.TextButton(
        content=ft.Text(t(state.session.lang, "home.logout")), key="logout", on_click=logout
    )


# The home's ways to the other screens, two to a row: route, text key, key, icon.
WAYS_OUT = (
    ("/pool", "nav.pool", "to_pool", ft.Icons.FLASH_ON),
    ("/earnings", "nav.earnings", "to_earnings", ft.Icons.PAYMENTS),
    ("/ratings", "nav.ratings", "to_ratings", ft.Icons.STAR),
    ("/sync", "nav.sync", "to_sync", ft.Icons.SYNC),
    ("/inbox", "inbox", "to_inbox", ft.Icons.NOTIFICATIONS),
    ("/knowledge", "nav.knowledge", "to_knowledge", ft.Icons.MENU_BOOK),
    ("/training", "nav.training", "to_training", ft.Icons.SCHOOL),
    ("/notice-settings", "notice_settings", "to_notice_settings", ft.Icons.NOTIFICATIONS_ACTIVE),
)


def _ways_out(state: TechnicianState) -> list[ft.Control]:
    lang = state.session.lang

    def label(text_key: str) -> str:
        if text_key == "inbox" and state.live.inbox_unread:
            return t(lang, "inbox_unread", n=state.live.inbox_unread)
        return t(lang, text_key)

    buttons = [
        outline_button(label(text), lambda _e, r=route: go(r), key=key, icon=icon)
        for route, text, key, icon in WAYS_OUT
    ]
    return [ft.Row(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def _follow_ups(state: TechnicianState) -> list[ft.Control]:
    """回访提醒: the customers he set a reminder for, due today or overdue; each opens
    the order he served them on (with his notes)."""
    if not state.work.follow_ups:
        return []
    lang = state.session.lang
    today = state.now().astimezone(CITY_TZ).date()
    rows = [
        ft.TextButton(
            content=ft.Text(follow_up_line(f, today, lang), size=16),
            icon=ft.Icons.PHONE_CALLBACK,
            key=f"follow_up_{f.order_id}",
            on_click=lambda _e, oid=f.order_id: go(f"/order/{oid}"),
        )
        for f in state.work.follow_ups
    ]
    title = ft.Text(t(lang, "follow_up.title"), size=20, weight=ft.FontWeight.BOLD)
    return [card(title, *rows)]


def _training_warning(state: TechnicianState) -> list[ft.Control]:
    """Held at level C, or getting fewer orders for too little training this month: said
    where he looks for work, with the way to the courses."""
    warning = home_warning(state.me.training)
    if warning is None:
        return []
    key, values = warning
    return [
        card(
            ft.Text(
                t(state.session.lang, key, **values), size=16, color=STOP, key="training_warning"
            ),
            ft.Row(
                [
                    outline_button(
                        t(state.session.lang, "nav.training"),
                        lambda _e: go("/training"),
                        key="training_warning_open",
                    )
                ]
            ),
        )
    ]
