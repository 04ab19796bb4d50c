"""The order page's 客户备注 card: tags (chips, plus his own), a private note and a
follow-up reminder in N days, saved as his record of the order's customer
(``state.customers``). Only on orders he serves."""

from __future__ import annotations

import flet as ft

from technician_app.components.widgets import GO, MUTED, big_button, card, text_field
from technician_app.i18n import t
from technician_app.state import TechnicianState
from technician_app.state.customers import PRESET_TAGS, REMIND_DAYS


@ft.component
def CustomerNoteCard(state: TechnicianState, order_id: str):  # noqa: ANN201
    lang = state.session.lang
    saved = state.work.customer_records.get(order_id)
    tags, set_tags = ft.use_state(list(saved.tags) if saved else [])
    own_tag, set_own_tag = ft.use_state("")
    note, set_note = ft.use_state(saved.note if saved else "")
    days, set_days = ft.use_state(0)
    what, set_what = ft.use_state(saved.remind_what if saved else "")

    def load():  # noqa: ANN202
        async def run() -> None:
            await state.load_customer_note(order_id)
            got = state.work.customer_records.get(order_id)
            if got is not None:
                set_tags(list(got.tags))
                set_note(got.note)
                set_what(got.remind_what)

        ft.context.page.run_task(run)

    ft.use_effect(load, [order_id])

    def toggle(tag: str):  # noqa: ANN202
        return lambda _e: set_tags([x for x in tags if x != tag] if tag in tags else [*tags, tag])

    async def save(_e) -> None:  # noqa: ANN001
        chosen = [*tags, own_tag.strip()] if own_tag.strip() else tags
        if await state.save_customer_note(
            order_id, tags=chosen, note=note, remind_in_days=days, remind_what=what
        ):
            set_own_tag("")
            set_days(0)
            got = state.work.customer_records.get(order_id)
            set_tags(list(got.tags) if got else chosen)

    shown_tags = list(dict.fromkeys([*PRESET_TAGS, *tags]))
    reminder: list[ft.Control] = []
    current = state.work.customer_records.get(order_id)
    if current is not None and current.remind_on is not None:
        day = f"{current.remind_on.month}/{current.remind_on.day}"
        reminder.append(
            ft.Text(
                t(lang, "customer_note.reminder_set", day=day, what=current.remind_what),
                size=15,
                color=GO,
                key="customer_note_reminder",
            )
        )
    return card(
        ft.Text(t(lang, "customer_note.title"), size=20, weight=ft.FontWeight.BOLD),
        ft.Text(t(lang, "customer_note.tags"), size=15, color=MUTED),
        ft.Row(
            [
                ft.Chip(
                    label=ft.Text(tag, size=15),
                    selected=tag in tags,
                    on_select=toggle(tag),
                    key=f"customer_tag_{i}",
                )
                for i, tag in enumerate(shown_tags)
            ],
            wrap=True,
            spacing=6,
        ),
        text_field(t(lang, "customer_note.own_tag"), own_tag, set_own_tag, key="customer_own_tag"),
        text_field(
            t(lang, "customer_note.note"), note, set_note, key="customer_note", multiline=True
        ),
        ft.Text(t(lang, "customer_note.remind"), size=15, color=MUTED),
        ft.Row(
            [
                ft.Chip(
                    label=ft.Text(
                        t(lang, "customer_note.remind_days", n=n)
                        if n
                        else t(lang, "customer_note.remind_none"),
                        size=15,
                    ),
                    selected=days == n,
                    show_checkmark=False,
                    on_select=lambda _e, n=n: set_days(n),
                    key=f"remind_days_{n}",
                )
                for n in REMIND_DAYS
            ],
            wrap=True,
            spacing=6,
        ),
        *(
            [text_field(t(lang, "customer_note.remind_what"), what, set_what, key="remind_what")]
            if days
            else []
        ),
        *reminder,
        ft.Row([big_button(t(lang, "customer_note.save"), save, key="save_customer_note")]),
    )
