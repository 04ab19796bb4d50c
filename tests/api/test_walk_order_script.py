"""The foundation's acceptance script: ``scripts/walk_order.py`` against a real server.

A customer and a technician register, the operator verifies the technician, the order is
quoted, paid through the sandbox, offered by the server's own dispatch loop, and worked by
hand through every state to COMPLETED; the events it leaves must say so, in order.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlmodel import Session, col, select

from server.orders.models import Order, OrderEvent
from tests.apps.conftest import live_settings, serve

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "walk_order.py"


def _load_script():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("walk_order", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_walk_order_script_takes_an_order_through_every_state(tmp_path, capsys) -> None:  # noqa: ANN001
    walk_order = _load_script()
    with serve(live_settings(tmp_path, background_tasks=True)) as live:
        operator = live.staff("operator")
        rc = await walk_order.walk(live.base_url, operator["phone"], operator["password"], 60.0)
        out = capsys.readouterr().out
        assert rc == 0, out
        with Session(live.engine) as session:
            [order] = session.exec(select(Order)).all()
            events = session.exec(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id)
                .order_by(col(OrderEvent.seq))
            ).all()
    assert "dispatch offered the order; the technician accepted" in out
    assert "check-in 1.1 km away refused: outside_geofence" in out
    assert order.status == "COMPLETED"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    states = [e.payload["to"] for e in events if "to" in e.payload]
    assert states == [
        "PENDING_DISPATCH",
        "OFFERED",
        "ACCEPTED",
        "EN_ROUTE",
        "ARRIVED",
        "IN_SERVICE",
        "AWAITING_CONFIRMATION",
        "COMPLETED",
    ]
    kinds = [e.type for e in events]
    assert kinds.index("order.work_order_confirmed") < kinds.index("order.started")
    steps = [e.payload["step_no"] for e in events if e.type == "order.sop_step_done"]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 3  # every step, in order
    assert kinds.index("order.finished") > kinds.index("order.sop_step_done") + len(steps) - 1
