"""uvicorn's HTTP protocol, with a deadline for each request's head.

uvicorn closes a keep-alive connection that stays quiet after a response, but not one
that never sends a request, nor one that trickles a request a byte at a time (each byte
stops its keep-alive timer): a few hundred such connections hold every socket the server
has. Here a connection must deliver a whole request head (request line and headers)
within ``HEAD_TIMEOUT_S`` of opening, and again of each response, or it is closed. A
body may take as long as the client needs (an upload on a phone's weak signal); a
WebSocket, once upgraded, keeps its own pings.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT_S = 15.0


class HeadDeadlineProtocol(HttpToolsProtocol):
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_head_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(HEAD_TIMEOUT_S, self._head_too_slow)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
