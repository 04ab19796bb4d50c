"""Sign-up asks the customer to tick the 用户协议 and 隐私政策, each readable on the
sign-up screen; without the tick nothing is sent (no code texted), with it the server
records the version agreed to."""

from __future__ import annotations

from sqlmodel import select

from customer_app.state import CustomerState
from customer_app.views.auth import login_view
from server.auth.consent import POLICY_VERSION
from server.auth.models import PolicyConsent
from tests.apps.conftest import LiveServer
from tests.apps.customer.test_live_price_bar import _texts
from tests.unit_of_work import unit_of_work


async def test_sign_up_needs_the_tick_and_the_texts_are_readable_there(
    state: CustomerState, server: LiveServer
) -> None:
    phone = server.next_phone()
    await state.set_auth_mode("register")
    state.session.form.update(phone=phone, password="correct horse", name="郑女士")
    shown = _texts(login_view(state))
    assert "我已阅读并同意《用户协议》《隐私政策》" in shown
    texted = len(server.app.state.sms.outbox)
    assert not await state.submit_auth()
    assert state.session.last_error_code == "consent_required"
    assert state.session.error == "请先阅读并同意《用户协议》和《隐私政策》"
    assert len(server.app.state.sms.outbox) == texted  # no code texted for nothing
    # each text opens on the sign-up screen
    await state.open_policy("privacy")
    shown = _texts(login_view(state))
    assert "隐私政策" in shown and any("个人信息保护法" in x for x in shown)
    await state.open_policy("terms")
    assert any("注册即表示您同意" in x for x in _texts(login_view(state)))
    await state.open_policy(None)
    state.toggle_consent()
    assert state.session.error is None  # ticked: the refusal no longer stands
    assert await state.submit_auth(), state.session.error
    assert state.session.user is not None and state.session.user.name == "郑女士"
    with unit_of_work(server.app) as uow:
        (consent,) = uow.session.exec(
            select(PolicyConsent).where(PolicyConsent.user_id == state.session.user.id)
        ).all()
    assert consent.policy_version == POLICY_VERSION
