"""Sign in / sign up."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import (
    act,
    button,
    checkbox,
    do,
    field,
    heading,
    muted,
    page_view,
)
from customer_app.i18n import t
from customer_app.state import CustomerState


def login_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    registering = state.session.form.get("auth_mode") == "register"
    controls: list[ft.Control] = [muted(t(lang, "tagline"))]
    controls.append(field(state, "phone", t(lang, "phone"), keyboard=ft.KeyboardType.PHONE))
    if registering:  # optional: the phone's last digits stand in until one is given
        controls.append(field(state, "name", t(lang, "name_optional")))
    # the keyboard's enter / go key sends the form: no tap on the button needed
    controls.append(
        field(
            state, "password", t(lang, "password"), password=True, on_submit=act(state.submit_auth)
        )
    )
    if (
        registering
        and state.session.form.get("code_sent_to")
        == str(state.session.form.get("phone", "")).strip()
    ):
        # the phone is proved by the code texted to it (a sandbox server fills it in)
        controls.append(
            field(
                state,
                "code",
                t(lang, "code"),
                keyboard=ft.KeyboardType.NUMBER,
                on_submit=act(state.submit_auth),
            )
        )
        controls.append(
            button(
                "resend-code",
                t(lang, "resend_code"),
                act(state.send_code, str(state.session.form.get("phone", "")).strip()),
                kind="text",
            )
        )
    if registering:
        controls += consent_controls(state)
        controls.append(
            button("register-submit", t(lang, "register"), act(state.submit_auth), expand=True)
        )
        controls.append(
            button(
                "to-login", t(lang, "have_account"), act(state.set_auth_mode, "login"), kind="text"
            )
        )
    else:
        controls.append(
            button("login-submit", t(lang, "login"), act(state.submit_auth), expand=True)
        )
        controls.append(
            button(
                "to-register",
                t(lang, "no_account"),
                act(state.set_auth_mode, "register"),
                kind="text",
            )
        )
    title = t(lang, "register") if registering else t(lang, "login")
    return page_view(state, "/login", title, controls, nav=False)


def consent_controls(state: CustomerState) -> list[ft.Control]:
    """The tick the sign-up needs, with the 用户协议 and 隐私政策 readable right here."""
    lang = state.session.lang
    controls: list[ft.Control] = [
        checkbox(
            "consent",
            f"{t(lang, 'consent_agree')}{t(lang, 'terms_link')}{t(lang, 'privacy_link')}",
            bool(state.session.form.get("consent")),
            do(state.toggle_consent),
        ),
        ft.Row(
            [
                button(
                    "open-terms",
                    t(lang, "terms_link"),
                    act(state.open_policy, "terms"),
                    kind="text",
                ),
                button(
                    "open-privacy",
                    t(lang, "privacy_link"),
                    act(state.open_policy, "privacy"),
                    kind="text",
                ),
            ],
            wrap=True,
        ),
    ]
    shown = state.session.form.get("policy_open")
    policies = state.session.policies
    doc = next((d for d in policies.documents if d.code == shown), None) if policies else None
    if doc is not None and policies is not None:
        controls.append(
            ft.Container(
                content=ft.Column(
                    [
                        heading(doc.title),
                        muted(t(lang, "policy_version", version=policies.version), 12),
                        ft.Text(doc.text, selectable=True),
                        button(
                            "close-policy",
                            t(lang, "close_policy"),
                            act(state.open_policy, None),
                            kind="text",
                        ),
                    ],
                    spacing=6,
                    tight=True,
                ),
                padding=ft.Padding.all(12),
                border_radius=12,
                bgcolor=ft.Colors.WHITE,
                border=ft.Border.all(1, ft.Colors.GREY_200),
            )
        )
    return controls
