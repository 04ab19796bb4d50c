"""A load generator's HTTP client that costs the generator almost nothing.

httpx spends about 3 ms of CPU per request; on a 2-core machine that shares its cores
with the server, a generator built on it measures itself. This client holds one
keep-alive HTTP/1.1 connection (one simulated user, one phone), writes each request as
bytes and reads the reply by its Content-Length: a few tens of microseconds a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:  # noqa: ANN401
        return json.loads(self.content)


class RawClient:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @classmethod
    def for_url(cls, url: str) -> RawClient:
        host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
        return cls(host, int(port or 80))

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,  # noqa: ANN401
    ) -> Reply:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                self._writer.write(data)
                return await self._read_reply()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.aclose()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read_reply(self) -> Reply:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise ValueError(f"a reply without Content-Length: {status_line}")
        content = await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return Reply(int(status_line.split(" ", 2)[1]), headers, content)

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):  # already gone: closed is all we need
                await self._writer.wait_closed()
            self._writer = self._reader = None
