"""What both apps' language tests check alike: the text keys an app's source asks for."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def used_text_keys(package: str) -> dict[str, str]:
    """Every ``t(lang, "key", ...)`` literal in ``package``'s source, with where it is."""
    used: dict[str, str] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                used[node.args[1].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return used


def keys_missing_a_language(
    used: Mapping[str, str], texts: Mapping[str, Mapping[str, str]], langs: Iterable[str]
) -> dict[str, str]:
    """The used keys that ``texts`` lacks, or has without a text in one of ``langs``."""
    return {
        key: where
        for key, where in used.items()
        if key not in texts or not all(texts[key].get(lang) for lang in langs)
    }
