"""The deposit (保证金): what the platform requires, what is held, what is missing, why (the
complaint rate, a cap on orders), every top-up, deduction and return with its reason, the
top-up itself (asked first: it is a payment) and the return of what it holds above the
requirement (asked first too). Opened from the earnings page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from technician_app.components.widgets import (
    GO,
    MUTED,
    STOP,
    WARN,
    big_button,
    big_number,
    card,
    confirm_then,
    language_menu,
    view,
)
from technician_app.context import use_app
from technician_app.i18n import t
from technician_app.state import yuan
from technician_app.state.confirmations import Confirmation
from technician_app.state.deposit_words import movement_reason, movement_text, standing_notes
from technician_app.state.labels import city_datetime_text


@ft.component
def DepositView():  # noqa: ANN201
    state = use_app("me")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_deposit)

    ft.use_effect(load, [])
    d = state.me.deposit
    lang = state.session.lang
    if "deposit" in state.session.unavailable:
        return view(
            "/deposit",
            t(lang, "deposit.title"),
            [ft.Text(t(lang, "deposit.unavailable"), size=18, color=MUTED)],
            state,
            back="/earnings",
        )

    def asked_first(texts: str, amount: int, then: Callable[[], Awaitable[object]]):  # noqa: ANN202
        """A tap that moves money: its confirmation (``texts``: the i18n group) first."""

        async def on_tap(_e) -> None:  # noqa: ANN001
            asked = Confirmation(
                t(lang, f"{texts}.title"),
                t(lang, f"{texts}.text", amount=yuan(amount)),
                t(lang, f"{texts}.ok"),
            )
            await confirm_then(asked, then, lang)

        return on_tap

    top_up = asked_first("deposit.confirm", d.shortfall if d else 0, state.top_up_deposit)
    take_back = asked_first(
        "deposit.return_confirm", d.returnable if d else 0, state.return_deposit
    )

    history: list[ft.Control] = []
    for i, m in enumerate((d.history or []) if d else []):
        reason = movement_reason(m, lang)
        history.append(
            ft.Row(
                [
                    ft.Column(
                        [
                            ft.Text(movement_text(m, lang), size=16, key=f"deposit_line_{i}"),
                            *([ft.Text(reason, size=14)] if reason else []),
                            ft.Text(city_datetime_text(m.at, lang), size=14, color=MUTED),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    ft.Text(
                        yuan(m.amount),
                        size=18,
                        weight=ft.FontWeight.BOLD,
                        color=GO if m.amount > 0 else STOP,
                    ),
                ]
            )
        )
    notes = standing_notes(d, lang) if d else []
    short = d is not None and d.shortfall > 0
    extra = d.returnable if d is not None else 0
    return view(
        "/deposit",
        t(lang, "deposit.title"),
        [
            card(
                # two figures a row: three of the big size do not fit a phone's width
                ft.Row(
                    [
                        big_number(yuan(d.required if d else None), t(lang, "deposit.required")),
                        big_number(
                            yuan(d.held if d else None),
                            t(lang, "deposit.held"),
                            color=STOP if d is not None and d.held < 0 else GO,
                            key="deposit_held",
                        ),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_AROUND,
                ),
                ft.Row(
                    [
                        big_number(
                            yuan(d.shortfall if d else None),
                            t(lang, "deposit.shortfall"),
                            color=WARN if short else MUTED,
                            key="deposit_shortfall",
                        )
                    ],
                    alignment=ft.MainAxisAlignment.CENTER,
                ),
                *[
                    ft.Text(
                        n, size=15, key=f"deposit_note_{i}", color=STOP if d and d.capped else None
                    )
                    for i, n in enumerate(notes)
                ],
                *(
                    [
                        ft.Text(
                            t(lang, "deposit.returnable", amount=yuan(extra)),
                            size=16,
                            color=GO,
                            key="deposit_returnable",
                        )
                    ]
                    if extra > 0
                    else []
                ),
            ),
            *(
                [
                    ft.Row(
                        [
                            big_button(
                                t(lang, "deposit.top_up", amount=yuan(d.shortfall)),
                                top_up,
                                key="deposit_top_up",
                                color=GO,
                            )
                        ]
                    )
                ]
                if short and d is not None
                else []
            ),
            *(
                [
                    ft.Row(
                        [
                            big_button(
                                t(lang, "deposit.return", amount=yuan(extra)),
                                take_back,
                                key="deposit_return",
                            )
                        ]
                    )
                ]
                if extra > 0
                else []
            ),
            card(
                ft.Text(t(lang, "deposit.history"), size=20, weight=ft.FontWeight.BOLD),
                *(history or [ft.Text(t(lang, "deposit.none"), color=MUTED)]),
            ),
        ],
        state,
        back="/earnings",
        actions=[language_menu(state)],
    )
