"""The client's plumbing: one :meth:`ClientCore.request` that every endpoint goes through.

It sends the bearer token and answers a 401 ``token_expired`` by one refresh and one
retry; it puts an ``Idempotency-Key`` on every POST (the caller's own when given: the
technician app's offline queue stores it with the action so a replay is recognised);
it turns error replies into :class:`ApiError` and connection failures into
:class:`NetworkError`. The endpoint methods (``client.api.auth``, ``.orders`` ...) are
mixins of this class and call it through ``_get`` / ``_get_list`` / ``_post`` / ``_put``,
which validate the reply into the route's model of ``client.models`` (generated from the
server's OpenAPI): the apps render from typed models, never from raw JSON.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from client.api.errors import ApiError, BadReplyError, NetworkError
from client.api.session import JSON, Session
from client.models import TokenPair

log = logging.getLogger("doorstep.client")

API_PREFIX = "/api/v1"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _clean(data: Mapping[str, Any]) -> JSON:
    """Drop None values so optional fields keep their server defaults."""
    return {
        k: (_iso(v) if isinstance(v, datetime) else v) for k, v in data.items() if v is not None
    }


M = TypeVar("M", bound=BaseModel)


def parse_reply(model: type[M], data: Any, where: str) -> M:
    """The one place a server reply becomes a model: a reply this client cannot read (an
    older app against a newer server, a proxy's error page) is a clear
    :class:`BadReplyError`, never a crash deep in a view."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadReplyError(where, model.__name__, exc) from exc


def parse_replies(model: type[M], data: Any, where: str) -> list[M]:
    """A list reply, each item through :func:`parse_reply`."""
    if not isinstance(data, list):
        raise BadReplyError(where, f"list[{model.__name__}]", None)
    return [parse_reply(model, item, where) for item in data]


def api_root(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


class ClientCore:
    """Connection, tokens and the request loop; no endpoint of its own but health."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        session: Session | None = None,
        timeout: float = 15.0,
        on_session_change: Callable[[Session], Awaitable[None] | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.root = api_root(base_url)
        self.session = session or Session()
        self.on_session_change = on_session_change
        self._http = httpx.AsyncClient(base_url=self.root, transport=transport, timeout=timeout)
        self._refresh_lock = asyncio.Lock()

    # -- plumbing -------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    def ws_url(self, path: str = "/ws") -> str:
        """The WebSocket URL of the live feed (http→ws, https→wss)."""
        root = self.root
        if root.startswith("https://"):
            root = "wss://" + root[len("https://") :]
        elif root.startswith("http://"):
            root = "ws://" + root[len("http://") :]
        return root + path

    async def _session_changed(self) -> None:
        if self.on_session_change is not None:
            result = self.on_session_change(self.session)
            if asyncio.iscoroutine(result):
                await result

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        authenticated: bool = True,
    ) -> Any:
        """Send one request; returns the decoded JSON (or None for empty replies)."""
        headers: dict[str, str] = {}
        if method.upper() == "POST":
            headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        refreshed = False
        while True:
            token = self.session.access_token if authenticated else None
            if token:
                headers["Authorization"] = f"Bearer {token}"
            else:
                headers.pop("Authorization", None)
            response = await self._send(
                method, path, json=json, params=query, files=files, data=data, headers=headers
            )
            if (
                response.status_code == 401
                and authenticated
                and not refreshed
                and self.session.refresh_token
            ):
                error = ApiError.from_response(response)
                if error.code == "token_expired":
                    await self._refresh_after_expiry(token)
                    refreshed = True
                    continue
            if response.status_code >= 400:
                raise ApiError.from_response(response)
            if not response.content:
                return None
            if "json" in response.headers.get("content-type", ""):
                return response.json()
            return response.content

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NetworkError(f"cannot reach the server: {exc}", maybe_delivered=False) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection lost: {exc}", maybe_delivered=True) from exc

    # -- the shapes every endpoint method takes: each reply becomes the route's model --

    async def _get(self, path: str, *, model: type[M], **params: Any) -> M:
        """GET with a query (None values are left out), the reply as ``model``."""
        return parse_reply(model, await self.request("GET", path, params=params), path)

    async def _get_list(self, path: str, *, model: type[M], **params: Any) -> list[M]:
        """GET a list reply, each item as ``model``."""
        return parse_replies(model, await self.request("GET", path, params=params), path)

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        model: type[M],
        key: str | None = None,
        at: datetime | str | None = None,
    ) -> M:
        """POST a JSON body (None values left out) under the idempotency ``key``, with
        ``at`` as its ``occurred_at`` (the device time of a field action)."""
        payload = _clean(dict(body or {}))
        if at is not None:
            payload["occurred_at"] = _iso(at)
        reply = await self.request("POST", path, json=payload, idempotency_key=key)
        return parse_reply(model, reply, path)

    async def _put(self, path: str, body: Mapping[str, Any], *, model: type[M]) -> M:
        """PUT a JSON body, None values left out."""
        return parse_reply(model, await self.request("PUT", path, json=_clean(dict(body))), path)

    # -- tokens ---------------------------------------------------------------------

    async def _refresh_after_expiry(self, failed_token: str | None) -> None:
        async with self._refresh_lock:
            if self.session.access_token != failed_token:
                return  # another task refreshed while we waited
            await self.refresh()

    async def _signed_in(self, data: Any, where: str) -> TokenPair:
        """Keep the tokens and the user of a sign-up, sign-in or refresh reply and tell
        the app (which persists the session)."""
        reply = parse_reply(TokenPair, data, where)
        self.session.access_token = reply.access_token
        self.session.refresh_token = reply.refresh_token
        self.session.user = reply.user
        await self._session_changed()
        return reply

    async def refresh(self) -> TokenPair:
        if not self.session.refresh_token:
            raise ApiError(401, "not_authenticated", "no refresh token; sign in again")
        try:
            reply = await self.request(
                "POST",
                "/auth/refresh",
                json={"refresh_token": self.session.refresh_token},
                authenticated=False,
            )
        except ApiError as exc:
            if exc.status == 401:
                self.session.clear()
                await self._session_changed()
            raise
        return await self._signed_in(reply, "/auth/refresh")

    # -- health ---------------------------------------------------------------------

    async def healthz(self) -> JSON:
        """The server's liveness probe (outside the API: no schema, plain JSON)."""
        try:
            response = await self._http.get(self.base_url.removesuffix(API_PREFIX) + "/healthz")
        except httpx.TransportError as exc:
            raise NetworkError(f"cannot reach the server: {exc}", maybe_delivered=False) from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json()
