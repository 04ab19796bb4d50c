"""The incoming-offer card: service, district and distance only (the exact address is
shown after acceptance), time, pay, a countdown, and accept/decline in one tap."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import flet as ft

from client.citytime import CITY_TZ
from technician_app import navigation
from technician_app.components.widgets import GO, HUGE, MUTED, STOP, WARN, big_button, card
from technician_app.i18n import DEFAULT_LANG, local_name, t
from technician_app.state import Offer, TechnicianState, yuan
from technician_app.state.labels import expected_pay_label, order_value_label


def local_time(value: datetime | None) -> str:
    return value.astimezone(CITY_TZ).strftime("%m-%d %H:%M") if value else "—"


def offer_money(offer: Offer, lang: str = DEFAULT_LANG) -> list[tuple[str, str]]:
    """The two figures of an offer, each named: what the customer pays for the order and
    the technician's share of it (the server's ``technician_pay``)."""
    return [
        (order_value_label(lang), yuan(offer.raw.total)),
        (expected_pay_label(lang), yuan(offer.pay)),
    ]


@ft.component
def Countdown(offer: Offer, state: TechnicianState):  # noqa: ANN201
    now, set_now = ft.use_state(state.now())

    def start():  # noqa: ANN202
        async def tick() -> None:
            while True:
                await asyncio.sleep(1)
                set_now(state.now())

        task = asyncio.create_task(tick())

        def stop() -> None:
            task.cancel()

        return stop

    ft.use_effect(start, [])
    left = offer.seconds_left(now)
    if left is None:
        pool = t(state.session.lang, "offer.pool_order") if offer.source == "pool" else ""
        return ft.Text(pool, size=16, color=MUTED)
    return ft.Text(
        t(state.session.lang, "offer.seconds", n=left),
        size=HUGE,
        weight=ft.FontWeight.BOLD,
        color=STOP if left <= 10 else WARN,
        key="offer_countdown",
    )


@ft.component
def OfferCard(offer: Offer, state: TechnicianState, on_accepted=None, full: bool = True):  # noqa: ANN001, ANN201
    async def accept(_e) -> None:  # noqa: ANN001
        action = await state.accept(offer)
        if on_accepted is not None and action.status != "rejected":
            on_accepted(offer.order_id)

    async def decline(_e) -> None:  # noqa: ANN001
        with contextlib.suppress(Exception):
            await state.decline(offer, "")

    lang = state.session.lang
    meters = offer.distance_m
    distance = navigation.format_distance(meters, lang) if meters is not None else "—"
    eta = t(lang, "offer.eta", n=navigation.eta_minutes(meters)) if meters is not None else ""
    money = offer_money(offer, lang)
    accept_label = t(lang, "offer.grab_now" if offer.source == "pool" else "offer.accept")
    buttons = [
        big_button(accept_label, accept, key=f"accept_{offer.order_id}", color=GO, height=80)
    ]
    if offer.source != "pool":
        buttons.append(
            big_button(
                t(lang, "offer.decline"),
                decline,
                key=f"decline_{offer.order_id}",
                color=STOP,
                height=80,
            )
        )
    return card(
        ft.Row(
            [
                ft.Text(
                    t(lang, "offer.new" if offer.source != "pool" else "offer.grab"),
                    size=22,
                    weight=ft.FontWeight.BOLD,
                ),
                Countdown(offer, state),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        ),
        ft.Text(
            local_name(lang, offer.service_name, offer.raw.service_name_en),
            size=30,
            weight=ft.FontWeight.BOLD,
            key=f"offer_service_{offer.order_id}",
        ),
        ft.Row(
            [
                ft.Icon(ft.Icons.PLACE, size=28),
                ft.Text(
                    f"{offer.district or '—'} · {distance}", size=26, weight=ft.FontWeight.BOLD
                ),
            ]
        ),
        ft.Text(eta, size=18, color=MUTED),
        ft.Row(
            [
                ft.Icon(ft.Icons.SCHEDULE, size=28),
                ft.Text(local_time(offer.scheduled_start), size=26, weight=ft.FontWeight.BOLD),
            ]
        ),
        ft.Row(
            [
                ft.Column(
                    [
                        ft.Text(
                            money[1][1],
                            size=HUGE,
                            weight=ft.FontWeight.BOLD,
                            color=GO,
                            key=f"offer_pay_{offer.order_id}",
                        ),
                        ft.Text(money[1][0], size=16, color=MUTED),
                    ],
                    spacing=2,
                ),
                ft.Column(
                    [
                        ft.Text(
                            money[0][1],
                            size=26,
                            weight=ft.FontWeight.BOLD,
                            key=f"offer_value_{offer.order_id}",
                        ),
                        ft.Text(money[0][0], size=16, color=MUTED),
                    ],
                    spacing=2,
                    horizontal_alignment=ft.CrossAxisAlignment.END,
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            vertical_alignment=ft.CrossAxisAlignment.END,
        ),
        ft.Text(t(lang, "offer.address_later"), size=14, color=MUTED),
        ft.Row(buttons, spacing=12),
        bgcolor=ft.Colors.AMBER_50 if full else None,
    )
