"""``doorstep report``: the dashboards rendered as PNG charts and one HTML page."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen / 100:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value / 60:.1f} min"


def render(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write orders_per_hour.png, gmv_by_day.png, technicians.png, summary.json, report.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hours = summary["orders_per_hour"]["hours"]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.bar(range(len(hours)), [h["count"] for h in hours], color="#2f7ed8", width=1.0)
    step = max(1, len(hours) // 12)
    ax.set_xticks(range(0, len(hours), step))
    ax.set_xticklabels(
        [h["hour"][5:13].replace("T", " ") + "h" for h in hours[::step]], rotation=30, fontsize=7
    )
    ax.set_title("Orders per hour (UTC)")
    ax.set_ylabel("orders")
    fig.tight_layout()
    fig.savefig(out_dir / "orders_per_hour.png", dpi=110)
    plt.close(fig)

    days = summary["gmv"]["by_day"]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.plot([d["day"] for d in days], [d["gmv"] / 100 for d in days], marker="o", color="#1a9850")
    ax.set_title("GMV per day (CNY, completed orders)")
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "gmv_by_day.png", dpi=110)
    plt.close(fig)

    techs = summary["technicians"]
    rows = techs["top"] + [t for t in techs["bottom"] if t not in techs["top"]]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.barh([t["technician_id"][-8:] for t in rows], [t["rating"] for t in rows], color="#fdae61")
    ax.set_xlim(0, 5)
    ax.set_title("Top and bottom technicians (mean rating)")
    fig.tight_layout()
    fig.savefig(out_dir / "technicians.png", dpi=110)
    plt.close(fig)

    (out_dir / "summary.json").write_text(
        json.dumps(summary, default=str, ensure_ascii=False, indent=2)
    )
    acc, on_time, comp, gmv = (
        summary["acceptance"],
        summary["on_time"],
        summary["complaints"],
        summary["gmv"],
    )
    figures = [
        ("Orders", summary["orders_per_hour"]["total"]),
        ("GMV", _yuan(gmv["gmv"])),
        ("Completed orders", gmv["orders"]),
        ("Acceptance p50 / p95", f"{_secs(acc['p50_seconds'])} / {_secs(acc['p95_seconds'])}"),
        ("On-time arrivals", f"{_pct(on_time['on_time_rate'])} of {on_time['arrivals']}"),
        ("Complaint rate", f"{_pct(comp['complaint_rate'])} ({comp['complaints']} complaints)"),
    ]
    table = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in figures
    )
    tech_rows = "".join(
        f"<tr><td>{html.escape(kind)}</td><td>{html.escape(t['name'])}</td><td>{t['rating']}</td><td>{t['ratings']}</td></tr>"
        for kind, group in (("top", techs["top"]), ("bottom", techs["bottom"]))
        for t in group
    )
    title = "Doorstep operations report"
    generated = datetime.now().isoformat(timespec="seconds")
    window = f"{html.escape(str(summary['from']))} — {html.escape(str(summary['to']))}"
    page = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}th{{text-align:left;padding-right:2em}}
td,th{{border-bottom:1px solid #ddd;padding:4px 8px}}img{{max-width:100%}}</style></head><body>
<h1>Doorstep operations report</h1>
<p>Window {window}; generated {generated}</p>
<table>{table}</table>
<h2>Orders per hour</h2><img src="orders_per_hour.png" alt="orders per hour">
<h2>GMV</h2><img src="gmv_by_day.png" alt="GMV per day">
<h2>Technicians</h2><img src="technicians.png" alt="technicians">
<table><tr><th></th><th>name</th><th>rating</th><th>ratings</th></tr>{tech_rows}</table>
</body></html>"""
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
