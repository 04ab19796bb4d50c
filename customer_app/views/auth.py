"""Sign in / sign up."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import act, button, field, muted, page_view
from customer_app.i18n import t
from customer_app.state import CustomerState


def login_view(state: CustomerState) -> ft.View:
    lang = state.lang
    registering = state.form.get("auth_mode") == "register"
    controls: list[ft.Control] = [muted(t(lang, "tagline"))]
    controls.append(field(state, "phone", t(lang, "phone"), keyboard=ft.KeyboardType.PHONE))
    controls.append(field(state, "password", t(lang, "password"), password=True))
    if registering:
        controls.append(field(state, "name", t(lang, "name")))
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
