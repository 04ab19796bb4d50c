"""Sign-in sessions: a refresh token works once (the next one replaces it), a copied one
used again ends the session for everyone holding it, logout ends it, and a sign-in
takes as long for an unknown phone as for a known one."""

from __future__ import annotations


def _login(api, user: dict) -> dict:  # noqa: ANN001
    r = api.post("/auth/login", json={"phone": user["phone"], "password": "correct horse"})
    assert r.status_code == 200, r.text
    return r.json()


def _refresh(api, token: str):  # noqa: ANN001, ANN202
    return api.post("/auth/refresh", json={"refresh_token": token})


def test_a_refresh_token_works_once_and_a_reused_one_ends_the_session(api):
    user = api.register()
    first = _login(api, user)["refresh_token"]
    r = _refresh(api, first)
    assert r.status_code == 200, r.text
    second = r.json()["refresh_token"]
    assert second != first
    third = _refresh(api, second).json()["refresh_token"]  # the owner goes on refreshing

    r = _refresh(api, first)  # a copy of an old token turns up
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_reused"
    r = _refresh(api, third)  # the session is over for the owner too: he signs in again
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    assert _refresh(api, _login(api, user)["refresh_token"]).status_code == 200


def test_logout_ends_this_sign_in_or_every_one(api):
    user = api.register()
    phone, laptop = _login(api, user)["refresh_token"], _login(api, user)["refresh_token"]
    r = api.post("/auth/logout", json={"refresh_token": phone})
    assert r.status_code == 204, r.text
    assert _refresh(api, phone).json()["error"]["code"] == "invalid_token"
    r = _refresh(api, laptop)  # the other device is still signed in
    assert r.status_code == 200
    laptop, tablet = r.json()["refresh_token"], _login(api, user)["refresh_token"]

    r = api.post("/auth/logout", json={"refresh_token": laptop, "all_devices": True})
    assert r.status_code == 204
    for token in (laptop, tablet):
        assert _refresh(api, token).status_code == 401
    r = api.post("/auth/logout", json={"refresh_token": laptop})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    assert api.post("/auth/logout", json={"refresh_token": "not.a.jwt"}).status_code == 401


def test_a_session_lasts_the_refresh_lifetime_from_sign_in(api, settings):
    user = api.register()
    token = _login(api, user)["refresh_token"]
    api.app.state.clock.advance(days=settings.refresh_token_days - 1)
    token = _refresh(api, token).json()["refresh_token"]
    api.app.state.clock.advance(days=2)  # rotating does not extend a session for ever
    r = _refresh(api, token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"


def test_an_unknown_phone_costs_a_password_check_too(api, monkeypatch):
    from server.auth import service

    checked: list[str] = []
    real = service.verify_password
    monkeypatch.setattr(service, "verify_password", lambda h, p: checked.append(p) or real(h, p))
    user = api.register()
    for phone in (user["phone"], "13999999999"):
        r = api.post("/auth/login", json={"phone": phone, "password": "wrong password"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    assert checked == ["wrong password", "wrong password"]
