"""Sign-up records the consent to the role's agreement and privacy policy (the customer's
用户协议 and 隐私政策, the technician's 技师服务协议 and 技师隐私政策: the version and the
time), and a sign-up without it is refused: nothing of it is kept."""

from __future__ import annotations

from sqlmodel import select

from server.auth.consent import POLICY_VERSION, TECHNICIAN_POLICY_VERSION
from server.auth.models import PolicyConsent
from tests.unit_of_work import unit_of_work


def _sign_up(api, phone: str, code: str, role: str = "customer", **extra):  # noqa: ANN001, ANN003, ANN202
    body = {"phone": phone, "password": "correct horse", "name": "吴女士", "role": role}
    return api.post("/auth/register", json={**body, "code": code, **extra})


def _consents(api, user_id: str) -> list[PolicyConsent]:  # noqa: ANN001
    with unit_of_work(api.app) as uow:
        return list(
            uow.session.exec(select(PolicyConsent).where(PolicyConsent.user_id == user_id)).all()
        )


def test_the_policies_are_public_with_their_version(api):
    r = api.get("/policies")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == POLICY_VERSION
    assert [(d["code"], d["title"]) for d in body["documents"]] == [
        ("terms", "用户协议"),
        ("privacy", "隐私政策"),
    ]
    assert all(len(d["text"]) > 50 for d in body["documents"])


def test_sign_up_without_consent_is_refused_and_with_it_recorded(api):
    phone = api.next_phone()
    code = api.phone_code(phone)  # a refused sign-up keeps nothing: the code still works
    r = _sign_up(api, phone, code)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "consent_required"
    assert error["details"]["policy_version"] == POLICY_VERSION
    r = _sign_up(api, phone, code, accepted_policy_version="2020-01-01")  # an old text
    assert r.status_code == 422 and r.json()["error"]["code"] == "consent_required"
    api.app.state.rate_limiter.reset(f"phone-code:resend:{api.app.state.cipher.blind_index(phone)}")
    r = _sign_up(
        api, phone, code, accepted_policy_version=POLICY_VERSION
    )  # the phone is still free
    assert r.status_code == 201, r.text
    (consent,) = _consents(api, r.json()["user"]["id"])
    assert consent.policy_version == POLICY_VERSION
    assert consent.agreed_at == api.app.state.clock.now()


def test_a_technician_reads_and_agrees_to_his_own_agreements(api):
    r = api.get("/policies", params={"role": "technician"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["role"], body["version"]) == ("technician", TECHNICIAN_POLICY_VERSION)
    assert [d["title"] for d in body["documents"]] == ["技师服务协议", "技师隐私政策"]
    assert "15%" in body["documents"][0]["text"]  # the platform's fee, said before he joins
    assert "位置" in body["documents"][1]["text"]  # and that his position is collected at work

    phone = api.next_phone()
    code = api.phone_code(phone)
    r = _sign_up(api, phone, code, role="technician")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "consent_required"
    assert error["details"] == {"policy_version": TECHNICIAN_POLICY_VERSION, "role": "technician"}
    # the customer's texts are not his: agreeing to them is not agreeing to his
    r = _sign_up(api, phone, code, role="technician", accepted_policy_version=POLICY_VERSION)
    assert r.status_code == 422 and r.json()["error"]["code"] == "consent_required"
    r = _sign_up(
        api, phone, code, role="technician", accepted_policy_version=TECHNICIAN_POLICY_VERSION
    )
    assert r.status_code == 201, r.text
    (consent,) = _consents(api, r.json()["user"]["id"])
    assert consent.policy_version == TECHNICIAN_POLICY_VERSION


def test_staff_have_no_sign_up_agreements_and_unknown_roles_are_refused(api):
    r = api.get("/policies", params={"role": "operator"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "role_not_self_service"
    r = api.get("/policies", params={"role": "pirate"})
    assert r.status_code == 422, r.text
