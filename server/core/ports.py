"""Ports: a question a lower domain asks, answered by a higher one.

Layers only import downwards, yet pricing must know what was paid (payments) and files
must know who takes part in an order (orders). The lower domain declares a ``Port``
with the answer's signature; ``server.bootstrap`` plugs in the higher domain's function
at start-up, for every entry point. Asking an unplugged port is a wiring bug, said so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Port(Generic[F]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._answer: F | None = None

    def plug(self, answer: F) -> None:
        self._answer = answer

    @property
    def ask(self) -> F:
        """The plugged function, to call with the question's arguments."""
        if self._answer is None:
            raise RuntimeError(f"port {self.name} is not plugged (call server.bootstrap.wire)")
        return self._answer
