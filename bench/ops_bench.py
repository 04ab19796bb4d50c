"""Operations figures: audit append and verify throughput, anomaly scan over active orders.

    .venv/bin/python bench/ops_bench.py [--orders 2000] [--entries 3000]

Writes bench/out/ops_bench.json. Runs on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from servers import unit_of_work
from sqlmodel import SQLModel

import server.models  # noqa: F401
from server.audit import log as audit_service
from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.clock import FrozenClock
from server.core.db import make_engine
from server.ops import monitoring
from server.orders.models import Order

STATUSES = [
    "PENDING_DISPATCH",
    "OFFERED",
    "ACCEPTED",
    "EN_ROUTE",
    "ARRIVED",
    "IN_SERVICE",
    "AWAITING_CONFIRMATION",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=3000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    clock = FrozenClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    out: dict[str, object] = {"orders": args.orders, "entries": args.entries}

    started = time.perf_counter()
    for first in range(0, args.entries, 100):  # a hundred entries per transaction
        with unit_of_work(engine, clock=clock) as uow:
            for i in range(first, min(first + 100, args.entries)):
                audit_service.record(
                    uow,
                    actor="usr_bench",
                    actor_role="operator",
                    action="bench.write",
                    target_type="order",
                    target_id=f"ord_{i}",
                    ip="10.0.0.1",
                    details={"i": i, "note": "x" * 40},
                )
    out["audit_append_per_s"] = round(args.entries / (time.perf_counter() - started))
    with unit_of_work(engine, clock=clock) as uow:
        started = time.perf_counter()
        result = audit_service.verify(uow)
        assert result.ok
        out["audit_verify_per_s"] = round(args.entries / (time.perf_counter() - started))

    with unit_of_work(engine, clock=clock) as uow:
        s = uow.session
        catalog_service.load_catalog(uow)
        s.add(
            User(
                id="usr_c",
                role="customer",
                name="c",
                phone_enc="x",
                phone_index="i",
                password_hash="h",
                created_at=clock.now(),
            )
        )
        now = clock.now()
        for i in range(args.orders):
            start = now + timedelta(minutes=(i % 240) - 120)
            s.add(
                Order(
                    id=f"ord_{i:06d}",
                    customer_id="usr_c",
                    service_id="svc_daily_cleaning",
                    status=STATUSES[i % len(STATUSES)],
                    scheduled_start=start,
                    scheduled_end=start + timedelta(hours=2),
                    address_enc="x",
                    lat=39.9,
                    lng=116.4,
                    total=8000,
                    created_at=now - timedelta(minutes=i % 90),
                    updated_at=now,
                    started_at=start if STATUSES[i % len(STATUSES)] == "IN_SERVICE" else None,
                )
            )
    with unit_of_work(engine, clock=clock) as uow:
        started = time.perf_counter()
        board = monitoring.current_anomalies(uow)
        out["anomaly_scan_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["anomalous_orders"] = board["anomalous_orders"]
        out["anomaly_counts"] = board["counts"]
    target = Path(__file__).parent / "out" / "ops_bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
