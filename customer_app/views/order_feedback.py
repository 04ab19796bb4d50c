"""After the visit: the review (four dimensions, words, photos) and the complaint
(a category, words, photos), each with thumbnails of the photos picked."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import (
    act,
    button,
    chip,
    do,
    field,
    icon_button,
    keyed,
    muted,
    section,
)
from customer_app.i18n import t
from customer_app.state import REVIEW_DIMENSIONS, CustomerState

COMPLAINT_CATEGORIES = ("quality", "late", "damage", "attitude", "overcharge", "other")


async def pick_photos(state: CustomerState, what: str) -> None:
    """Let the customer attach photos to a review or a complaint (the picker is UI; the
    bytes go to the state)."""
    files = await ft.FilePicker().pick_files(
        allow_multiple=True, with_data=True, file_type=ft.FilePickerFileType.IMAGE
    )
    state.attach_photos(what, [(f.name, f.bytes) for f in files or [] if f.bytes])


def photo_picker(state: CustomerState, what: str) -> ft.Control:
    """The add-photos button and a thumbnail of each photo picked, each removable: the
    customer sees what will be sent."""
    lang = state.session.lang
    attached = state.session.form.get(f"{what}_photos") or []
    thumbs = [
        ft.Stack(
            [
                ft.Image(src=data, width=72, height=72, fit=ft.BoxFit.COVER, border_radius=8),
                ft.Container(
                    content=icon_button(
                        f"{what}-photo-drop-{i}",
                        ft.Icons.CLOSE,
                        t(lang, "remove_photo"),
                        do(state.drop_photo, what, i),
                    ),
                    right=-8,
                    top=-8,
                ),
            ],
            width=72,
            height=72,
        )
        for i, (_name, data) in enumerate(attached)
    ]
    add = button(
        f"{what}-photos",
        f"{t(lang, 'photos')} ({len(attached)})",
        act(pick_photos, state, what),
        kind="outlined",
        icon=ft.Icons.PHOTO_CAMERA,
    )
    return ft.Row([*thumbs, add], wrap=True, spacing=8, run_spacing=8)


def review_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    if state.visit.reviewed:
        return section(t(lang, "review"), *written_review(state))
    rows = []
    for dim in REVIEW_DIMENSIONS:
        current = int(state.session.form.get(f"review_{dim}", 5))
        stars = [
            chip(
                f"rate-{dim}-{n}",
                "★" * n if n == current else str(n),
                n == current,
                do(state.set_form, f"review_{dim}", n),
            )
            for n in range(1, 6)
        ]
        rows.append(
            ft.Row([ft.Text(t(lang, f"dim_{dim}"), width=80), *stars], wrap=True, spacing=4)
        )
    return section(
        t(lang, "write_review"),
        *rows,
        field(state, "review_text", t(lang, "review_text"), multiline=True),
        photo_picker(state, "review"),
        button(
            "submit-review", t(lang, "submit_review"), act(state.submit_review_form), expand=True
        ),
    )


def written_review(state: CustomerState) -> list[ft.Control]:
    """The customer's review as sent: each dimension's stars, the words, the photos' count."""
    lang, mine = state.session.lang, state.visit.my_review
    if mine is None:
        return [ft.Text(t(lang, "reviewed"))]
    rows: list[ft.Control] = []
    for dim in REVIEW_DIMENSIONS:
        stars = getattr(mine, dim, None)
        if stars:
            line = f"{t(lang, f'dim_{dim}')}  {'★' * stars}{'☆' * (5 - stars)}"
            rows.append(keyed(f"my-review-{dim}", ft.Text(line), label=line))
    if mine.text:
        rows.append(ft.Text(mine.text))
    if mine.photo_file_ids:
        rows.append(muted(t(lang, "review_photos_sent", n=len(mine.photo_file_ids))))
    return [ft.Text(t(lang, "reviewed")), *rows]


def complaint_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    if state.visit.complaint is not None or (
        state.visit.order and state.visit.order.status == "DISPUTED"
    ):
        return section(t(lang, "complain"), ft.Text(t(lang, "complaint_filed")))
    if not state.session.form.get("complaint_open"):
        return button(
            "open-complaint",
            t(lang, "complain"),
            do(state.set_form, "complaint_open", True),
            kind="outlined",
            icon=ft.Icons.REPORT_PROBLEM,
        )
    current = state.session.form.get("complaint_category", "quality")
    chips = [
        chip(
            f"complaint-{c}",
            t(lang, f"cat_{c}"),
            c == current,
            do(state.set_form, "complaint_category", c),
        )
        for c in COMPLAINT_CATEGORIES
    ]
    return section(
        t(lang, "complain"),
        muted(t(lang, "complaint_category")),
        ft.Row(chips, wrap=True, spacing=6),
        field(state, "complaint_text", t(lang, "complaint_text"), multiline=True),
        photo_picker(state, "complaint"),
        button(
            "submit-complaint",
            t(lang, "submit_complaint"),
            act(state.submit_complaint_form),
            expand=True,
        ),
    )
