"""``doorstep replay`` over the demo's dispatched history (a week of it)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from sqlmodel import SQLModel
from typer.testing import CliRunner

from server.cli import app as cli
from server.core.db import make_engine
from server.core.settings import get_settings
from server.demo import DEFAULT_CITY, seed_demo
from tests.unit_of_work import unit_of_work


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_replay_prints_the_comparison_and_draws_it(tmp_path, monkeypatch, db_kind) -> None:  # noqa: ANN001
    city = yaml.safe_load(DEFAULT_CITY.read_text(encoding="utf-8"))
    city["demo_seed"]["history"].update(days=7, orders_per_day=5)
    city_path = tmp_path / "city.yaml"
    city_path.write_text(yaml.safe_dump(city, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    try:
        with unit_of_work(engine) as uow:
            seeded = seed_demo(uow, city_path=city_path)
            today = uow.clock.now().date()
        booked = seeded.counts["orders_completed"] + seeded.counts["orders_cancelled"]
        assert booked >= 35
        rules = tmp_path / "rules.yaml"
        rules.write_text("dispatch:\n  mode: batch\n  batch_interval_seconds: 60\n")
        week = ["--from", str(today - timedelta(days=7)), "--to", str(today - timedelta(days=1))]
        chart = tmp_path / "replay.png"
        runner = CliRunner()
        done = runner.invoke(
            cli, ["replay", *week, "--rules", str(rules), "--png", str(chart), "--json"]
        )
        assert done.exit_code == 0, done.output
        result = json.loads(done.output[: done.output.rindex("}") + 1])
        assert result["mode"] == "batch" and result["orders"] >= 30
        assert 0 < result["happened"]["served_share"] <= 1
        assert set(result["effect"]) == set(result["change"]) >= {"served_share", "pay_gini"}
        assert chart.read_bytes().startswith(b"\x89PNG")

        printed = runner.invoke(cli, ["replay", *week])
        assert printed.exit_code == 0, printed.output
        assert printed.output.splitlines()[0].split() == [
            "happened",
            "baseline",
            "replayed",
            "effect",
        ]
        assert "served_share" in printed.output and "三里屯" in printed.output

        rules.write_text("dispatch:\n  search_radius: 5\n")  # a misspelt setting
        refused = runner.invoke(cli, ["replay", *week, "--rules", str(rules)])
        assert refused.exit_code == 2 and "rules_invalid" in refused.output
    finally:
        get_settings.cache_clear()
        engine.dispose()
