from datetime import timedelta


def test_register_login_refresh_me(api):
    user = api.register("customer", "王小明")
    assert user["user"]["role"] == "customer"
    me = api.get("/me", user).json()
    assert me["name"] == "王小明" and me["phone"] == user["phone"]
    r = api.post("/auth/login", json={"phone": user["phone"], "password": "correct horse"})
    assert r.status_code == 200
    r = api.post("/auth/refresh", json={"refresh_token": r.json()["refresh_token"]})
    assert r.status_code == 200 and r.json()["access_token"]


def test_refusals(api):
    user = api.register()
    api.app.state.rate_limiter.reset(
        f"phone-code:resend:{api.app.state.cipher.blind_index(user['phone'])}"
    )
    r = api.post(
        "/auth/register",
        json={
            "phone": user["phone"],
            "password": "another pass",
            "name": "x",
            "code": api.phone_code(user["phone"]),
        },
    )
    assert (
        r.status_code == 409 and r.json()["error"]["code"] == "phone_taken"
    )  # told its owner only
    r = api.post("/auth/register", json={"phone": "12", "password": "short", "name": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = api.post(
        "/auth/register",
        json={"phone": "13911112222", "password": "long enough", "name": "x", "role": "admin"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_self_service"
    r = api.post("/auth/login", json={"phone": user["phone"], "password": "wrong password"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    assert api.get("/me").status_code == 401
    assert (
        api.get("/me", headers={"Authorization": "Bearer not.a.jwt"}).json()["error"]["code"]
        == "invalid_token"
    )
    r = api.post("/auth/refresh", json={"refresh_token": user["access_token"]})
    assert r.status_code == 401  # an access token is not a refresh token


def test_expired_access_token(api):
    user = api.register()
    api.app.state.clock.advance(minutes=16)
    r = api.get("/me", user)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"


def test_forged_token_is_refused(api):
    import jwt

    user = api.register()
    forged = jwt.encode(
        {"sub": user["user"]["id"], "typ": "access", "role": "admin", "exp": 9999999999},
        "not-the-secret",
        algorithm="HS256",
    )
    assert api.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_login_is_limited_per_phone_and_client(api):
    user = api.register()
    codes = [
        api.post("/auth/login", json={"phone": user["phone"], "password": "nope nope"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = api.post("/auth/login", json={"phone": user["phone"], "password": "correct horse"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"


def test_staff_accounts_come_from_the_cli(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from server.cli import app as cli
    from server.core.settings import get_settings

    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        result = runner.invoke(
            cli,
            [
                "users",
                "create",
                "--role",
                "operator",
                "--phone",
                "13700000001",
                "--password",
                "operator pass",
                "--name",
                "运营小李",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "created operator" in result.output
        again = runner.invoke(
            cli,
            [
                "users",
                "create",
                "--role",
                "operator",
                "--phone",
                "13700000001",
                "--password",
                "operator pass",
                "--name",
                "dup",
            ],
        )
        assert again.exit_code == 1 and "phone_taken" in again.output
        assert again.exception is None or isinstance(again.exception, SystemExit)  # no traceback
        wrong = runner.invoke(
            cli,
            [
                "users",
                "create",
                "--role",
                "boss",
                "--phone",
                "13700000002",
                "--password",
                "operator pass",
                "--name",
                "x",
            ],
        )
        assert wrong.exit_code == 2 and "refused" in wrong.output
    finally:
        get_settings.cache_clear()


def test_access_ttl_is_short(api):
    user = api.register()
    assert user["expires_in"] == int(timedelta(minutes=15).total_seconds())
