"""``doorstep audit verify`` and ``doorstep report`` against a database file."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from server.audit import log as audit_service
from server.cli import app as cli
from server.core.db import make_engine
from server.core.settings import get_settings
from tests.api.ops.test_audit_store import drop_append_only_triggers
from tests.unit_of_work import unit_of_work


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_audit_verify_and_report_commands(tmp_path, monkeypatch, clock, db_kind):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine, clock=clock) as uow:
        for i in range(3):
            audit_service.record(
                uow, actor="usr_a", actor_role="admin", action="test.cli", target_id=str(i)
            )
    runner = CliRunner()
    try:
        ok = runner.invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0 and "3 entries" in ok.output, ok.output
        head = ok.output.strip().rsplit(" ", 1)[-1]
        drop_append_only_triggers(engine)  # an attacker with the owner's rights
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        assert (
            runner.invoke(cli, ["audit", "verify"]).exit_code == 0
        )  # the chain alone looks fine...
        truncated = runner.invoke(cli, ["audit", "verify", "--expect-head", head])
        assert truncated.exit_code == 1  # ...but the kept head hash is gone
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'forged' WHERE seq = 1"))
        bad = runner.invoke(cli, ["audit", "verify"])
        assert bad.exit_code == 1 and "seq 1" in bad.output

        out = tmp_path / "report"
        r = runner.invoke(
            cli, ["report", "--out", str(out), "--days", "2", "--to", "2026-06-01T10:00:00+00:00"]
        )
        assert r.exit_code == 0, r.output
        assert (out / "report.html").exists() and (out / "gmv_by_day.png").exists()
        r = runner.invoke(cli, ["privacy", "rotate-keys"])
        assert r.exit_code == 0 and "app_user.phone_enc: 0 re-encrypted" in r.output
    finally:
        get_settings.cache_clear()
        engine.dispose()
