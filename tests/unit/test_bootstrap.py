"""The composition root: every port is plugged and every reaction subscribed, once."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import server
from server import bootstrap
from server.core.events import order_events
from server.core.ports import Port


def _ports() -> list[Port]:
    found = []
    for info in pkgutil.walk_packages(server.__path__, "server."):
        if info.name.endswith(".ports") and info.name != "server.core.ports":
            module = importlib.import_module(info.name)
            found += [v for v in vars(module).values() if isinstance(v, Port)]
    return found


def test_wire_plugs_every_port_of_every_domain() -> None:
    bootstrap.wire()
    ports = _ports()
    assert {p.name.split(".")[0] for p in ports} >= {"orders", "pricing", "files", "dispatch"}
    for port in ports:
        assert callable(port.ask), port.name


def test_wiring_twice_subscribes_each_reaction_once() -> None:
    bootstrap.wire()
    first = (list(order_events._in_transaction), list(order_events._after_commit))
    bootstrap.wire()
    assert (order_events._in_transaction, order_events._after_commit) == first
    assert len(set(first[0])) == len(first[0]) == 11


def test_an_unplugged_port_says_which_it_is() -> None:
    port: Port = Port("example.question")
    with pytest.raises(RuntimeError, match="example.question"):
        port.ask()
