"""Booking: options, date and slot, address, notes, coupon and points, the live quote."""

from __future__ import annotations

from typing import Any

import flet as ft

from client.maps import pin_map
from customer_app.components.common import (
    KeyboardField,
    act,
    button,
    checkbox,
    chip,
    do,
    field,
    field_error,
    icon_button,
    keyed,
    muted,
    name_of,
    page_view,
    section,
)
from customer_app.i18n import coupon_name, money, t
from customer_app.state import BookingDraft, CustomerState
from customer_app.views.book_price import price_bar, quote_section


def options_section(state: CustomerState, d: BookingDraft) -> ft.Control:
    lang = state.session.lang
    s = state.catalog.service
    p = s.pricing if s else {}
    if p.get("unit") == "hour":
        qty_label = t(lang, "quantity_hours")
    else:
        qty_label = t(
            lang, "quantity_items", unit=p.get(f"unit_name_{lang}") or p.get("unit_name_zh") or ""
        )
    lo, hi = int(p.get("min_units") or 1), int(p.get("max_units") or 1)
    stepper = ft.Row(
        [
            ft.Text(qty_label, expand=True),
            icon_button(
                "units-minus",
                ft.Icons.REMOVE,
                t(lang, "less"),
                act(state.set_units, max(lo, (d.units or lo) - 1)),
            ),
            ft.Semantics(
                identifier="units-value",
                content=ft.Text(str(d.units), size=18, weight=ft.FontWeight.BOLD),
                label=f"{qty_label} {d.units}",
            ),
            icon_button(
                "units-plus",
                ft.Icons.ADD,
                t(lang, "more"),
                act(state.set_units, min(hi, (d.units or lo) + 1)),
            ),
        ]
    )
    controls: list[ft.Control] = [stepper]
    if p.get("area_band_m2"):
        controls.append(
            field(state, "area", t(lang, "area"), keyboard=ft.KeyboardType.NUMBER, width=200)
        )
    addons = s.addons if s else []  # free-form catalog entries: {code, name_zh, price}
    if addons:
        controls.append(muted(t(lang, "addons")))
        controls += [
            checkbox(
                f"addon-{a['code']}",
                f"{name_of(a, lang)}  +{money(int(a['price']))}",
                a["code"] in d.addons,
                do(state.toggle_addon, a["code"]),
            )
            for a in addons
        ]
    return section(name_of(s, lang) if s else "", *controls)


def time_section(state: CustomerState, d: BookingDraft) -> ft.Control:
    lang = state.session.lang
    days = []
    for day in state.bookable_days():
        weekday = t(lang, f"weekday.{day.weekday()}")
        label = t(lang, "day_chip", month=day.month, day=day.day, weekday=weekday)
        days.append(chip(f"day-{day.isoformat()}", label, d.day == day, act(state.set_day, day)))
    slots = []
    for slot in state.booking.slots:
        label = slot.label()
        if not slot.available:  # full by the server's count, or too soon / past
            label += f" {t(lang, 'slot_full' if slot.remaining == 0 else 'slot_closed')}"
        elif slot.remaining is not None:
            label += f" {t(lang, 'slot_left', n=slot.remaining)}"
        slots.append(
            chip(
                f"slot-{slot.key}",
                label,
                d.slot_start == slot.start,
                do(state.choose_slot, slot),
                disabled=not slot.available,
            )
        )
    controls: list[ft.Control] = [
        muted(t(lang, "date")),
        ft.Row(days, wrap=True, spacing=6),
        muted(t(lang, "time_slot")),
        ft.Row(slots, wrap=True, spacing=6),
        *field_error(state, "time_slot"),
    ]
    if not state.booking.slots_from_server:
        controls.append(muted(t(lang, "slots_estimated"), 12))
    return section(t(lang, "time_slot"), *controls)


