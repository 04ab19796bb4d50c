"""Every entry point runs with the same reactions and ports: each is started in a fresh
interpreter (so nothing an earlier test wired can hide a gap) and its wiring compared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DUMP = """
import importlib, json, pkgutil
import server
from server.core.events import order_events
from server.core.ports import Port

def name(f):
    return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', repr(f))}"

ports = []
for info in pkgutil.walk_packages(server.__path__, "server."):
    if info.name.endswith(".ports") and info.name != "server.core.ports":
        module = importlib.import_module(info.name)
        ports += [v for v in vars(module).values() if isinstance(v, Port)]
print("WIRING" + json.dumps({
    "in_transaction": [name(f) for f in order_events._in_transaction],
    "after_commit": [name(f) for f in order_events._after_commit],
    "plugged": sorted(p.name for p in ports if p._answer is not None),
    "ports": sorted(p.name for p in ports),
    "jobs": sorted(APP.state.jobs.app.tasks) if "APP" in globals() else None,
}))
"""

START = {
    "server": """
from server.app import create_app
from server.core.settings import Settings
APP = create_app(Settings(env="test", secret_key="x" * 40, data_dir=DATA))
""",
    "worker": """
from server.core.settings import Settings
from server.job_worker import worker_app
APP = worker_app(Settings(env="test", secret_key="x" * 40, data_dir=DATA))
""",
    "cli": """
import sys
from server.cli import main
sys.argv = ["doorstep", "--help"]
try:
    main()
except SystemExit:
    pass
""",
    "simulation": """
import simulation.city as city

class Started(Exception):
    pass

def stop(*args, **kwargs):
    raise Started  # wired; the day itself is not needed

city.load_city = stop
try:
    city.simulate(engine=None, settings=None)
except Started:
    pass
""",
}


def _wiring(entry: str, data_dir: Path) -> dict:
    code = f"DATA = {str(data_dir)!r}\n" + START[entry] + DUMP
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DOORSTEP_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("WIRING"))
    return json.loads(line.removeprefix("WIRING"))


@pytest.mark.parametrize("entry", ["worker", "cli", "simulation"])
def test_each_entry_point_wires_what_the_server_wires(entry: str, tmp_path: Path) -> None:
    server = _wiring("server", tmp_path / "server")
    assert len(server["in_transaction"]) == 11 and len(server["after_commit"]) == 2
    assert server["plugged"] == server["ports"]  # every port answered
    assert {"dispatch.round", "dispatch.deadlines", "jobs.retry_stalled"} <= set(server["jobs"])
    found = _wiring(entry, tmp_path / entry)
    if entry != "worker":  # no application, so no jobs of its own to run
        found["jobs"] = server["jobs"]
    assert found == server
