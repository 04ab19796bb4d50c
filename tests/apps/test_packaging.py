"""``scripts/stage_flet_build.py``: the folder handed to ``flet build`` runs on its own.

The Flutter SDK is not here, so the package itself is not built; what is checked is what
``flet build`` relies on: the staged ``main.py`` starts the app from the staged packages
(not from this checkout), the shared client is inside, and the fonts are in ``assets/``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from client import look
from technician_app import alerts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import stage_flet_build  # noqa: E402


@pytest.mark.parametrize("app", stage_flet_build.APPS)
def test_staged_app_imports_from_its_own_folder_and_carries_the_fonts(
    app: str, tmp_path: Path
) -> None:
    out = stage_flet_build.stage(app, tmp_path / app)
    for font in look.FONTS.values():
        assert (out / "assets" / font).stat().st_size > 500_000, font
    assert (out / "assets" / alerts.CHIME).stat().st_size > 10_000
    config = tomllib.loads((out / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["flet"]["app"] == {"path": ".", "module": "main"}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import {app}, client; print({app}.__file__); print(client.__file__)",
        ],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(out) for p in where), where
    helped = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=out, capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and "--server" in helped.stdout, helped.stderr
    assert not (out / app / "pyproject.toml").exists()  # one project file, at the top