def address_section(state: CustomerState, d: BookingDraft) -> ft.Control:
    lang = state.session.lang
    places = state.addresses()
    controls: list[ft.Control] = []
    if places:
        controls.append(muted(t(lang, "saved_places")))
        controls.append(
            ft.Row(
                [
                    chip(
                        f"place-{i}",
                        p.label or p.text[:12],
                        d.address == p,
                        act(state.set_address, p),
                    )
                    for i, p in enumerate(places)
                ],
                wrap=True,
                spacing=6,
            )
        )
    if d.address:
        here = f"{d.address.text} {d.address.detail}".strip()
        controls.append(
            keyed(
                "chosen-address",
                ft.Row(
                    [
                        ft.Icon(ft.Icons.PLACE, color=ft.Colors.TEAL_700, size=18),
                        ft.Text(here, expand=True),
                    ]
                ),
                label=here,
            )
        )
    controls.append(
        ft.Row(
            [
                field(
                    state,
                    "addr_query",
                    t(lang, "place_search"),
                    expand=True,
                    on_submit=act(state.search_places),
                    on_change=state.suggest_places,
                ),
                button(
                    "search-places",
                    t(lang, "search_places"),
                    act(state.search_places),
                    kind="tonal",
                ),
            ]
        )
    )
    controls.append(
        button(
            "use-my-location",
            t(lang, "use_my_location"),
            act(state.use_my_location),
            kind="text",
            icon=ft.Icons.MY_LOCATION,
        )
    )
    for i, hit in enumerate(state.booking.place_hits):
        label = f"{hit.name} · {hit.district}" if hit.district else hit.name
        controls.append(
            button(
                f"place-hit-{i}",
                label,
                act(state.choose_place, hit),
                kind="text",
                icon=ft.Icons.PLACE_OUTLINED,
            )
        )
    picked = state.booking.picked_place
    if picked is not None:

        async def pin_moved(e: Any) -> None:
            await state.move_pin(e.coordinates.latitude, e.coordinates.longitude)

        controls += [
            ft.Text(f"{t(lang, 'picked_place')}{picked.name} · {picked.address}"),
            muted(t(lang, "pin_moved" if state.booking.pin_moved else "move_pin"), 12),
            pin_map(
                (picked.lat, picked.lng),
                pin_moved,
                app="org.doorstep.customer",
                height=180,
                pin_label=t(lang, "pin_map"),
            ),
            KeyboardField(state, "addr_detail", t(lang, "address_detail")),
            field(state, "addr_label", t(lang, "address_label")),
            button(
                "save-address", t(lang, "save_address"), act(state.submit_address), kind="outlined"
            ),
        ]
    return section(t(lang, "address"), *controls)


def extras_section(state: CustomerState, d: BookingDraft) -> ft.Control:
    lang = state.session.lang
    controls: list[ft.Control] = [field(state, "notes", t(lang, "notes"), multiline=True)]
    if d.preferred_technician_id:
        name = (
            state.catalog.technician.name if state.catalog.technician else ""
        ) or d.preferred_technician_id
        controls.append(
            ft.Row(
                [
                    muted(t(lang, "preferred_technician")),
                    ft.Text(name),
                    button(
                        "clear-technician",
                        t(lang, "none"),
                        do(state.update_draft, preferred_technician_id=None),
                        kind="text",
                    ),
                ]
            )
        )
    balance = state.redeemable_points()
    if balance:
        controls.append(
            checkbox(
                "use-points",
                f"{t(lang, 'use_points')} ({t(lang, 'points_balance', points=balance)})",
                d.use_points,
                do(state.update_draft, use_points=not d.use_points),
            )
        )
    return section(t(lang, "notes"), *controls)


def coupon_section(state: CustomerState, d: BookingDraft) -> ft.Control:
    """The coupon the price uses (the best one unless the customer chose), as one line
    优惠券 -¥X, with 更换 opening the choice of another or none."""
    lang = state.session.lang
    saving = state.coupon_saving()
    if saving:
        shown = money(-saving)
    elif not state.me.coupons:
        shown = t(lang, "no_usable_coupon")
    else:
        shown = t(lang, "no_coupon")
    line = ft.Row(
        [
            ft.Text(t(lang, "coupon"), expand=True),
            ft.Text(shown, color=ft.Colors.RED_700 if saving else None),
            button(
                "change-coupon",
                t(lang, "change_coupon"),
                do(state.set_form, "coupon_picker", not state.session.form.get("coupon_picker")),
                kind="text",
            ),
        ]
    )
    controls: list[ft.Control] = [keyed("coupon-line", line, label=f"{t(lang, 'coupon')} {shown}")]
    if d.coupon_auto and saving:
        controls.append(muted(t(lang, "best_coupon_applied"), 12))
    if state.session.form.get("coupon_picker") and state.me.coupons:
        applied = state.applied_coupon()
        chips = [
            chip("coupon-best", t(lang, "best_coupon"), d.coupon_auto, do(state.use_best_coupon))
        ]
        chips += [
            chip(
                f"coupon-{c.id}",
                coupon_name(lang, c),
                d.coupon_id == c.id or (d.coupon_auto and applied == c.id),
                do(state.choose_coupon, c.id),
            )
            for c in state.me.coupons
        ]
        chips.append(
            chip(
                "coupon-none",
                t(lang, "no_coupon"),
                d.coupon_id is None and not d.coupon_auto,
                do(state.choose_coupon, None),
            )
        )
        controls.append(ft.Row(chips, wrap=True, spacing=6))
    return section(t(lang, "coupon"), *controls)


def book_view(state: CustomerState) -> ft.View:
    """The sections scroll in a column of their own, keyed by the booking, so the page
    opens at its top (the screen before may have been scrolled down, and a view
    reused in place keeps its offset); the price bar stays below them."""
    lang, d = state.session.lang, state.booking.draft
    if d is None:
        return page_view(
            state, state.session.route, t(lang, "book_title"), [muted(t(lang, "loading"))]
        )
    body = ft.Column(
        [
            options_section(state, d),
            time_section(state, d),
            address_section(state, d),
            coupon_section(state, d),
            extras_section(state, d),
            quote_section(state),
        ],
        key=f"booking-{d.service_id}",
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    # the body scrolls, not the page: the price bar and the top stay put
    return page_view(
        state,
        state.session.route,
        t(lang, "book_title"),
        [body],
        nav=False,
        bottom=price_bar(state),
    )
