"""Headers every reply carries: no sniffing, no framing, no referrer, and (for the API)
nothing kept in a cache — the replies are someone's orders, tokens and addresses."""

from __future__ import annotations

from typing import Any

Scope = dict[str, Any]

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_API = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeaders:
    """Pure ASGI (no body buffering): adds the headers to the reply's start message; a
    reply that sets its own Cache-Control keeps it."""

    def __init__(self, app: Any, *, api_prefix: str) -> None:  # noqa: ANN401
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:  # noqa: ANN401
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(self.api_prefix)

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = _ALWAYS + (_API if api else ())
                headers += [(k, v) for k, v in extra if k not in present]
                if api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
