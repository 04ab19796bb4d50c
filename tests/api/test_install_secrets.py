"""An installation makes its own secrets: no token minted with the key printed in the
source, no webhook signed with the sandbox's public secret, is believed; a server with a
public secret refuses to listen beyond this machine."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.auth import service as auth_service
from server.auth.models import Role
from server.core.install_secrets import FILE_NAME, refuses_to_listen
from server.core.security import make_token
from server.core.settings import DEV_SECRET_KEY, PUBLIC_SANDBOX_WEBHOOK_SECRET, Settings
from server.payments.providers import SandboxProvider
from tests.unit_of_work import unit_of_work


def _settings(data_dir: Path, **values) -> Settings:  # noqa: ANN003
    return Settings(env="dev", data_dir=data_dir, background_tasks=False, **values)


def test_the_first_start_makes_secrets_that_every_later_start_reads_back(tmp_path):
    first = _settings(tmp_path / "a").with_install_secrets()
    again = _settings(tmp_path / "a").with_install_secrets()
    elsewhere = _settings(tmp_path / "b").with_install_secrets()

    assert first.secret_key and first.sandbox_webhook_secret
    assert DEV_SECRET_KEY != first.secret_key != first.sandbox_webhook_secret
    assert first.sandbox_webhook_secret != PUBLIC_SANDBOX_WEBHOOK_SECRET
    assert (again.secret_key, again.sandbox_webhook_secret) == (
        first.secret_key,
        first.sandbox_webhook_secret,
    )
    assert elsewhere.secret_key != first.secret_key
    path = tmp_path / "a" / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.public_secrets() == []


def test_values_from_the_environment_win_and_production_makes_none(tmp_path):
    given = _settings(
        tmp_path, secret_key="from-the-vault-0123456789abcdef0123"
    ).with_install_secrets()
    assert given.secret_key == "from-the-vault-0123456789abcdef0123"
    assert given.sandbox_webhook_secret  # the one left unset is made
    prod = Settings(env="prod", data_dir=tmp_path / "prod").with_install_secrets()
    assert prod.secret_key == "" and not (tmp_path / "prod" / FILE_NAME).exists()
    assert any("SECRET_KEY" in problem for problem in prod.production_problems())


def test_workers_starting_at_the_same_moment_agree_on_one_set(tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(
            pool.map(lambda _: _settings(tmp_path).with_install_secrets().secret_key, range(16))
        )
    assert len(set(made)) == 1
    assert json.loads((tmp_path / FILE_NAME).read_text())["secret_key"] == made[0]
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no drafts left behind


def test_a_damaged_secrets_file_stops_the_start(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps({"secret_key": ""}))
    with pytest.raises(RuntimeError, match="damaged"):
        _settings(tmp_path).with_install_secrets()


def test_tokens_and_webhooks_signed_with_the_public_values_are_refused(tmp_path):
    app = create_app(_settings(tmp_path))
    now = datetime.now(UTC)
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(app.state.engine)
    with unit_of_work(app) as uow:
        admin = auth_service.create_user(
            uow, phone="13900000001", password="staff password 1", name="admin", role=Role.admin
        )
        admin_id = admin.id
    forged = make_token(
        secret=DEV_SECRET_KEY,
        subject=admin_id,
        role="admin",
        kind="access",
        now=now,
        ttl=timedelta(minutes=5),
    )
    honest = make_token(
        secret=app.state.settings.secret_key,
        subject=admin_id,
        role="admin",
        kind="access",
        now=now,
        ttl=timedelta(minutes=5),
    )
    body = json.dumps(
        {
            "id": "evt_forged",
            "type": "payment.succeeded",
            "data": {"provider_ref": "sbx_x", "payment_id": "pay_x", "amount": 1},
        }
    ).encode()
    with TestClient(app) as client:
        assert (
            client.get(
                "/api/v1/ops/settings", headers={"Authorization": f"Bearer {forged}"}
            ).status_code
            == 401
        )
        assert (
            client.get(
                "/api/v1/ops/settings", headers={"Authorization": f"Bearer {honest}"}
            ).status_code
            == 200
        )
        r = client.post(
            "/api/v1/payments/webhooks/sandbox",
            content=body,
            headers=SandboxProvider(PUBLIC_SANDBOX_WEBHOOK_SECRET).signed_headers(body, now),
        )
        assert r.status_code == 401 and r.json()["error"]["code"] == "signature_invalid"


def test_a_data_folder_from_before_keeps_its_key_and_may_not_listen_beyond_this_machine(tmp_path):
    (tmp_path / "doorstep.db").write_bytes(b"")  # a database made under the development key
    settings = _settings(tmp_path).with_install_secrets()
    assert settings.secret_key == DEV_SECRET_KEY  # its phones and addresses stay readable
    assert settings.public_secrets() == ["DOORSTEP_SECRET_KEY"]
    assert refuses_to_listen("127.0.0.1", settings) is None
    reason = refuses_to_listen("0.0.0.0", settings)
    assert reason and "DOORSTEP_SECRET_KEY" in reason
    fresh = _settings(tmp_path / "fresh").with_install_secrets()
    assert refuses_to_listen("0.0.0.0", fresh) is None


def test_serve_refuses_a_public_address_with_a_public_secret(tmp_path, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from server.cli import app as cli
    from server.core.settings import get_settings

    started: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOORSTEP_SECRET_KEY", DEV_SECRET_KEY)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
        assert refused.exit_code == 2 and started == []
        assert CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1"]).exit_code == 0
        monkeypatch.delenv("DOORSTEP_SECRET_KEY")
        get_settings.cache_clear()
        assert CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"]).exit_code == 0
        assert [kw["host"] for kw in started] == ["127.0.0.1", "0.0.0.0"]
    finally:
        get_settings.cache_clear()
