"""The order screen's panels, each for one phase of the visit: the electronic work order
the customer signs, the SOP checklist with its photos, extra items proposed on site, and
the chat with the customer."""

from __future__ import annotations

import flet as ft

from client.models import OrderRead, ServiceRead
from technician_app.components.camera_capture import take_photo
from technician_app.components.signature_pad import SignaturePad
from technician_app.components.widgets import (
    GO,
    HUGE,
    MUTED,
    PRIMARY,
    STOP,
    WARN,
    big_button,
    card,
    outline_button,
    text_field,
)
from technician_app.i18n import local_name, t
from technician_app.state import TechnicianState, UnsentMessage, in_group, yuan


def work_order_panel(
    lang: str,
    order: OrderRead,
    service: ServiceRead | None,
    strokes,
    set_strokes,
    sign,  # noqa: ANN001
) -> ft.Control:
    lines = order.price_snapshot.get("lines") or []
    items = [
        ft.Row(
            [
                ft.Text(line.get("label", line.get("code", "")), size=16, expand=True),
                ft.Text(yuan(line.get("amount")), size=16),
            ]
        )
        for line in lines
    ]
    criteria = (
        local_name(lang, service.acceptance_criteria_zh, service.acceptance_criteria_en)
        if service
        else ""
    )
    if order.work_order_confirmed_at is not None:
        return card(
            ft.Text(
                t(lang, "work_order.confirmed"),
                size=20,
                weight=ft.FontWeight.BOLD,
                color=GO,
                key="work_order_confirmed",
            ),
            ft.Text(t(lang, "work_order.pdf_saved"), size=14, color=MUTED),
        )
    return card(
        ft.Text(t(lang, "work_order.title"), size=20, weight=ft.FontWeight.BOLD),
        *items,
        ft.Row(
            [
                ft.Text(
                    t(lang, "work_order.total"), size=18, weight=ft.FontWeight.BOLD, expand=True
                ),
                ft.Text(yuan(order.total), size=24, weight=ft.FontWeight.BOLD, color=GO),
            ]
        ),
        ft.Text(t(lang, "work_order.criteria", text=criteria) if criteria else "", size=15),
        ft.Text(t(lang, "work_order.sign_hint"), size=15, color=MUTED),
        SignaturePad(strokes, set_strokes, t(lang, "work_order.signature_area")),
        ft.Row(
            [
                big_button(t(lang, "work_order.sign"), sign, key="sign_work_order", color=PRIMARY),
                outline_button(
                    t(lang, "work_order.clear"),
                    lambda _e: set_strokes([]),
                    key="clear_signature",
                    expand=False,
                ),
            ]
        ),
    )


def sop_panel(state: TechnicianState, order: OrderRead) -> ft.Control:
    steps = order.sop
    next_step = next((s for s in steps if not s.done_at), None)
    lang = state.session.lang
    rows: list[ft.Control] = [ft.Text(t(lang, "sop.title"), size=22, weight=ft.FontWeight.BOLD)]
    for step in steps:
        done = step.done_at is not None
        rows.append(
            ft.Row(
                [
                    ft.Icon(
                        ft.Icons.CHECK_CIRCLE if done else ft.Icons.RADIO_BUTTON_UNCHECKED,
                        size=32,
                        color=GO if done else MUTED,
                    ),
                    ft.Text(
                        f"{step.no}. {local_name(lang, step.title_zh, step.title_en)}",
                        size=18,
                        expand=True,
                        weight=ft.FontWeight.BOLD if step is next_step else None,
                    ),
                    _step_photo(state, order.id, step.no) if step.photo else ft.Container(),
                ]
            )
        )
    if next_step is not None and in_group(order, "working"):
        no, needs_photo = next_step.no, next_step.photo

        async def tick(_e) -> None:  # noqa: ANN001
            photo = await take_photo(lang) if needs_photo else None
            if needs_photo and photo is None:
                state.notify(t(lang, "notice.photo_required"), "error", "sop_photo_required")
                return
            await state.sop_done(order.id, no, photo=photo)

        label = t(lang, "sop.photo_and_done" if needs_photo else "sop.done", no=no)
        rows.append(
            ft.Row(
                [
                    big_button(
                        label,
                        tick,
                        key=f"sop_{no}",
                        color=GO,
                        icon=ft.Icons.PHOTO_CAMERA if needs_photo else ft.Icons.CHECK,
                    )
                ]
            )
        )
    done_count = sum(1 for s in steps if s.done_at)
    rows.insert(
        1,
        ft.Text(
            f"{done_count} / {len(steps)}",
            size=HUGE,
            weight=ft.FontWeight.BOLD,
            color=PRIMARY,
            key="sop_progress",
        ),
    )
    return card(*rows)


