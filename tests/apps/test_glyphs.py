"""Every character the apps can put on screen is in a bundled font.

The web client runs offline, so a glyph missing from both ``assets/fonts`` files shows
as an empty box. The apps' string literals (views, i18n tables, labels, the shared client)
are read from the source, and each character outside ASCII must be in Droid Sans Fallback
(the theme's font) or DejaVu Sans (its fallback, ``client.look``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from client import look

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("customer_app", "technician_app", "client")


def _covered() -> set[int]:
    chars: set[int] = set()
    for font in look.FONTS.values():
        chars |= set(TTFont(ROOT / "assets" / font).getBestCmap())
    return chars


def _literals() -> dict[str, set[str]]:
    """Non-ASCII characters of each source file's string literals."""
    found: dict[str, set[str]] = {}
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    wide = {c for c in node.value if ord(c) > 127}
                    if wide:
                        found.setdefault(str(path.relative_to(ROOT)), set()).update(wide)
    return found


def test_every_glyph_in_the_apps_is_in_a_bundled_font() -> None:
    covered = _covered()
    missing = {
        path: "".join(sorted(c for c in chars if ord(c) not in covered))
        for path, chars in _literals().items()
    }
    missing = {path: chars for path, chars in missing.items() if chars}
    assert not missing, missing


@pytest.mark.parametrize("glyph", ["★", "☆", "✓", "¥", "·", "…", "→", "师"])
def test_the_glyphs_the_apps_rely_on_are_covered(glyph: str) -> None:
    assert ord(glyph) in _covered()


def test_every_glyph_of_the_knowledge_base_is_in_a_bundled_font() -> None:
    """The articles' texts (assets/knowledge.yaml) are shown as they are written."""
    text = (ROOT / "assets" / "knowledge.yaml").read_text(encoding="utf-8")
    covered = _covered()
    missing = sorted({c for c in text if ord(c) > 127 and ord(c) not in covered})
    assert not missing, "".join(missing)
