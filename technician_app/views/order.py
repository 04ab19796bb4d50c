"""The order screen: navigate → depart → arrive (geofenced check-in) → work order
signature → start → SOP checklist (photos where required) → extra items → finish.
Chat with the customer, asking to move the visit (改约) and transfer live here too. One
big primary button per state, so accept → navigate → check in is three taps. What shows
follows the order read: a move's button when the server allows the move
(``allowed_actions``), a panel by the phase the order is in (``status_groups``)."""

from __future__ import annotations

import flet as ft

from client.maps import street_map
from technician_app import navigation, signature
from technician_app.components.camera_capture import take_photo
from technician_app.components.offer_card import local_time
from technician_app.components.widgets import (
    GO,
    PRIMARY,
    STOP,
    WARN,
    big_button,
    big_number,
    card,
    confirm_then,
    outline_button,
    text_field,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import local_name, t
from technician_app.signature import Point
from technician_app.state import (
    DEFAULT_CHECKIN_RADIUS_M,
    STATUS_LABELS,
    STATUS_NOTES,
    allows,
    in_group,
    yuan,
)
from technician_app.state.confirmations import confirmation_for
from technician_app.state.labels import order_value_label
from technician_app.views.order_customer_note import CustomerNoteCard
from technician_app.views.order_delay import DelayPanel
from technician_app.views.order_panels import (
    chat_panel,
    extras_panel,
    sop_panel,
    work_order_panel,
)


async def launch(url: str) -> None:
    await ft.UrlLauncher().launch_url(url)


@ft.component
def OrderView():  # noqa: ANN201
    state = use_app("work", "live", "me")
    params = ft.use_route_params()
    order_id = params.get("order_id", "")
    order = state.order(order_id)
    no_strokes: list[list[Point]] = []
    strokes, set_strokes = ft.use_state(no_strokes)
    reason, set_reason = ft.use_state("")
    chat_text, set_chat_text = ft.use_state("")
    extra_code, set_extra_code = ft.use_state("")
    extra_quantity, set_extra_quantity = ft.use_state("1")
    extra_reason, set_extra_reason = ft.use_state("")

    def load():  # noqa: ANN202
        async def run() -> None:
            fresh = await state.load_order(order_id)
            if fresh:
                await state.load_service(fresh.service_id)
            await state.load_messages(order_id)
            await state.load_change_requests(order_id)
            await state.load_delay_requests(order_id)
            await state.load_contact(order_id)

        ft.context.page.run_task(run)

    ft.use_effect(load, [order_id])
    route = f"/order/{order_id}"
    lang = state.session.lang
    if order is None:
        return view(
            route, t(lang, "order.short_title"), [ft.Text(t(lang, "order.missing"), size=20)], state
        )

    status = order.status
    service = state.work.services.get(order.service_id)
    rate_card = service.rate_card if service else []
    distance = state.distance_to(order)
    pending = state.pending_for(order_id)

    async def go_and_navigate() -> None:
        await state.depart(order_id)
        if order.lat is not None and order.lng is not None:
            await launch(navigation.map_links(order.lat, order.lng, order.district, lang)[0].url)

    async def go_only() -> None:
        await state.depart(order_id)

    async def depart_and_navigate(_e) -> None:  # noqa: ANN001
        await confirm_then(
            confirmation_for("depart", order, state.now(), lang), go_and_navigate, lang
        )

    async def depart(_e) -> None:  # noqa: ANN001
        await confirm_then(confirmation_for("depart", order, state.now(), lang), go_only, lang)

    async def arrive(_e) -> None:  # noqa: ANN001
        await state.arrive(order_id)

    async def sign(_e) -> None:  # noqa: ANN001
        if signature.ink_points(strokes) < 3:
            state.notify(t(lang, "order.sign_needed"), "error", "signature_required")
            return
        await state.sign_work_order(order_id, signature.render(strokes))
        set_strokes([])

    async def start(_e) -> None:  # noqa: ANN001
        await state.start(order_id)

    async def finish(_e) -> None:  # noqa: ANN001
        await confirm_then(
            confirmation_for("finish", order, state.now(), lang),
            lambda: state.finish(order_id),
            lang,
        )

    async def sos(_e) -> None:  # noqa: ANN001
        await confirm_then(
            confirmation_for("sos", order, state.now(), lang),
            lambda: state.sos(t(lang, "order.sos_note")),
            lang,
        )

    async def transfer(_e) -> None:  # noqa: ANN001
        action = await state.transfer(order_id, reason)
        if action is not None and action.status != "rejected":
            go("/")

    async def send(_e) -> None:  # noqa: ANN001
        text = chat_text
        set_chat_text("")
        await state.send_message(order_id, text)

    async def propose(_e) -> None:  # noqa: ANN001
        known = any(i["code"] == extra_code for i in rate_card)
        item = state.extra_item(extra_code if known else "", extra_quantity, extra_reason)
        if item is None:
            return
        action = await state.propose_change(order_id, [item], await take_photo(state.session.lang))
        if action is not None and action.status != "rejected":
            set_extra_quantity("1")
            set_extra_reason("")

    # -- header: what, where, when, how far ----------------------------------------------
    header = card(
        ft.Text(
            local_name(lang, order.service_name_zh, order.service_name_en),
            size=28,
            weight=ft.FontWeight.BOLD,
        ),
        ft.Text(
            STATUS_LABELS[lang].get(status, status)
            + (t(lang, "order.pending_sync") if pending else ""),
            size=22,
            weight=ft.FontWeight.BOLD,
            color=WARN if pending else PRIMARY,
            key="order_status",
        ),
        ft.Text(order.address or order.district, size=20, key="order_address"),
        ft.Text(t(lang, "order.scheduled", time=local_time(order.scheduled_start)), size=18),
        ft.Row(
            [
                big_number(
                    navigation.format_distance(distance, lang) if distance is not None else "—",
                    t(lang, "order.distance"),
                ),
                big_number(
                    t(lang, "order.minutes", n=navigation.eta_minutes(distance))
                    if distance is not None
                    else "—",
                    t(lang, "order.eta"),
                ),
                big_number(yuan(order.order_value), order_value_label(lang), color=GO),
            ],
            alignment=ft.MainAxisAlignment.SPACE_AROUND,
        ),
        ft.Row(
            [
                outline_button(
                    t(lang, "knowledge.for_order"),
                    lambda _e: go(f"/knowledge/{order.service_id}"),
                    key="order_knowledge",
                    icon=ft.Icons.MENU_BOOK,
                )
            ]
        ),
    )
    body: list[ft.Control] = [header]
    notes = state.customer_notes(order_id)
    if notes:
        body.append(_customer_notes(notes, t(lang, "order.customer_notes")))
    dial = state.dial_url(order_id)
    if dial is not None:
        body.append(
            ft.Row(
                [
                    outline_button(
                        t(lang, "order.call_customer"),
                        lambda _e, u=dial: ft.context.page.run_task(launch, u),
                        key="call_customer",
                        icon=ft.Icons.PHONE,
                    )
                ]
            )
        )

    if in_group(order, "tracking") and order.lat is not None and order.lng is not None:
        # where the door is, where I am, and the circle within which check-in counts
        body.append(
            street_map(
                (order.lat, order.lng),
                state.live.location,
                mover_icon=ft.Icons.PERSON_PIN_CIRCLE,
                circle_m=DEFAULT_CHECKIN_RADIUS_M,
                app="org.doorstep.technician",
            )
        )
        links = navigation.map_links(order.lat, order.lng, order.district, lang)
        body.append(
            ft.Row(
                [
                    ft.TextButton(
                        content=ft.Text(link.label, size=16),
                        key=f"map_{link.key}",
                        on_click=lambda _e, u=link.url: ft.context.page.run_task(launch, u),
                    )
                    for link in links
                ],
                wrap=True,
            )
        )

    if allows(order, "depart"):
        body.append(
            ft.Row(
                [
                    big_button(
                        t(lang, "order.navigate"),
                        depart_and_navigate,
                        key="navigate",
                        color=GO,
                        icon=ft.Icons.NAVIGATION,
                        height=80,
                    )
                ]
            )
        )
        body.append(ft.Row([outline_button(t(lang, "order.depart_only"), depart, key="depart")]))
    if allows(order, "arrive"):
        body.append(
            ft.Row(
                [
                    big_button(
                        t(lang, "order.arrive"),
                        arrive,
                        key="arrive",
                        color=GO,
                        icon=ft.Icons.PIN_DROP,
                        height=80,
                    )
                ]
            )
        )
    if in_group(order, "work_order_open"):
        body.append(work_order_panel(lang, order, service, strokes, set_strokes, sign))
    if allows(order, "start"):
        body.append(
            ft.Row(
                [
                    big_button(
                        t(lang, "order.start"),
                        start,
                        key="start",
                        color=GO,
                        icon=ft.Icons.PLAY_ARROW,
                        disabled=order.work_order_confirmed_at is None,
                        height=80,
                    )
                ]
            )
        )
    if in_group(order, "service_started"):
        body.append(sop_panel(state, order))
    if in_group(order, "working"):
        body.append(
            extras_panel(
                state,
                order,
                rate_card,
                {
                    "code": (extra_code, set_extra_code),
                    "quantity": (extra_quantity, set_extra_quantity),
                    "reason": (extra_reason, set_extra_reason),
                },
                propose,
            )
        )
    if allows(order, "finish"):
        all_done = all(s.done_at for s in order.sop)
        body.append(
            ft.Row(
                [
                    big_button(
                        t(lang, "order.finish"),
                        finish,
                        key="finish",
                        color=GO,
                        icon=ft.Icons.DONE_ALL,
                        disabled=not all_done,
                        height=80,
                    )
                ]
            )
        )
    if status in STATUS_NOTES[lang]:
        title, note = STATUS_NOTES[lang][status]
        body.append(
            card(
                ft.Text(title, size=24, weight=ft.FontWeight.BOLD, color=GO, key="status_note"),
                ft.Text(note, size=16),
            )
        )
    if state.may_request_delay(order_id) or state.last_delay(order_id) is not None:
        body.append(DelayPanel(state, order_id))
    if allows(order, "transfer"):
        body.append(
            card(
                ft.Text(t(lang, "order.transfer"), size=20, weight=ft.FontWeight.BOLD),
                text_field(
                    t(lang, "order.transfer_reason"), reason, set_reason, key="transfer_reason"
                ),
                ft.Row(
                    [
                        outline_button(
                            t(lang, "order.transfer_submit"),
                            transfer,
                            key="transfer",
                            icon=ft.Icons.SWAP_HORIZ,
                        )
                    ]
                ),
            )
        )
    if status not in ("CANCELLED",):
        body.append(chat_panel(state, order_id, chat_text, set_chat_text, send))
    if state.user is not None and order.technician_id == state.user.id:
        body.append(CustomerNoteCard(state, order_id))
    if in_group(order, "tracking") or in_group(order, "on_site"):
        body.append(
            ft.Row(
                [
                    big_button(
                        t(lang, "order.sos"), sos, key="order_sos", color=STOP, icon=ft.Icons.SOS
                    )
                ]
            )
        )
    return view(route, t(lang, "order.title"), body, state)


def _customer_notes(notes: str, heading: str) -> ft.Control:
    """The customer's notes right under the header, where they are read before knocking."""
    return card(
        ft.Row(
            [
                ft.Icon(ft.Icons.STICKY_NOTE_2, size=28, color=WARN),
                ft.Text(heading, size=20, weight=ft.FontWeight.BOLD, color=WARN),
            ]
        ),
        ft.Text(notes, size=22, weight=ft.FontWeight.BOLD, key="customer_notes", selectable=True),
    )
