"""The order page: payment, live timeline, technician position and ETA, contact and
chat, a request to move the visit, work-order signing, change requests, completion,
review, complaint, cancel. A move's button shows when the server allows the move (the
order read's ``allowed_actions``), a section by the phase the order is in (its
``status_groups``)."""

from __future__ import annotations

import flet as ft

from client.i18n import rating_text
from client.maps import street_map
from client.models import ChangeItemRead, ChangeRequestRead, OrderRead
from customer_app.components.common import (
    act,
    button,
    catalog_names,
    keyed,
    local,
    muted,
    name_of,
    page_view,
    price_line,
    section,
)
from customer_app.i18n import money, status_label, t
from customer_app.model import order_bill
from customer_app.state import (
    CustomerState,
    allows,
    in_group,
)
from customer_app.views.family import family_payment
from customer_app.views.order_delay import delay_section
from customer_app.views.order_feedback import complaint_section, review_section
from customer_app.views.order_timeline import timeline_section
from customer_app.views.support import chat_panel
from customer_app.views.wallet import balance_payment


def technician_name(state: CustomerState) -> str:
    name = state.technician_name() or ""
    if not name:
        return t(state.session.lang, "technician")
    return (
        t(state.session.lang, "master", surname=name[:1], name=name)
        if state.session.lang == "zh"
        else name
    )


