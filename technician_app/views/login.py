"""Sign in (part of the home route when signed out) and sign up."""

from __future__ import annotations

import flet as ft

from technician_app.components.widgets import (
    GO,
    PRIMARY,
    big_button,
    outline_button,
    text_field,
    view,
)
from technician_app.context import go, use_app


@ft.component
def LoginForm():  # noqa: ANN201
    state = use_app()
    phone, set_phone = ft.use_state("")
    password, set_password = ft.use_state("")

    async def submit(_e) -> None:  # noqa: ANN001
        if await state.login(phone.strip(), password):
            go("/")

    return ft.Column(
        [
            ft.Text("Doorstep 技师端", size=32, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.Text("接单 · 导航 · 签到 · 规范服务", size=16),
            text_field(
                "手机号", phone, set_phone, key="login_phone", keyboard=ft.KeyboardType.PHONE
            ),
            text_field("密码", password, set_password, key="login_password", password=True),
            ft.Row([big_button("登录", submit, key="login_submit", disabled=state.busy)]),
            ft.Row([outline_button("注册成为技师", lambda _e: go("/signup"), key="to_signup")]),
            ft.Text(f"服务器：{state.server_url}", size=12),
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

    async def send_code() -> str:
        sent = await state.send_code(phone.strip())
        if sent is not None:
            set_code_sent_to(phone.strip())
            set_code(sent)
        return sent or ""

    async def submit(_e) -> None:  # noqa: ANN001
        # first the phone is proved: the code texted to it (a sandbox server fills it in)
        typed = code
        if code_sent_to != phone.strip():
            typed = await send_code()
            if not typed:
                return  # the technician types the code from the text message
            # a sandbox server filled it in, as a phone's one-time-code autofill would
        if await state.register(
            phone=phone.strip(), password=password, name=name.strip(), code=typed
        ):
            go("/")

    async def resend(_e) -> None:  # noqa: ANN001
        await send_code()

    code_fields: list[ft.Control] = []
    if code_sent_to and code_sent_to == phone.strip():
        code_fields = [
            text_field(
                "短信验证码", code, set_code, key="signup_code", keyboard=ft.KeyboardType.NUMBER
            ),
            ft.Row([outline_button("重新发送验证码", resend, key="signup_resend")]),
        ]

    return view(
        "/signup",
        "注册技师账号",
        [
            text_field("姓名", name, set_name, key="signup_name"),
            text_field(
                "手机号", phone, set_phone, key="signup_phone", keyboard=ft.KeyboardType.PHONE
            ),
            text_field(
                "密码（至少8位）", password, set_password, key="signup_password", password=True
            ),
            *code_fields,
            ft.Row(
                [big_button("注册", submit, key="signup_submit", color=GO, disabled=state.busy)]
            ),
            ft.Text(
                "注册后请完善技能、服务区域、可接单时间并上传证书，平台审核通过后即可接单。",
                size=15,
            ),
        ],
        state,
    )
