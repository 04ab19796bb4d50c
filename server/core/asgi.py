"""ASGI helpers for the middlewares that must see a whole request body before the app
(the size guard for chunked bodies, the unit of work) or hold its reply until a commit."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from server.core.errors import error_body

Receive = Callable[[], Awaitable[dict[str, Any]]]


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, counted as it arrives: None as soon as it passes ``limit``, so
    an oversized body is never held whole. (A client that goes away ends the body.)"""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > limit:
            return None
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the live channel
    (where the app may wait for the client to disconnect)."""
    replayed = False

    async def receive_again() -> dict[str, Any]:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive_again


class HeldReply:
    """An app's reply, held (until the transaction behind it has committed), then sent."""

    def __init__(self) -> None:
        self.start: dict[str, Any] | None = None
        self.chunks: list[bytes] = []

    async def capture(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return self.start["status"] if self.start else 500

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: bytes) -> str | None:
        for key, value in (self.start or {}).get("headers", []):
            if key.lower() == name:
                return value.decode("latin-1")
        return None

    async def send_to(self, send: Callable[[dict[str, Any]], Any]) -> None:
        assert self.start is not None
        await send(self.start)
        await send({"type": "http.response.body", "body": self.body})

    @classmethod
    def error(
        cls,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> HeldReply:
        """A reply in the API's one error shape."""
        data = json.dumps(error_body(code, message, details)).encode()
        reply = cls()
        reply.start = {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *(headers or []),
            ],
        }
        reply.chunks = [data]
        return reply
