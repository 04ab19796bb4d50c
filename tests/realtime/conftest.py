from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from server.orders import service as orders_service
from server.orders.machine import Action, Actor, ActorKind
from tests.unit_of_work import unit_of_work


@pytest.fixture
def app(app):  # noqa: ANN001, ANN201
    """The shared app with a feed tuned for tests (short waits, no heartbeat noise)."""
    config = app.state.realtime.config
    config.heartbeat_seconds = 60
    config.hello_wait_seconds = 0.2
    config.auth_wait_seconds = 0.3
    return app


class Feed:
    """A test-side WebSocket with a barrier: everything the server queued before a
    ping arrives before its pong, so "nothing more came" is checked without timers."""

    def __init__(self, ws) -> None:  # noqa: ANN001
        self.ws = ws
        self.replayed: list[dict] = []
        self.welcome = ws.receive_json()
        assert self.welcome["type"] == "welcome", self.welcome

    def resume(self, **resume) -> list[dict]:  # noqa: ANN003
        self.ws.send_json({"type": "resume", **resume})
        out = []
        while True:
            msg = self.ws.receive_json()
            if msg["type"] == "replayed":
                return out
            if msg["type"] != "ping":
                out.append(msg)

    def drain(self) -> list[dict]:
        self.ws.send_json({"type": "ping"})
        out = []
        while True:
            msg = self.ws.receive_json()
            if msg["type"] == "pong":
                return out
            if msg["type"] != "ping":
                out.append(msg)

    def events(self) -> list[dict]:
        return [m for m in self.drain() if m["type"] == "event"]


@pytest.fixture
def feed(client):  # noqa: ANN001, ANN201
    @contextlib.contextmanager
    def connect(user: dict, **resume) -> Iterator[Feed]:  # noqa: ANN003
        with client.websocket_connect(f"/api/v1/ws?token={user['access_token']}") as ws:
            f = Feed(ws)
            f.replayed = f.resume(**resume)  # what came on connecting
            yield f

    return connect


class Mover:
    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    def __call__(self, order_id: str, action: Action, actor: Actor | None = None, **kw) -> None:  # noqa: ANN003
        with unit_of_work(self.app) as uow:
            orders_service.move(
                uow, order_id=order_id, action=action, actor=actor or Actor(ActorKind.SYSTEM), **kw
            )

    def tech(self, tech: dict) -> Actor:
        return Actor(ActorKind.TECHNICIAN, tech["user"]["id"])


@pytest.fixture
def move(app) -> Mover:  # noqa: ANN001
    return Mover(app)
