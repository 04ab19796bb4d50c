"""Fan-out isolation: a stuck client is dropped, the others get everything; gaps are filled."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from starlette.websockets import WebSocketState

from server.realtime.config import RealtimeSettings
from server.realtime.hub import CLOSE_TOO_SLOW, Connection, Hub

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class FakeWebSocket:
    application_state = WebSocketState.CONNECTED

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.sent: list[dict] = []
        self.closed_with: int | None = None
        self._never = asyncio.Event()

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await self._never.wait()
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code


class Store:
    def __init__(self, log: dict[str, list[dict]]) -> None:
        self.log = log
        self.gap_reads = 0

    def order_events(self, order_id: str, after_seq: int, upto_seq: int) -> list[dict]:
        self.gap_reads += 1
        return [e for e in self.log[order_id] if after_seq < e["seq"] <= upto_seq]


def _event(order_id: str, seq: int) -> dict:
    return {
        "id": seq,
        "order_id": order_id,
        "seq": seq,
        "type": f"e{seq}",
        "actor_id": None,
        "actor_role": "system",
        "payload": {},
    }


def _message(order_id: str, customer_id: str, *events: dict) -> dict:
    return {
        "t": "order",
        "order_id": order_id,
        "events": list(events),
        "order": {
            "id": order_id,
            "customer_id": customer_id,
            "technician_id": None,
            "offered_technician_id": None,
            "status": "PENDING_DISPATCH",
        },
    }


async def _settle(predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_a_stuck_client_is_dropped_and_never_blocks_the_others() -> None:
    config = RealtimeSettings(queue_size=5, heartbeat_seconds=60)
    hub = Hub(config=config, store=Store({}), now=lambda: NOW)
    stuck_ws, fine_ws = FakeWebSocket(stuck=True), FakeWebSocket()
    stuck = Connection(
        hub, stuck_ws, user_id="c1", role="customer", token_exp=NOW + timedelta(hours=1)
    )
    fine = Connection(
        hub, fine_ws, user_id="c1", role="customer", token_exp=NOW + timedelta(hours=1)
    )
    for conn in (stuck, fine):
        hub.add(conn)
        conn.run()
        conn.start_live(None)
    for seq in range(1, 51):
        hub.dispatch(_message("ord_1", "c1", _event("ord_1", seq)))
        await asyncio.sleep(0)
    await _settle(lambda: len(fine_ws.sent) == 50)
    assert [m["seq"] for m in fine_ws.sent] == list(range(1, 51))
    assert stuck.closed and stuck.close_code == CLOSE_TOO_SLOW and hub.metrics_dropped >= 1
    for conn in (stuck, fine):
        hub.remove(conn)
        await conn.stop()
    assert hub.connections == 0


async def test_a_gap_in_live_messages_is_filled_from_the_store() -> None:
    log = {"ord_1": [_event("ord_1", s) for s in range(1, 6)]}
    store = Store(log)
    hub = Hub(config=RealtimeSettings(heartbeat_seconds=60), store=store, now=lambda: NOW)
    ws = FakeWebSocket()
    conn = Connection(hub, ws, user_id="c1", role="customer", token_exp=NOW + timedelta(hours=1))
    hub.add(conn)
    conn.run()
    conn.start_live(None)
    hub.dispatch(_message("ord_1", "c1", log["ord_1"][0]))
    hub.dispatch(_message("ord_1", "c1", log["ord_1"][4]))  # 2..4 never arrived through the broker
    hub.dispatch(_message("ord_1", "c1", log["ord_1"][2]))  # a late duplicate
    hub.dispatch(_message("ord_1", "someone_else", _event("ord_1", 6)))  # not theirs
    await _settle(lambda: len(ws.sent) >= 5)
    await asyncio.sleep(0.05)
    assert [m["seq"] for m in ws.sent] == [1, 2, 3, 4, 5] and store.gap_reads == 1
    hub.remove(conn)
    await conn.stop()


class Signs:
    """A presence that records what the hub tells it (``realtime.presence`` in the app)."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []
        self.while_leaving = lambda: None  # what happens while a departure is being told

    def arrived(self, technician_id: str) -> bool:
        self.told.append(("arrived", technician_id))
        return True

    def wake(self, technician_id: str) -> bool:
        return True

    def alive(self, technician_id: str) -> None:
        self.told.append(("alive", technician_id))

    def left(self, technician_id: str) -> None:
        self.told.append(("left", technician_id))
        self.while_leaving()


async def test_a_technicians_connections_are_his_presence() -> None:
    config = RealtimeSettings(heartbeat_seconds=20)
    signs = Signs()
    hub = Hub(config=config, store=Store({}), now=lambda: NOW, presence=signs)

    def connection(user_id: str, role: str = "technician") -> Connection:
        return Connection(hub, FakeWebSocket(), user_id=user_id, role=role, token_exp=NOW)

    def connect(user_id: str, role: str = "technician") -> Connection:
        conn = connection(user_id, role)
        hub.add(conn)
        return conn

    customer = connect("c1", role="customer")
    assert await hub.arrived(customer) is False  # customers have no presence
    first = connect("t1")
    assert await hub.arrived(first) is True
    await hub.heard(first)  # just arrived: no refresh yet
    first.last_seen += config.heartbeat_seconds / 2
    await hub.heard(first)  # half a heartbeat on, the client spoke: refreshed
    second = connect("t1")  # the same technician on a second device
    hub.remove(first)
    await hub.departed(first)  # one connection left: still here
    hub.remove(second)
    await hub.departed(second)  # his last one closed: gone
    hub.remove(customer)
    await hub.departed(customer)
    assert signs.told == [("arrived", "t1"), ("alive", "t1"), ("left", "t1")]

    signs.told.clear()
    again = connect("t1")
    hub.remove(again)
    reconnected = connection("t1")
    signs.while_leaving = lambda: hub.add(reconnected)
    await hub.departed(again)  # he reconnected while his departure was being told ...
    assert signs.told == [("left", "t1"), ("alive", "t1")]  # ... so he is still there
    hub.remove(reconnected)
