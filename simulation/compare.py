"""Dispatch policies side by side: the same seeded day under each, each on its own copy
of one seeded database. Bookings and the per-job noise come from streams that do not
depend on the policy, so the policies see the same customers at the same moments.
Written as bench/out/simulation.json and a chart (``write_compare``)."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure
from sqlmodel import SQLModel

import server.models  # noqa: F401  (every table on the metadata)
from server.core.db import make_engine
from server.core.settings import Settings
from server.demo import DEFAULT_CITY
from simulation.city import simulate
from simulation.report import SimReport
from simulation.seeding import load_city, seed_city
from simulation.world import SimConfig

# Nearest-first greedy: the cascade scoring distance alone, with the multiplier rules
# (idle-nearby boost, good-rate and complaint factors) neutral.
NEAREST_RULES: dict[str, Any] = {
    "weights": {"proximity": 1.0, "rating": 0.0, "level": 0.0, "fairness": 0.0, "acceptance": 0.0},
    "scoring": {
        "proximity_basis": "distance",
        "nearby_idle_boost": 1.0,
        "good_rate_factor": 1.0,
        "complaint_factor": 1.0,
    },
}
POLICIES: dict[str, tuple[str, dict[str, Any], str]] = {
    "nearest": (
        "cascade",
        NEAREST_RULES,
        "cascade, distance-only weights, multiplier rules neutral",
    ),
    "cascade": ("cascade", {}, "cascade, the default weights"),
    "batch": ("batch", {}, "batch assignment every batch_interval_seconds, the default weights"),
}


def scaled_city(city_path: Path, online: int | None, out: Path) -> Path:
    """The district with its trade mix scaled to ``online`` technicians taking orders
    (shares kept, at least one per trade), without the seed's few past orders (they
    only add PDF work orders and would slow every run)."""
    city = load_city(city_path)
    seed = city["demo_seed"]
    seed["historic_orders"] = []
    if online is not None:
        mix = seed["technician_mix"]
        away = sum(
            int(seed[k])
            for k in ("pending_technicians", "offline_technicians", "suspended_technicians")
        )
        if online < len(mix):
            raise ValueError(f"at least {len(mix)} technicians (one per trade)")
        total = sum(m["count"] for m in mix)
        target = online + away
        exact = [m["count"] * target / total for m in mix]
        counts = [max(1, int(x)) for x in exact]
        by_remainder = sorted(range(len(mix)), key=lambda i: (-(exact[i] - int(exact[i])), i))
        for i in itertools.islice(itertools.cycle(by_remainder), max(0, target - sum(counts))):
            counts[i] += 1
        for m, n in zip(mix, counts, strict=True):
            m["count"] = n
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(city, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def compare(
    *,
    settings: Settings,
    config: SimConfig,
    workdir: Path,
    policies: tuple[str, ...] = tuple(POLICIES),
    city_path: Path = DEFAULT_CITY,
    echo: Callable[[str], None] = print,
) -> dict[str, SimReport]:
    """The same seeded day under each policy, each on its own copy of one seeded database."""
    workdir.mkdir(parents=True, exist_ok=True)
    city = scaled_city(city_path, config.technicians, workdir / "city.yaml")
    template = workdir / "seeded.db"
    if template.exists():
        raise RuntimeError(f"{template} exists: the comparison needs a fresh directory")
    echo("seeding the demo district...")
    engine = make_engine(f"sqlite:///{template}")
    try:
        SQLModel.metadata.create_all(engine)
        seed_city(
            engine=engine,
            settings=settings.model_copy(update={"data_dir": workdir / "files"}),
            config=config,
            city_path=city,
        )
    finally:
        engine.dispose()  # the last connection to close checkpoints the WAL into the file
    reports: dict[str, SimReport] = {}
    for name in policies:
        mode, rules, _about = POLICIES[name]
        db = workdir / f"{name}.db"
        shutil.copyfile(template, db)
        engine = make_engine(f"sqlite:///{db}")
        try:
            echo(f"--- policy {name}")
            reports[name] = simulate(
                engine=engine,
                settings=settings.model_copy(update={"data_dir": workdir / "files"}),
                config=replace(config, mode=mode, dispatch_rules=rules, policy=name),
                city_path=city,
                echo=echo,
            )
        finally:
            engine.dispose()
    return reports


COMPARE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("booked", "booked"),
    ("served", "served"),
    ("accept_p50_s", "accept p50 s"),
    ("accept_p90_s", "accept p90 s"),
    ("asap_eta_mean_min", "ASAP ETA mean min"),
    ("asap_eta_p95_min", "ASAP ETA p95 min"),
    ("travel_mean_min", "travel mean min"),
    ("travel_p95_min", "travel p95 min"),
    ("km_per_job", "km/job"),
    ("on_time", "on time"),
    ("pay_gini", "pay Gini"),
    ("pay_p90_p10", "pay p90/p10"),
    ("pay_std_yuan", "pay std ¥"),
    ("timeouts", "offer timeouts"),
)
_PERCENT = ("served", "on_time")


def compare_rows(reports: dict[str, SimReport]) -> dict[str, dict[str, float | None]]:
    rows: dict[str, dict[str, float | None]] = {}
    for name, r in reports.items():
        rows[name] = {
            "booked": r.orders,
            "served": r.served_rate,
            "accept_p50_s": r.time_to_accept_s.get("p50"),
            "accept_p90_s": r.time_to_accept_s.get("p90"),
            "asap_eta_mean_min": r.asap_eta_min.get("mean"),
            "asap_eta_p95_min": r.asap_eta_min.get("p95"),
            "travel_mean_min": r.travel_min.get("mean"),
            "travel_p95_min": r.travel_min.get("p95"),
            "km_per_job": r.km_per_job,
            "on_time": r.on_time_share,
            "pay_gini": r.earnings_yuan.get("gini"),
            "pay_p90_p10": r.earnings_yuan.get("p90_p10_working"),
            "pay_std_yuan": r.earnings_yuan.get("std"),
            "timeouts": r.offers_expired,
        }
    return rows


def ratios(
    rows: dict[str, dict[str, float | None]], baseline: str = "nearest"
) -> dict[str, dict[str, float | None]]:
    """Each policy's figures over the baseline's (None where either is missing or 0)."""
    base = rows.get(baseline)
    if base is None:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, row in rows.items():
        out[name] = {
            k: round(v / base[k], 3) if v is not None and base[k] else None for k, v in row.items()
        }
    return out


def _cell(key: str, v: float | None) -> str:
    if v is None:
        return "–"
    if key in _PERCENT:
        return f"{v:.0%}"
    if key in ("booked", "timeouts"):
        return str(int(v))
    return f"{v:g}"


def compare_table(reports: dict[str, SimReport]) -> list[str]:
    """A Markdown table, one row per policy."""
    rows = compare_rows(reports)
    head = "| policy | " + " | ".join(label for _k, label in COMPARE_COLUMNS) + " |"
    lines = [head, "|---" * (len(COMPARE_COLUMNS) + 1) + "|"]
    for name, row in rows.items():
        cells = [_cell(key, row[key]) for key, _label in COMPARE_COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write_compare(reports: dict[str, SimReport], json_path: Path, png_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    rows = compare_rows(reports)
    body = {
        "policies": {name: POLICIES[name][2] for name in reports if name in POLICIES},
        "summary": rows,
        "vs_nearest": ratios(rows),
        "reports": {name: asdict(r) for name, r in reports.items()},
    }
    json_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot_compare(reports, png_path)


def plot_compare(reports: dict[str, SimReport], path: Path) -> None:
    rows = compare_rows(reports)
    names = list(rows)
    panels = (
        (("served",), "served rate", 1.0),
        (("accept_p50_s", "accept_p90_s"), "time to accept, s (p50, p90)", None),
        (
            ("asap_eta_mean_min", "asap_eta_p95_min"),
            "ASAP: booked to arrival, min (mean, p95)",
            None,
        ),
        (("travel_mean_min", "travel_p95_min"), "travel to the job, min (mean, p95)", None),
        (("km_per_job",), "km driven per job", None),
        (("on_time",), "on-time arrival", 1.0),
        (("pay_gini",), "technician pay Gini (lower = fairer)", None),
        (("pay_std_yuan",), "technician pay std, yuan", None),
        (("timeouts",), "offer timeouts", None),
    )
    fig = Figure(figsize=(17, 6.6))
    axes = fig.subplots(2, 5)
    colors = ["#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c"]
    flat = list(axes.flat)
    for ax, (keys, title, top) in zip(flat, panels, strict=False):
        width = 0.8 / len(keys)
        for k, key in enumerate(keys):
            values = [float(rows[n][key] or 0.0) for n in names]
            xs = [i + (k - (len(keys) - 1) / 2) * width for i in range(len(names))]
            bars = ax.bar(
                xs, values, width=width, color=colors[: len(names)], alpha=1.0 if k == 0 else 0.55
            )
            ax.bar_label(bars, labels=[_cell(key, v) for v in values], fontsize=7)
        ax.set_xticks(range(len(names)), names)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        if top is not None:
            ax.set_ylim(0, top * 1.12)
        else:
            ax.margins(y=0.15)
    first = next(iter(reports.values()))
    demand = flat[len(panels)]
    hours = list(first.bookings_by_hour)
    demand.bar(hours, [first.bookings_by_hour[h] for h in hours], color="#9467bd")
    demand.set_title("bookings by local hour (every policy)", fontsize=9)
    demand.tick_params(labelsize=7)
    cfg = first.config
    fig.suptitle(
        f"Demo district, {cfg.get('hours')} simulated h from {str(cfg.get('start_local'))[11:16]}, "
        f"{first.orders} bookings ({first.asap_orders} ASAP), "
        f"{first.technicians_online} technicians online, seed {cfg.get('seed')}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
