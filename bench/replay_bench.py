"""How long a what-if replay of a week of the demo's history takes (the budget: 60 s).

Seeds the demo city (three weeks of bookings placed by the real dispatcher) into a fresh
SQLite database, then replays the last full week three times under rules that differ from
today's (batch matching every 60 s, a 10 km search radius): reading the period, the re-run
under today's rules (the baseline) and under the rules tried, and the comparison. Prints
the median and its ratio to the 60 s budget. Writes bench/out/replay.json.

    .venv/bin/python bench/replay_bench.py
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import SQLModel  # noqa: E402

from server import bootstrap  # noqa: E402
from server.core.db import make_engine  # noqa: E402
from server.core.settings import Settings  # noqa: E402
from server.core.uow import Parts, UnitOfWork  # noqa: E402
from server.demo import seed_demo  # noqa: E402
from server.ops.replay import service as replays  # noqa: E402

BUDGET_S = 60.0
RULES = {"dispatch": {"mode": "batch", "batch_interval_seconds": 60, "search_radius_km": 10}}
OUT = Path(__file__).resolve().parent / "out" / "replay.json"


def main() -> None:
    bootstrap.wire()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'replay.db'}"
        settings = Settings(env="test", secret_key="b" * 40, data_dir=Path(tmp), database_url=url)
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        parts = Parts.on(engine, settings)
        began = time.perf_counter()
        with UnitOfWork.begin(parts) as uow:
            seeded = seed_demo(uow)
        seed_s = time.perf_counter() - began
        now = datetime.now(UTC)
        end = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start = end - timedelta(days=7)
        runs, result = [], {}
        for _ in range(3):
            began = time.perf_counter()
            with UnitOfWork.begin(parts, write=False) as uow:
                result = replays.replay(uow, start=start, end=end, rules=RULES)
            runs.append(time.perf_counter() - began)
        engine.dispose()
    median = statistics.median(runs)
    figures = {
        "bench": "replay",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "seeded_orders": seeded.counts["orders_completed"] + seeded.counts["orders_cancelled"],
        "seed_s": round(seed_s, 2),
        "week_orders": result["orders"],
        "technicians": result["technicians"],
        "replay_s_runs": [round(r, 3) for r in runs],
        "replay_s_median": round(median, 3),
        "budget_s": BUDGET_S,
        "ratio_to_budget": round(median / BUDGET_S, 4),
        "served_share": {
            k: result[k]["served_share"] for k in ("happened", "baseline", "replayed")
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(
        f"replay of a week: {result['orders']} orders, {result['technicians']} technicians, "
        f"median {median:.2f} s over {len(runs)} runs = {median / BUDGET_S:.3f} x the 60 s budget"
    )
    print(f"served share happened / baseline / tried: {figures['served_share']}")


if __name__ == "__main__":
    main()
