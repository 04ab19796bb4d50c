"""Ratings received, and complaints against me with the right to answer."""

from __future__ import annotations

import flet as ft

from client.i18n import rating_text
from technician_app.components.widgets import MUTED, WARN, card, outline_button, text_field, view
from technician_app.context import use_app
from technician_app.i18n import t


@ft.component
def RatingsView():  # noqa: ANN201
    state = use_app("me")
    no_answers: dict[str, str] = {}  # complaint id → the answer being typed
    answers, set_answers = ft.use_state(no_answers)

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_reviews)

    ft.use_effect(load, [])
    lang = state.session.lang
    reviews = [
        card(
            ft.Text(
                "★" * round(r.overall)
                + "☆" * (5 - round(r.overall))
                + f"  {rating_text(r.overall)}",
                size=26,
                color=WARN,
            ),
            ft.Text(f"{r.author_name}：{r.text}", size=16),
        )
        for r in state.me.reviews
    ]
    complaints: list[ft.Control] = []
    for c in state.me.complaints:
        cid = c.id

        async def reply(_e, cid=cid) -> None:  # noqa: ANN001
            await state.answer_complaint(cid, answers.get(cid, ""))

        def typed(text: str, cid: str = cid) -> None:
            set_answers(lambda cur: {**cur, cid: text})

        complaints.append(
            card(
                ft.Text(
                    c.category or t(lang, "ratings.complaint"), size=20, weight=ft.FontWeight.BOLD
                ),
                ft.Text(c.text, size=16),
                ft.Text(
                    t(lang, "ratings.my_answer", text=c.technician_answer)
                    if c.technician_answer
                    else "",
                    size=16,
                ),
                ft.Text(t(lang, "ratings.status", status=c.status), size=14, color=MUTED),
                text_field(
                    t(lang, "ratings.answer_field"),
                    answers.get(cid, ""),
                    typed,
                    key=f"complaint_answer_{cid}",
                    multiline=True,
                ),
                ft.Row(
                    [
                        outline_button(
                            t(lang, "ratings.answer_submit"), reply, key=f"complaint_reply_{cid}"
                        )
                    ]
                ),
            )
        )
    missing = "reviews" in state.session.unavailable
    return view(
        "/ratings",
        t(lang, "nav.ratings"),
        [
            ft.Text(t(lang, "ratings.received"), size=22, weight=ft.FontWeight.BOLD),
            *(
                reviews
                or [
                    ft.Text(
                        t(lang, "ratings.unavailable" if missing else "ratings.none"), color=MUTED
                    )
                ]
            ),
            ft.Text(t(lang, "ratings.complaints"), size=22, weight=ft.FontWeight.BOLD),
            *(complaints or [ft.Text(t(lang, "ratings.no_complaints"), color=MUTED)]),
        ],
        state,
    )
