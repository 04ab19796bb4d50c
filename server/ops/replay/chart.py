"""The replay's comparison as a PNG: each figure as happened and as re-run, overall and
per district. District names are Chinese, so the bundled CJK font draws the labels."""

from __future__ import annotations

import io
from pathlib import Path

FONTS = Path(__file__).resolve().parents[3] / "assets" / "fonts"
# Latin from DejaVu, Chinese from Droid Sans Fallback (matplotlib falls back per glyph)
FAMILIES = {"DejaVuSans.ttf": "DejaVu Sans", "DroidSansFallbackFull.ttf": "Droid Sans Fallback"}
PANELS = (
    ("served_share", "served share"),
    ("accept_minutes_p50", "minutes to acceptance (median)"),
    ("km_per_job", "km per job"),
    ("on_time_share", "on-time share"),
    ("pay_gini", "pay Gini (0 = even)"),
)


def png(result: dict) -> bytes:
    # imported on first use: it costs a good part of a second at every process start
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    for name in FAMILIES:
        font_manager.fontManager.addfont(str(FONTS / name))
    font = font_manager.FontProperties(family=list(FAMILIES.values()))
    districts = list(result["districts"])
    fig = Figure(figsize=(15, 4.2))
    axes = fig.subplots(1, len(PANELS))
    for ax, (key, title) in zip(axes, PANELS, strict=True):
        labels = ["all", *districts]
        happened = [result["happened"][key]] + [
            result["districts"][d]["happened"][key] for d in districts
        ]
        replayed = [result["replayed"][key]] + [
            result["districts"][d]["replayed"][key] for d in districts
        ]
        baseline = [result["baseline"][key]] + [
            result["districts"][d]["baseline"][key] for d in districts
        ]
        xs = range(len(labels))
        width = 0.28
        for shift, values, label in (
            (-width, happened, "happened"),
            (0.0, baseline, "today's rules, re-run"),
            (width, replayed, "rules tried"),
        ):
            ax.bar([x + shift for x in xs], [v or 0 for v in values], width, label=label)
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, fontproperties=font, fontsize=7, rotation=40, ha="right")
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    axes[0].legend(fontsize=7)
    period = f"{result['period']['from'][:16]} to {result['period']['to'][:16]}"
    fig.suptitle(
        f"What-if replay, {result['orders']} orders, {period}, mode {result['mode']}",
        fontproperties=font,
        fontsize=10,
    )
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90)
    return out.getvalue()
