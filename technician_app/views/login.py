"""Sign in (part of the home route when signed out) and sign up."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from technician_app.components.widgets import (
    GO,
    PRIMARY,
    big_button,
    card,
    outline_button,
    text_field,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import t
from technician_app.state import TechnicianState


@ft.component
def LoginForm():  # noqa: ANN201
    state = use_app()
    phone, set_phone = ft.use_state("")
    password, set_password = ft.use_state("")

    async def submit(_e) -> None:  # noqa: ANN001
        # the home route shows this form while signed out and the day once signed in, so
        # nothing navigates: a screen opened while the sign-in finishes loading stays open
        await state.login(phone.strip(), password)

    lang = state.session.lang
    return ft.Column(
        [
            ft.Text(t(lang, "login.brand"), size=32, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.Text(t(lang, "login.tagline"), size=16),
            text_field(
                t(lang, "login.phone"),
                phone,
                set_phone,
                key="login_phone",
                keyboard=ft.KeyboardType.PHONE,
            ),
            text_field(
                t(lang, "login.password"),
                password,
                set_password,
                key="login_password",
                password=True,
            ),
            ft.Row(
                [
                    big_button(
                        t(lang, "login.submit"),
                        submit,
                        key="login_submit",
                        disabled=state.session.busy,
                    )
                ]
            ),
            ft.Row(
                [
                    outline_button(
                        t(lang, "login.to_signup"), lambda _e: go("/signup"), key="to_signup"
                    )
                ]
            ),
        ],
        spacing=16,
    )


@ft.component
def SignupView():  # noqa: ANN201
    state = use_app()
    name, set_name = ft.use_state("")
    phone, set_phone = ft.use_state("")
    password, set_password = ft.use_state("")
    code, set_code = ft.use_state("")
    code_sent_to, set_code_sent_to = ft.use_state("")
    agreed, set_agreed = ft.use_state(False)
    reading, set_reading = ft.use_state("")  # the code of the agreement opened to read

    def load_policies():  # noqa: ANN202
        ft.context.page.run_task(state.load_policies)

    ft.use_effect(load_policies, [])

    async def send_code() -> str:
        sent = await state.send_code(phone.strip())
        if sent is not None:
            set_code_sent_to(phone.strip())
            set_code(sent)
        return sent or ""

    async def submit(_e) -> None:  # noqa: ANN001
        if state.consent_missing(agreed):  # before anything is texted to the phone
            return
        # first the phone is proved: the code texted to it (a sandbox server fills it in)
        typed = code
        if code_sent_to != phone.strip():
            typed = await send_code()
            if not typed:
                return  # the technician types the code from the text message
            # a sandbox server filled it in, as a phone's one-time-code autofill would
        if await state.register(
            phone=phone.strip(), password=password, name=name.strip(), code=typed, agreed=agreed
        ):
            go("/")

    async def resend(_e) -> None:  # noqa: ANN001
        await send_code()

    lang = state.session.lang
    code_fields: list[ft.Control] = []
    if code_sent_to and code_sent_to == phone.strip():
        code_fields = [
            text_field(
                t(lang, "signup.code"),
                code,
                set_code,
                key="signup_code",
                keyboard=ft.KeyboardType.NUMBER,
            ),
            ft.Row([outline_button(t(lang, "signup.resend"), resend, key="signup_resend")]),
        ]

    return view(
        "/signup",
        t(lang, "signup.title"),
        [
            text_field(t(lang, "signup.name"), name, set_name, key="signup_name"),
            text_field(
                t(lang, "login.phone"),
                phone,
                set_phone,
                key="signup_phone",
                keyboard=ft.KeyboardType.PHONE,
            ),
            text_field(
                t(lang, "signup.password"),
                password,
                set_password,
                key="signup_password",
                password=True,
            ),
            *code_fields,
            *consent_controls(state, agreed, set_agreed, reading, set_reading),
            ft.Row(
                [
                    big_button(
                        t(lang, "signup.submit"),
                        submit,
                        key="signup_submit",
                        color=GO,
                        disabled=state.session.busy,
                    )
                ]
            ),
            ft.Text(t(lang, "signup.next_steps"), size=15),
        ],
        state,
    )


def consent_controls(
    state: TechnicianState,
    agreed: bool,
    set_agreed: Callable[[bool], None],
    reading: str,
    set_reading: Callable[[str], None],
) -> list[ft.Control]:
    """The tick for the 技师服务协议 and 技师隐私政策, each readable in full here first."""
    lang = state.session.lang
    policies = state.session.policies
    documents = policies.documents if policies else []
    links: list[ft.Control] = [
        ft.TextButton(
            content=ft.Text(f"《{d.title}》", size=16),
            key=f"policy_{d.code}",
            on_click=lambda _e, code=d.code: set_reading("" if reading == code else code),
        )
        for d in documents
    ]
    controls: list[ft.Control] = [
        ft.Checkbox(
            label=t(lang, "signup.consent"),
            value=agreed,
            key="signup_consent",
            label_style=ft.TextStyle(size=16),
            on_change=lambda e: _agree(state, set_agreed, bool(e.control.value)),
        ),
        ft.Row(links, wrap=True, spacing=0),
    ]
    shown = next((d for d in documents if d.code == reading), None)
    if shown is not None and policies is not None:
        controls.append(
            card(
                ft.Text(shown.title, size=20, weight=ft.FontWeight.BOLD),
                ft.Text(t(lang, "signup.policy_version", version=policies.version), size=13),
                ft.Text(shown.text, size=15, key="policy_text"),
            )
        )
    return controls


def _agree(state: TechnicianState, set_agreed: Callable[[bool], None], agreed: bool) -> None:
    set_agreed(agreed)
    if agreed:
        state.consent_given()
