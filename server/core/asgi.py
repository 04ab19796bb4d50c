"""ASGI helpers for the middlewares that must see a whole request body before the app
(the size guard for chunked bodies, idempotency keys)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