def _step_photo(state: TechnicianState, order_id: str, no: int) -> ft.Control:
    """The photo taken for a step on this device, small; else the camera mark."""
    taken = state.work.step_photos.get((order_id, no))
    if taken is None:
        return ft.Icon(ft.Icons.PHOTO_CAMERA, size=24, color=WARN)
    return ft.Image(
        src=taken,
        width=56,
        height=56,
        fit=ft.BoxFit.COVER,
        border_radius=8,
        semantics_label=t(state.session.lang, "sop.photo_of", no=no),
        key=f"sop_photo_{no}",
    )


def extras_panel(state: TechnicianState, order: OrderRead, rate_card, form, propose) -> ft.Control:  # noqa: ANN001
    """Extra items: pick one from the rate card, how many, and why (the customer reads the
    reason when deciding); the photo is taken on submit. ``form``: each field's value and
    setter by name (``code``, ``quantity``, ``reason``)."""
    (code, set_code), (quantity, set_quantity), (reason, set_reason) = (
        form["code"],
        form["quantity"],
        form["reason"],
    )
    lang = state.session.lang
    requests = state.work.change_requests.get(order.id, [])
    rows = [
        ft.Text(
            f"{', '.join(f'{i.name or i.code} ×{i.quantity}' for i in r.items)} · "
            f"{yuan(r.total)} · {_request_status(lang, r.status)}\n"
            + t(lang, "extras.reason_line", text="; ".join(i.reason for i in r.items)),
            size=16,
        )
        for r in requests
    ]
    options = [
        ft.DropdownOption(
            key=i["code"],
            text=f"{local_name(lang, i.get('name_zh'), i.get('name_en'))} {yuan(i['price'])}",
        )
        for i in rate_card
    ]
    return card(
        ft.Text(t(lang, "extras.title"), size=20, weight=ft.FontWeight.BOLD),
        ft.Dropdown(
            label=t(lang, "extras.pick"),
            value=code or None,
            options=options,
            key="extra_item",
            on_select=lambda e: set_code(e.control.value or ""),
        ),
        text_field(
            t(lang, "extras.quantity"),
            quantity,
            set_quantity,
            key="extra_quantity",
            keyboard=ft.KeyboardType.NUMBER,
        ),
        text_field(
            t(lang, "extras.reason"), reason, set_reason, key="extra_reason", multiline=True
        ),
        ft.Row(
            [
                outline_button(
                    t(lang, "extras.submit"), propose, key="propose_extra", icon=ft.Icons.ADD
                )
            ]
        ),
        *rows,
        ft.Text(
            t(lang, "extras.unavailable") if "change_requests" in state.session.unavailable else "",
            size=14,
            color=STOP,
        ),
    )


_REQUEST_STATUSES = ("awaiting_support", "awaiting_customer", "answered", "approved", "rejected")


def _request_status(lang: str, status: str) -> str:
    """Where an extra-items request stands, in the technician's words."""
    return t(lang, f"extras.{status}" if status in _REQUEST_STATUSES else "extras.in_progress")


def chat_panel(state: TechnicianState, order_id: str, text: str, set_text, send) -> ft.Control:  # noqa: ANN001
    lang = state.session.lang
    messages = state.work.messages.get(order_id, [])[-8:]
    rows = [
        ft.Text(
            t(lang, "chat.me" if m.sender_role == "technician" else "chat.customer")
            + m.text
            + (t(lang, "chat.unsent") if isinstance(m, UnsentMessage) else ""),
            size=16,
        )
        for m in messages
    ]
    return card(
        ft.Text(t(lang, "chat.title"), size=20, weight=ft.FontWeight.BOLD),
        *rows,
        ft.Row(
            [
                ft.Container(
                    text_field(t(lang, "chat.input"), text, set_text, key="chat_input"), expand=True
                ),
                big_button(t(lang, "chat.send"), send, key="chat_send", expand=False, height=56),
            ]
        ),
        ft.Text(
            t(lang, "chat.unavailable") if "chat" in state.session.unavailable else "",
            size=14,
            color=STOP,
        ),
    )
