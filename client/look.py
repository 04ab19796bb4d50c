"""The apps' shared look: the bundled fonts and a theme that uses them.

Flet's web client runs offline (``no_cdn``), so no font is fetched from the internet:
every glyph on screen must come from a font in ``assets/fonts``. Droid Sans Fallback
carries Chinese but not ★ ☆ ✓ ¥ · … →; DejaVu Sans carries those. Every text style of
the theme names Droid first and DejaVu as its fallback, so a glyph missing from one is
drawn from the other (``tests/apps/test_glyphs.py`` checks the apps' strings against
both fonts).
"""

from __future__ import annotations

import flet as ft

# How the web builds draw: CanvasKit. Flutter's multi-threaded skwasm renderer, which
# Chromium would get since Flet's web server makes the page cross-origin isolated, can
# corrupt its heap when text is laid out while a frame is drawn; the page then stops for
# good with a core pinned (flutter/flutter#190039).
WEB_RENDERER = ft.WebRenderer.CANVAS_KIT

CJK_FONT = "DroidSansFallback"
SYMBOL_FONT = "DejaVuSans"
FONTS = {
    CJK_FONT: "fonts/DroidSansFallbackFull.ttf",
    SYMBOL_FONT: "fonts/DejaVuSans.ttf",
}
_ROLES = tuple(
    f"{group}_{size}"
    for group in ("display", "headline", "title", "body", "label")
    for size in ("large", "medium", "small")
)


def theme(seed: str) -> ft.Theme:
    """A light Material theme seeded by ``seed``, in the bundled fonts."""
    style = ft.TextStyle(font_family=CJK_FONT, font_family_fallback=[SYMBOL_FONT])
    text_theme = ft.TextTheme(**{role: style for role in _ROLES})
    return ft.Theme(
        font_family=CJK_FONT,
        color_scheme_seed=seed,
        text_theme=text_theme,
        primary_text_theme=text_theme,
    )


def apply(page: ft.Page, seed: str) -> None:
    """Fonts and theme of an app's page."""
    page.fonts = dict(FONTS)
    page.theme = theme(seed)
    page.theme_mode = ft.ThemeMode.LIGHT
