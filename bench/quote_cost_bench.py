"""What a quote costs as the city grows: CPU per ``POST /quotes`` at 40 and at 10,000
technicians.

The quote's traffic subsidy needs the nearest technician who could do the job. It is
looked up among the technicians whose service area comes within the subsidy's full
distance of the address (an indexed search), so a quote should cost what its
neighbourhood costs, not the city. Each city (``dispatch_round_bench.seed``: a 40 x 40 km
Beijing) is served in-process; the same customer asks for the same quotes at the same
addresses in both, and the bench prints CPU per quote (this process: server and test
client together) and the ratio of the large city to the small one.
Writes bench/out/quote_cost.json.

    .venv/bin/python bench/quote_cost_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from server.auth.consent import POLICY_VERSION

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch_round_bench import NOW, SERVICE, _copy, _point, empty_database, seed  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from server.app import create_app  # noqa: E402
from server.core.clock import FrozenClock  # noqa: E402
from server.core.db import make_engine  # noqa: E402
from server.core.settings import Settings  # noqa: E402

OUT = Path(__file__).parent / "out" / "quote_cost.json"


def quote_cpu(db: Path, points: list[tuple[float, float]], repeats: int) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{db}")
    settings = Settings(
        env="test",
        data_dir=db.parent / f"data_{db.stem}",
        background_tasks=False,
        secret_key="quote-bench-secret-0123456789abcdef",
        phone_verification=False,  # the bench measures quotes, not sign-up
    )
    app = create_app(settings, clock=FrozenClock(NOW), engine=engine)
    per_quote: list[float] = []
    with TestClient(app) as client:
        r = client.post(
            "/api/v1/auth/register",
            json={
                "phone": "13512345678",
                "password": "bench password",
                "name": "报价",
                "role": "customer",
                "accepted_policy_version": POLICY_VERSION,
            },
        )
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        start = (NOW + timedelta(days=2)).isoformat()
        for round_ in range(repeats + 1):
            for lat, lng in points:
                body = {
                    "service_id": SERVICE,
                    "scheduled_start": start,
                    "address": {
                        "lat": lat,
                        "lng": lng,
                        "text": "北京市朝阳区某小区1号楼",
                        "district": "朝阳",
                    },
                }
                t0 = time.process_time()
                r = client.post("/api/v1/quotes", json=body, headers=headers)
                spent = time.process_time() - t0
                assert r.status_code == 201, r.text
                if round_:  # the first round warms caches
                    per_quote.append(spent)
    engine.dispose()
    return {
        "quotes": len(per_quote),
        "cpu_ms_p50": round(statistics.median(per_quote) * 1000, 2),
        "cpu_ms_mean": round(statistics.fmean(per_quote) * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="40,10000")
    ap.add_argument("--points", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(3)
    points = [_point(rng) for _ in range(args.points)]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        empty = work / "empty.db"
        empty_database(empty)
        for n in (int(s) for s in args.sizes.split(",")):
            db = work / f"city_{n}.db"
            _copy(empty, db)
            seed(db, n, 0)
            runs.append({"technicians": n, **quote_cpu(db, points, args.repeats)})
            print(
                f"{n:>6} technicians: {runs[-1]['cpu_ms_p50']} ms CPU per quote (p50), "
                f"{runs[-1]['cpu_ms_mean']} ms mean, {runs[-1]['quotes']} quotes",
                flush=True,
            )
    ratio = round(runs[-1]["cpu_ms_p50"] / runs[0]["cpu_ms_p50"], 2)
    print(f"largest / smallest city: {ratio} x CPU per quote")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "runs": runs,
                "ratio_largest_to_smallest": ratio,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
