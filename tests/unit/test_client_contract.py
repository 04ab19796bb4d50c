"""The typed contract between the server and the apps: client/models.py is what the
server's OpenAPI says (regenerated here in memory)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> types.ModuleType:
    """scripts/client_models.py, the generator the Makefile runs (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "client_models", ROOT / "scripts/client_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("client_models", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> types.ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def openapi(script: types.ModuleType) -> dict[str, Any]:
    return script.server_openapi()


def test_client_models_match_the_server(script: types.ModuleType, openapi: dict) -> None:
    committed = (ROOT / "client" / "models.py").read_text(encoding="utf-8")
    assert script.render(openapi) == committed, (
        "client/models.py differs from the server's OpenAPI: run make client-models"
    )
