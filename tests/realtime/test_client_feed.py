"""The feed subscriber's reconnect / resume / dedupe logic against a scripted server."""

from __future__ import annotations

import asyncio
import json

import pytest

from client.api import ApiError, NetworkError, Session
from client.feed import FeedState, LiveFeed


class FakeApi:
    def __init__(self) -> None:
        self.session = Session(access_token="t1", refresh_token="r")
        self.refreshes = 0

    def ws_url(self, path: str = "/ws") -> str:
        return "ws://test/api/v1" + path

    async def refresh(self) -> dict:
        self.refreshes += 1
        self.session.access_token = f"t{self.refreshes + 1}"
        return {}

    async def order_events(
        self, order_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[dict]:
        raise AssertionError("the scripted server never leaves gaps")


class FakeServer:
    """Replays from its event log like the real one, with deliberate duplicates."""

    def __init__(self, heartbeat_seconds: float | None = None) -> None:
        self.log: list[dict] = []  # global order of events
        self.hidden: set[int] = set()  # event ids this user may not see (never sent)
        self.sockets: list[FakeSocket] = []
        self.resumes: list[dict] = []
        self.urls: list[str] = []
        self.expire_next = False
        self.heartbeat_seconds = heartbeat_seconds

    def add(self, order_id: str, *, lost: bool = False, hidden: bool = False) -> dict:
        """``lost``: the live push never reaches the client (a replay has it);
        ``hidden``: an event of the order this user may not see (neither pushed nor replayed)."""
        seq = 1 + sum(1 for e in self.log if e["order_id"] == order_id)
        event = {
            "type": "event",
            "id": len(self.log) + 1,
            "order_id": order_id,
            "seq": seq,
            "event_type": f"e{seq}",
            "payload": {},
        }
        self.log.append(event)
        if hidden:
            self.hidden.add(event["id"])
        if not (lost or hidden):
            for s in self.sockets:
                if s.live and not s.dead:
                    s.inbox.put_nowait(json.dumps(event))
        return event

    async def connect(self, url: str) -> FakeSocket:
        self.urls.append(url)
        sock = FakeSocket(self)
        self.sockets = [s for s in self.sockets if not s.closed] + [sock]
        welcome = {"type": "welcome", "cursor": len(self.log), "chat_cursor": 0}
        if self.heartbeat_seconds is not None:
            welcome["heartbeat_seconds"] = self.heartbeat_seconds
        sock.inbox.put_nowait(json.dumps(welcome))
        if self.expire_next:
            self.expire_next = False
            sock.inbox.put_nowait(
                json.dumps({"type": "bye", "code": 4001, "reason": "token_expired"})
            )
        return sock


class FakeSocket:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.live = False
        self.closed = False
        self.dead = False  # the link died without a close: nothing arrives any more

    async def send(self, data: str) -> None:
        msg = json.loads(data)
        if msg["type"] != "resume":
            return
        self.server.resumes.append(msg)
        seqs, cursor = msg["seqs"], msg["cursor"] or 0
        for e in self.server.log:
            if e["id"] in self.server.hidden:
                continue
            known = seqs.get(e["order_id"])
            # duplicates on purpose: one event before what the client has
            if (known is not None and e["seq"] >= known) or (
                known is None and e["id"] > cursor - 1
            ):
                self.inbox.put_nowait(json.dumps(e))
        self.inbox.put_nowait(json.dumps({"type": "replayed", "cursor": len(self.server.log)}))
        self.live = True

    async def recv(self) -> str:
        item = await self.inbox.get()
        if item is None:
            raise ConnectionError("dropped")
        return item

    async def close(self) -> None:
        self.closed = True
        self.live = False
        self.inbox.put_nowait(None)


async def _until(predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_drops_mid_flow_lose_and_reorder_nothing() -> None:
    server, api = FakeServer(), FakeApi()
    got: list[dict] = []
    feed = LiveFeed(
        api, on_message=got.append, connector=server.connect, min_backoff=0.001, max_backoff=0.01
    )
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    for i in range(30):
        server.add("ord_a" if i % 3 else "ord_b")
        if i % 7 == 3:
            target = feed.connects + 1
            await feed.drop()  # connection lost mid-flow
            server.add("ord_a")  # ...and something happens while offline
            await _until(lambda t=target: feed.connects >= t and feed.connected.is_set())
    await _until(lambda: len([m for m in got if m["type"] == "event"]) == len(server.log))
    await feed.stop()
    await runner
    events = [m for m in got if m["type"] == "event"]
    for order_id in ("ord_a", "ord_b"):
        seqs = [e["seq"] for e in events if e["order_id"] == order_id]
        assert seqs == list(range(1, len(seqs) + 1))
    assert feed.connects >= 5
    assert all(r["seqs"] for r in server.resumes[1:])  # every reconnect said where it was
    assert FeedState.from_dict(feed.state.to_dict()).seqs == feed.state.seqs


async def test_expired_token_is_refreshed_and_feed_resumes() -> None:
    server, api = FakeServer(), FakeApi()
    server.expire_next = True
    feed = LiveFeed(api, connector=server.connect, min_backoff=0.001)
    iterator = feed.__aiter__()
    server.add("ord_x")
    first = await asyncio.wait_for(iterator.__anext__(), 5)
    assert first["type"] in ("event", "replayed")
    assert api.refreshes == 1 and server.urls[-1].endswith("token=t2")
    await iterator.aclose()


async def test_garbage_from_server_reconnects() -> None:
    server, api = FakeServer(), FakeApi()
    feed = LiveFeed(api, connector=server.connect, min_backoff=0.001, on_message=lambda m: None)
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    server.sockets[-1].inbox.put_nowait("not json")
    await _until(lambda: feed.connects >= 2)
    assert feed.last_close is not None and "malformed" in feed.last_close.reason
    await feed.stop()
    await runner


async def test_silent_connection_times_out_then_resumes() -> None:
    """A half-open connection (no close, no heartbeat) must not hang the feed forever."""
    server, api = FakeServer(), FakeApi()
    got: list[dict] = []
    feed = LiveFeed(
        api,
        on_message=got.append,
        connector=server.connect,
        min_backoff=0.001,
        max_backoff=0.01,
        read_timeout=0.3,
    )
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    server.add("ord_a")
    await _until(lambda: [m.get("seq") for m in got if m["type"] == "event"] == [1])
    server.sockets[-1].dead = True  # the network dies silently: no close frame, no pings
    server.add("ord_a")  # pushed into the void
    await _until(lambda: feed.connects >= 2, timeout=5)
    assert feed.last_close is not None and "read timeout" in feed.last_close.reason
    await _until(lambda: [m.get("seq") for m in got if m["type"] == "event"] == [1, 2])
    assert server.resumes[-1]["seqs"] == {"ord_a": 1}  # resumed from where it was
    await feed.stop()
    await runner


async def test_read_timeout_follows_the_announced_heartbeat() -> None:
    server, api = FakeServer(heartbeat_seconds=0.1), FakeApi()
    feed = LiveFeed(api, connector=server.connect, min_backoff=0.001, on_message=lambda m: None)
    assert feed.effective_read_timeout() == pytest.approx(50.0)  # 2.5 x the default 20 s
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    assert feed.effective_read_timeout() == pytest.approx(0.25)
    # the fake server never pings: silence for 2.5 heartbeats ends the connection
    await _until(lambda: feed.connects >= 2, timeout=5)
    assert "read timeout" in feed.last_close.reason
    await feed.stop()
    await runner


class FlakyTimelineApi(FakeApi):
    """The REST timeline is unreachable (or refuses), so a gap cannot be filled there."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.timeline_calls = 0

    async def order_events(
        self, order_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[dict]:
        self.timeline_calls += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [NetworkError("no signal", maybe_delivered=False), ApiError(503, "unavailable")],
)
async def test_unfillable_gap_keeps_the_cursor_and_resumes(error: Exception) -> None:
    server, api = FakeServer(), FlakyTimelineApi(error)
    got: list[dict] = []
    feed = LiveFeed(
        api, on_message=got.append, connector=server.connect, min_backoff=0.001, max_backoff=0.01
    )
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    server.add("ord_a")
    await _until(lambda: feed.state.seqs.get("ord_a") == 1)
    server.add("ord_a", lost=True)  # seq 2 never arrives live
    server.add("ord_a")  # seq 3 does: a gap the REST timeline cannot fill
    await _until(lambda: [m.get("seq") for m in got if m["type"] == "event"] == [1, 2, 3])
    assert api.timeline_calls >= 1
    assert feed.connects >= 2 and "gap" in feed.last_close.reason
    # the reconnect said "I have seq 1", not 3: nothing was skipped
    assert server.resumes[-1]["seqs"] == {"ord_a": 1}
    assert feed.state.seqs == {"ord_a": 3}
    await feed.stop()
    await runner


async def test_gap_the_server_replay_also_has_is_stepped_over_once() -> None:
    """Events this user may not see (the order was someone else's meanwhile) leave a gap
    that no replay fills: after one resume the feed takes the next event, no loop."""
    server, api = FakeServer(), FlakyTimelineApi(ApiError(403, "forbidden"))
    got: list[dict] = []
    feed = LiveFeed(
        api, on_message=got.append, connector=server.connect, min_backoff=0.001, max_backoff=0.01
    )
    runner = asyncio.create_task(feed.run())
    await feed.connected.wait()
    server.add("ord_a")
    await _until(lambda: feed.state.seqs.get("ord_a") == 1)
    server.add("ord_a", hidden=True)
    server.add("ord_a")
    await _until(lambda: [m.get("seq") for m in got if m["type"] == "event"] == [1, 3])
    await asyncio.sleep(0.1)
    assert feed.connects == 2  # exactly one resume, then on with the feed
    server.add("ord_a")
    await _until(lambda: [m.get("seq") for m in got if m["type"] == "event"] == [1, 3, 4])
    await feed.stop()
    await runner
