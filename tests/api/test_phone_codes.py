"""Sign-up proves the phone is the caller's: a code texted to it (the sandbox provider
hands it back instead), once, for ten minutes, five tries; asking for one answers the
same whether the number has an account or not."""

from __future__ import annotations

from server.auth.consent import POLICY_VERSION


def _ask(api, phone: str):  # noqa: ANN001, ANN202
    return api.post("/auth/phone-codes", json={"phone": phone})


def _sign_up(api, phone: str, code: str | None):  # noqa: ANN001, ANN202
    body = {
        "phone": phone,
        "password": "correct horse",
        "name": "新用户",
        "accepted_policy_version": POLICY_VERSION,
    }
    return api.post("/auth/register", json={**body, **({"code": code} if code else {})})


def _again_allowed(api, phone: str) -> None:  # noqa: ANN001
    api.app.state.rate_limiter.reset(f"phone-code:resend:{api.app.state.cipher.blind_index(phone)}")


def test_a_sign_up_needs_the_code_sent_to_that_phone(api):
    phone = api.next_phone()
    r = _sign_up(api, phone, None)
    assert r.status_code == 422 and r.json()["error"]["code"] == "code_required"
    r = _sign_up(api, phone, "123456")  # none was asked for
    assert r.status_code == 422 and r.json()["error"]["code"] == "code_expired"
    sent = _ask(api, phone)
    assert (
        sent.status_code == 202
        and sent.json()["expires_in"] == 600
        and sent.json()["resend_after"] == 60
    )
    code = sent.json()["sandbox_code"]
    (sms,) = [m for m in api.app.state.sms.outbox if m.phone == phone]
    assert code in sms.text
    other = api.next_phone()
    assert _sign_up(api, other, code).json()["error"]["code"] == "code_expired"  # not that number's
    assert _sign_up(api, phone, code).status_code == 201
    api.app.state.clock.advance(minutes=2)
    _again_allowed(api, phone)
    assert _sign_up(api, phone, code).json()["error"]["code"] == "code_expired"  # used once


def test_five_wrong_tries_burn_the_code_and_a_new_one_replaces_the_old(api, clock):
    phone = api.next_phone()
    first = _ask(api, phone).json()["sandbox_code"]
    wrong = "000000" if first != "000000" else "111111"
    for left in (4, 3, 2, 1):
        r = _sign_up(api, phone, wrong)
        assert (
            r.json()["error"]["code"] == "code_invalid"
            and r.json()["error"]["details"]["attempts_left"] == left
        )
    assert _sign_up(api, phone, wrong).json()["error"]["details"]["attempts_left"] == 0
    assert _sign_up(api, phone, first).json()["error"]["code"] == "code_expired"  # burnt
    r = _ask(api, phone)
    assert r.status_code == 429  # one a minute
    clock.advance(seconds=61)
    _again_allowed(api, phone)
    old = _ask(api, phone).json()["sandbox_code"]
    _again_allowed(api, phone)
    new = _ask(api, phone).json()["sandbox_code"]
    if old != new:  # (one time in a million they are the same six digits)
        assert _sign_up(api, phone, old).json()["error"]["code"] == "code_invalid"
    clock.advance(minutes=11)
    assert _sign_up(api, phone, new).json()["error"]["code"] == "code_expired"


def test_asking_tells_nobody_whether_the_number_has_an_account(api):
    user = api.register()
    _again_allowed(api, user["phone"])
    fresh = api.next_phone()
    replies = [_ask(api, phone) for phone in (user["phone"], fresh)]
    assert [r.status_code for r in replies] == [202, 202]
    assert [sorted(r.json()) for r in replies][0] == sorted(replies[1].json())
    texts = {m.phone: m.text for m in api.app.state.sms.outbox}
    assert (
        "已注册" in texts[user["phone"]] and "已注册" not in texts[fresh]
    )  # told on the phone only
