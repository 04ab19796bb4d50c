"""A technician signs up under his own agreements (技师服务协议, 技师隐私政策), readable
first; without the tick nothing is sent (no code texted), with it the server records the
version he was shown."""

from __future__ import annotations

from sqlmodel import select

from server.auth.consent import TECHNICIAN_POLICY_VERSION
from server.auth.models import PolicyConsent
from technician_app.state import TechnicianState
from tests.apps.conftest import LiveServer
from tests.unit_of_work import unit_of_work


async def test_sign_up_needs_his_tick_on_his_own_agreements(
    tech: TechnicianState, live_server: LiveServer
) -> None:
    policies = await tech.load_policies()
    assert policies is not None and policies.version == TECHNICIAN_POLICY_VERSION
    assert [d.title for d in policies.documents] == ["技师服务协议", "技师隐私政策"]

    phone = live_server.next_phone()
    texted = len(live_server.app.state.sms.outbox)
    assert tech.consent_missing(False)
    assert not await tech.register(phone=phone, password="correct horse", name="孙师傅")
    assert tech.session.notices[-1].code == "consent_required"
    assert tech.session.notices[-1].text == "请先阅读并勾选同意《技师服务协议》和《技师隐私政策》"
    assert len(live_server.app.state.sms.outbox) == texted  # no code texted for nothing
    assert not tech.signed_in
    tech.consent_given()  # ticked: the request to tick no longer shows
    assert not [n for n in tech.session.notices if n.code == "consent_required"]

    code = await tech.send_code(phone)
    assert code
    assert await tech.register(
        phone=phone, password="correct horse", name="孙师傅", code=code, agreed=True
    )
    assert tech.user is not None
    with unit_of_work(live_server.app) as uow:
        (consent,) = uow.session.exec(
            select(PolicyConsent).where(PolicyConsent.user_id == tech.user.id)
        ).all()
    assert consent.policy_version == TECHNICIAN_POLICY_VERSION