def header(state: CustomerState, o: OrderRead) -> ft.Control:
    lang = state.session.lang
    name = name_of(o, lang, "service_name")
    live = {
        "live": (t(lang, "live"), ft.Colors.GREEN_700),
        "reconnecting": (t(lang, "reconnecting"), ft.Colors.ORANGE_800),
    }.get(state.visit.feed_state)
    top = [
        keyed(
            "order-status",
            ft.Text(
                status_label(lang, o.status),
                size=22,
                weight=ft.FontWeight.BOLD,
                color=ft.Colors.TEAL_800,
            ),
            label=f"{t(lang, 'order')} {status_label(lang, o.status)}",
            live_region=True,
        )
    ]
    if live:
        top.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.CIRCLE, size=10, color=live[1]),
                    ft.Text(live[0], color=live[1], size=12),
                ],
                spacing=4,
                tight=True,
            )
        )
    when = f"{local(o.scheduled_start)}–{local(o.scheduled_end, '%H:%M')}"
    return section(
        name,
        ft.Row(top, alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        muted(t(lang, "placed_at", time=local(o.created_at)), 12),
        ft.Text(f"{t(lang, 'scheduled')}: {when}"),
        ft.Text(f"{t(lang, 'address')}: {o.address}"),
        *bill_lines(state, o),
    )


def bill_lines(state: CustomerState, o: OrderRead) -> list[ft.Control]:
    """What the order is worth now: the booked price, each approved extra on its own
    line, the total the server counts (``order_value``), and paid / still-due extras."""
    lang = state.session.lang
    bill = order_bill(
        o, state.visit.change_requests, catalog_names(state.visit.order_service, lang)
    )
    rows: list[ft.Control] = []
    if bill.extras:
        rows.append(price_line(t(lang, "booked_price"), bill.booked))
        for name, quantity, amount in bill.extras:
            rows.append(price_line(t(lang, "extra_line", name=name, quantity=quantity), amount))
    total = price_line(t(lang, "total"), bill.value, bold=True)
    rows.append(keyed("order-total", total, label=f"{t(lang, 'total')} {money(bill.value)}"))
    if bill.extras_paid:
        rows.append(price_line(t(lang, "extras_paid_line"), bill.extras_paid))
    if bill.due and o.status != "PENDING_PAYMENT":
        rows.append(price_line(t(lang, "amount_due_line"), bill.due))
    return rows


def payment_section(state: CustomerState, o: OrderRead) -> ft.Control:
    lang = state.session.lang
    pay = state.visit.payment
    checkout = pay.checkout if pay else {}  # the provider's own fields
    # what the code encodes, never the payment's id
    ref = checkout.get("qr_text") or checkout.get("qr") or checkout.get("url") or ""
    title = t(lang, "pay_title") if o.status == "PENDING_PAYMENT" else t(lang, "pay_extras")
    return section(
        title,
        ft.Row(
            [
                ft.Icon(ft.Icons.QR_CODE_2, size=96, color=ft.Colors.GREY_800),
                ft.Column(
                    [muted(t(lang, "pay_hint")), *([muted(str(ref)[:48], 11)] if ref else [])],
                    expand=True,
                ),
            ]
        ),
        button(
            "pay-confirm",
            t(lang, "confirm_payment", amount=money(state.amount_to_pay())),
            act(state.approve_sandbox_payment),
            expand=True,
            disabled=state.session.busy,
        ),
        *balance_payment(state),
        *family_payment(state),
    )


def tracking_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    tr = state.visit.tracking
    name = technician_name(state)
    if tr.distance_km is None:  # the position is shared from departure to arrival only
        on_the_way = state.visit.order is not None and state.visit.order.status == "EN_ROUTE"
        text = t(lang, "waiting_location" if on_the_way else "location_after_departure")
    else:
        text = t(lang, "eta", name=name, km=f"{tr.distance_km:.1f}", minutes=tr.eta_minutes)
    return section(
        t(lang, "on_the_way"),
        keyed(
            "eta", ft.Text(text, size=16, weight=ft.FontWeight.W_500), label=text, live_region=True
        ),
        mini_map(state),
    )


def mini_map(state: CustomerState) -> ft.Control:
    """The home and, once it is known, the technician on a street map."""
    o, tr = state.visit.order, state.visit.tracking
    if o is None or o.lat is None or o.lng is None:
        return ft.Container()
    here = (tr.lat, tr.lng) if tr.lat is not None and tr.lng is not None else None
    lang = state.session.lang
    street = street_map(
        (o.lat, o.lng),
        here,
        app="org.doorstep.customer",
        home_label=t(lang, "map_home"),
        mover_label=t(lang, "map_technician"),
    )
    return keyed("live_map", street, label="map")


def technician_section(state: CustomerState, o: OrderRead) -> ft.Control:
    lang = state.session.lang
    card = state.visit.technician_card
    rating = card.rating_avg if card else None
    line = technician_name(state) + (f"  ★{rating_text(float(rating))}" if rating else "")
    controls: list[ft.Control] = [
        ft.Row(
            [
                ft.CircleAvatar(content=ft.Text((state.technician_name() or "?")[:1])),
                ft.Text(line, expand=True),
                button(
                    "open-technician",
                    t(lang, "technician"),
                    act(state.open_technician, o.technician_id),
                    kind="text",
                )
                if card
                else ft.Container(),
            ]
        )
    ]
    number = state.contact_number()
    if number:
        controls.append(
            keyed(
                "contact",
                ft.Text(t(lang, "contact_number", number=number)),
                label=t(lang, "contact_number", number=number),
            )
        )
    return section(t(lang, "technician"), *controls)


def work_order_section(state: CustomerState, o: OrderRead) -> ft.Control:
    lang = state.session.lang
    steps = [ft.Text(f"{s.no}. {name_of(s, lang, 'title')}", size=13) for s in o.sop]
    return section(
        t(lang, "sign_work_order"),
        *steps,
        button(
            "sign-work-order", t(lang, "sign_work_order"), act(state.sign_work_order), expand=True
        ),
    )


def change_item(state: CustomerState, cr: ChangeRequestRead, item: ChangeItemRead) -> ft.Control:
    """One proposed item: the technician's photo and reason, the price, and the
    customer's answer (buttons while it waits, the answer once given)."""
    lang = state.session.lang
    item_id = item.id
    named = catalog_names(state.visit.order_service, lang).get(item.code) or item.name
    name = f"{named} × {item.quantity}"
    fid = item.photo_file_id
    if fid and fid in state.visit.photos:
        picture: ft.Control = ft.Image(
            src=state.visit.photos[fid], width=96, height=96, fit=ft.BoxFit.COVER, border_radius=8
        )
    else:
        picture = ft.Container(
            ft.Icon(ft.Icons.PHOTO_CAMERA, color=ft.Colors.GREY_500),
            width=96,
            height=96,
            border_radius=8,
            bgcolor=ft.Colors.GREY_100,
            alignment=ft.Alignment.CENTER,
        )
    reason = t(lang, "cr_reason", reason=item.reason or "—")
    details = ft.Column(
        [
            price_line(name, item.amount, bold=True),
            keyed(f"cr-reason-{item_id}", ft.Text(reason, size=13), label=reason),
        ],
        spacing=4,
        tight=True,
        expand=True,
    )
    rows: list[ft.Control] = [
        ft.Row(
            [keyed(f"cr-photo-{item_id}", picture, label=t(lang, "cr_photo")), details],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
    ]
    status = item.status
    if status == "pending" and cr.status == "awaiting_customer":
        rows.append(
            ft.Row(
                [
                    button(
                        f"cr-approve-{item_id}",
                        t(lang, "approve"),
                        act(state.decide_change_item, cr.id, item_id, True),
                    ),
                    button(
                        f"cr-reject-{item_id}",
                        t(lang, "reject"),
                        act(state.decide_change_item, cr.id, item_id, False),
                        kind="outlined",
                    ),
                ],
                alignment=ft.MainAxisAlignment.END,
            )
        )
    elif status in ("approved", "rejected"):
        rows.append(muted(t(lang, f"cr_{status}")))
    return ft.Container(
        ft.Column(rows, spacing=6, tight=True),
        padding=ft.Padding.only(top=6, bottom=6),
        border=ft.Border.only(bottom=ft.BorderSide(width=1, color=ft.Colors.GREY_200)),
    )


def change_request_section(state: CustomerState) -> list[ft.Control]:
    lang = state.session.lang
    out = []
    for cr in state.visit.change_requests:
        # awaiting_support: over the on-site cap, support looks first; answered: done
        if cr.status not in ("awaiting_customer", "awaiting_support"):
            continue
        items = [change_item(state, cr, i) for i in cr.items]
        items.append(price_line(t(lang, "total"), cr.total, bold=True))
        note = "cr_support" if cr.status == "awaiting_support" else "cr_each"
        out.append(section(t(lang, "change_request"), muted(t(lang, note)), *items))
    return out


def completion_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    photos: list[ft.Control] = [
        ft.Image(
            src=state.visit.photos[fid], width=100, height=100, fit=ft.BoxFit.COVER, border_radius=8
        )
        for fid in state.completion_photos()
        if fid in state.visit.photos
    ]
    return section(
        t(lang, "photos"),
        ft.Row(photos, wrap=True, spacing=6) if photos else muted(t(lang, "none")),
        button(
            "confirm-completion",
            t(lang, "confirm_done"),
            act(state.confirm_completion),
            expand=True,
        ),
    )


def cancel_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    if state.visit.cancel_quote is None:
        return button(
            "cancel-order", t(lang, "cancel_order"), act(state.load_cancel_quote), kind="outlined"
        )
    fee = state.cancel_fee() or 0
    refund = state.visit.cancel_quote.refund
    text = (
        t(lang, "cancel_fee", fee=money(fee), refund=money(refund))
        if fee
        else t(lang, "cancel_free")
    )
    return section(
        t(lang, "cancel_order"),
        keyed("cancel-fee", ft.Text(text), label=text),
        ft.Row(
            [
                button("cancel-confirm", t(lang, "cancel_confirm"), act(state.cancel)),
                button(
                    "cancel-keep", t(lang, "keep_order"), act(state.dismiss_cancel), kind="outlined"
                ),
            ]
        ),
    )


def order_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    o = state.visit.order
    if o is None:
        return page_view(state, state.session.route, t(lang, "order"), [muted(t(lang, "loading"))])
    status = o.status
    controls: list[ft.Control] = [header(state, o)]
    if state.amount_to_pay() > 0:
        controls.append(payment_section(state, o))
    if o.technician_id:
        controls.append(technician_section(state, o))
    delay = delay_section(state)  # the technician asks to move the visit
    if delay is not None:
        controls.append(delay)
    if state.shows_tracking():
        controls.append(tracking_section(state))
    if in_group(o, "work_order_open") and not o.work_order_confirmed_at:
        controls.append(work_order_section(state, o))
    controls += change_request_section(state)
    if allows(o, "confirm"):
        controls.append(completion_section(state))
    if status == "COMPLETED":  # a completed order is reviewed (not a cancelled one)
        controls.append(review_section(state))
    if allows(o, "dispute") or status == "DISPUTED":
        controls.append(complaint_section(state))
    if o.technician_id and not in_group(o, "terminal") and "chat" not in state.session.missing:
        controls.append(
            section(
                t(lang, "chat_technician"),
                chat_panel(state, state.visit.messages, "chat", act(state.submit_chat)),
            )
        )
    if allows(o, "cancel"):
        controls.append(cancel_section(state))
    controls.append(timeline_section(state))
    return page_view(state, state.session.route, t(lang, "order"), controls)
