"""Typed async client for the Doorstep HTTP API (ARCHITECTURE.md §10).

Both Flet apps talk to the server only through this module and ``client.feed``.

Why it looks the way it does:

* Tokens live in a small :class:`Session` the app may persist (``to_dict`` /
  ``from_dict``); ``on_session_change`` fires whenever tokens rotate so the app can
  save them. A 401 ``token_expired`` is answered by one refresh and one retry.
* Every POST carries an ``Idempotency-Key``. Callers may pass their own key (the
  technician app's offline queue stores it with the action so a replay is recognised)
  and a device ``occurred_at`` (the time the action really happened).
* Server errors become :class:`ApiError` with the machine-readable ``code`` from the
  server's ``{"error": {...}}`` shape; connection failures become
  :class:`NetworkError` so an offline queue can tell "no signal" (keep and retry)
  from "refused" (show the technician, never drop).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger("doorstep.client")

API_PREFIX = "/api/v1"
JSON = dict[str, Any]


class DoorstepError(Exception):
    """Base of every error this client raises."""


class ApiError(DoorstepError):
    """The server answered with an error reply (4xx/5xx)."""

    def __init__(
        self, status: int, code: str, message: str = "", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}" if message else f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message or code
        self.details: dict[str, Any] = dict(details or {})

    @property
    def retryable(self) -> bool:
        """Server-side trouble (5xx, 429) may pass; a 4xx refusal will not."""
        return self.status >= 500 or self.status == 429

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        code, message, details = f"http_{response.status_code}", response.reason_phrase or "", {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):
                code = str(err.get("code") or code)
                message = str(err.get("message") or message)
                details = err.get("details") if isinstance(err.get("details"), dict) else {}
            elif isinstance(body.get("detail"), str):
                message = body["detail"]
        return cls(response.status_code, code, message, details)


class NetworkError(DoorstepError):
    """The request did not get an answer (no signal, server down, timeout).

    ``maybe_delivered`` is False when the connection was never made (the server cannot
    have acted) and True when it broke after the request was sent: replay it with the
    same idempotency key.
    """

    def __init__(self, message: str, *, maybe_delivered: bool) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


@dataclass
class Session:
    """What the app persists between launches."""

    access_token: str | None = None
    refresh_token: str | None = None
    user: JSON | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.access_token)

    @property
    def user_id(self) -> str | None:
        return (self.user or {}).get("id")

    @property
    def role(self) -> str | None:
        return (self.user or {}).get("role")

    def to_dict(self) -> JSON:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "user": self.user,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Session:
        data = data or {}
        return cls(data.get("access_token"), data.get("refresh_token"), data.get("user"))

    def clear(self) -> None:
        self.access_token = self.refresh_token = None
        self.user = None


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


def api_root(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


class DoorstepClient:
    """One client per app (per signed-in user); share it through a Flet context."""

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

    async def __aenter__(self) -> DoorstepClient:
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

    async def _refresh_after_expiry(self, failed_token: str | None) -> None:
        async with self._refresh_lock:
            if self.session.access_token != failed_token:
                return  # another task refreshed while we waited
            await self.refresh()

    def _apply_tokens(self, reply: JSON) -> JSON:
        self.session.access_token = reply["access_token"]
        self.session.refresh_token = reply.get("refresh_token", self.session.refresh_token)
        if reply.get("user") is not None:
            self.session.user = reply["user"]
        return reply

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> Any:
        payload = _clean(dict(body or {}))
        if occurred_at is not None:
            payload["occurred_at"] = _iso(occurred_at)
        return await self.request("POST", path, json=payload, idempotency_key=idempotency_key)

    async def _get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def _put(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self.request("PUT", path, json=_clean(dict(body)))

    # -- auth -----------------------------------------------------------------------

    async def request_phone_code(self, phone: str) -> JSON:
        """Have a one-time sign-up code texted to ``phone``: ``{expires_in, resend_after}``
        (and ``sandbox_code`` from a server whose SMS provider is the sandbox)."""
        return await self.request(
            "POST", "/auth/phone-codes", json={"phone": phone}, authenticated=False
        )

    async def register(
        self,
        *,
        phone: str,
        password: str,
        name: str,
        role: str = "customer",
        code: str | None = None,
        referral_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = _clean(
            {
                "phone": phone,
                "password": password,
                "name": name,
                "role": role,
                "code": code,
                "referral_code": referral_code,
            }
        )
        reply = await self.request(
            "POST",
            "/auth/register",
            json=body,
            authenticated=False,
            idempotency_key=idempotency_key,
        )
        self._apply_tokens(reply)
        await self._session_changed()
        return reply

    async def login(self, *, phone: str, password: str) -> JSON:
        reply = await self.request(
            "POST", "/auth/login", json={"phone": phone, "password": password}, authenticated=False
        )
        self._apply_tokens(reply)
        await self._session_changed()
        return reply

    async def refresh(self) -> JSON:
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
        self._apply_tokens(reply)
        await self._session_changed()
        return reply

    async def logout(self, *, all_devices: bool = False) -> None:
        """End the sign-in on the server too (a copied refresh token stops working), then
        forget it here; without signal it is forgotten here all the same."""
        token = self.session.refresh_token
        if token:
            try:
                await self.request(
                    "POST",
                    "/auth/logout",
                    json={"refresh_token": token, "all_devices": all_devices},
                    authenticated=False,
                )
            except (ApiError, NetworkError) as exc:  # already ended, or no signal: forgotten below
                log.info("sign-out not confirmed by the server: %s", exc)
        self.session.clear()
        await self._session_changed()

    async def me(self) -> JSON:
        user = await self._get("/me")
        self.session.user = user
        return user

    # -- places ---------------------------------------------------------------------

    async def search_places(
        self, q: str, *, near: tuple[float, float] | None = None, limit: int = 10
    ) -> list[JSON]:
        """Places for autocomplete: ``{name, address, district, lat, lng}`` (WGS-84)."""
        near_text = f"{near[0]},{near[1]}" if near else None
        return await self._get("/geo/search", q=q, near=near_text, limit=limit)

    async def place_at(self, lat: float, lng: float) -> JSON:
        """The named place at a point (404 ``place_not_found`` where there is none)."""
        return await self._get("/geo/reverse", lat=lat, lng=lng)

    async def saved_addresses(self) -> list[JSON]:
        return await self._get("/me/addresses")

    async def save_address(self, address: Mapping[str, Any]) -> JSON:
        return await self._post("/me/addresses", address)

    async def update_address(self, address_id: str, address: Mapping[str, Any]) -> JSON:
        return await self._put(f"/me/addresses/{address_id}", address)

    async def delete_address(self, address_id: str) -> None:
        await self.request("DELETE", f"/me/addresses/{address_id}")

    # -- catalog and quotes ---------------------------------------------------------

    async def categories(self) -> list[JSON]:
        return await self._get("/catalog/categories")

    async def services(self, *, q: str | None = None, category_id: str | None = None) -> list[JSON]:
        return await self._get("/catalog/services", q=q, category_id=category_id)

    async def service(self, service_id: str) -> JSON:
        return await self._get(f"/catalog/services/{service_id}")

    async def slots(
        self, service_id: str, *, date: str, lat: float, lng: float, units: int | None = None
    ) -> JSON:
        """The local day's slots: ``{"slots": [{start, end, available, status}]}``;
        ``date`` is ``YYYY-MM-DD`` (a ``datetime.date`` is accepted too)."""
        params: JSON = {"date": str(date), "lat": lat, "lng": lng}
        if units is not None:
            params["units"] = units
        return await self.request("GET", f"/catalog/services/{service_id}/slots", params=params)

    async def quote(
        self,
        *,
        service_id: str,
        address: Mapping[str, Any],
        scheduled_start: datetime | str,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> JSON:
        body = {
            "service_id": service_id,
            "address": dict(address),
            "scheduled_start": _iso(scheduled_start),
            **options,
        }
        return await self._post("/quotes", body, idempotency_key=idempotency_key)

    async def get_quote(self, quote_id: str) -> JSON:
        return await self._get(f"/quotes/{quote_id}")

    # -- orders (customer and shared) -----------------------------------------------

    async def create_order(
        self,
        *,
        quote_id: str,
        notes: str = "",
        preferred_technician_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {
            "quote_id": quote_id,
            "notes": notes,
            "preferred_technician_id": preferred_technician_id,
        }
        return await self._post("/orders", body, idempotency_key=idempotency_key)

    async def orders(
        self,
        *,
        status: list[str] | str | None = None,
        limit: int = 50,
        before: datetime | str | None = None,
    ) -> list[JSON]:
        return await self._get("/orders", status=status, limit=limit, before=_iso(before))

    async def order(self, order_id: str) -> JSON:
        return await self._get(f"/orders/{order_id}")

    async def order_events(
        self, order_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[JSON]:
        return await self._get(f"/orders/{order_id}/events", after_seq=after_seq, limit=limit)

    async def cancel(
        self,
        order_id: str,
        *,
        reason: str = "",
        expected_fee: int | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/cancel",
            {"reason": reason, "expected_fee": expected_fee},
            idempotency_key=idempotency_key,
        )

    async def confirm(self, order_id: str, *, idempotency_key: str | None = None) -> JSON:
        return await self._post(f"/orders/{order_id}/confirm", {}, idempotency_key=idempotency_key)

    async def confirm_work_order(
        self,
        order_id: str,
        *,
        signed_on: str = "customer_app",
        signature_file_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {"signed_on": signed_on, "signature_file_id": signature_file_id}
        return await self._post(
            f"/orders/{order_id}/work-order/confirm", body, idempotency_key=idempotency_key
        )

    async def review(
        self,
        order_id: str,
        *,
        rating: int,
        comment: str = "",
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/reviews",
            {"rating": rating, "comment": comment, **extra},
            idempotency_key=idempotency_key,
        )

    async def complaint(
        self,
        order_id: str,
        *,
        category: str,
        description: str = "",
        file_ids: list[str] | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"category": category, "description": description, "file_ids": file_ids, **extra}
        return await self._post(
            f"/orders/{order_id}/complaints", body, idempotency_key=idempotency_key
        )

    # change requests: the technician proposes extra work, the customer decides
    async def create_change_request(
        self,
        order_id: str,
        *,
        items: list[Mapping[str, Any]],
        reason: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
        **extra: Any,
    ) -> JSON:
        body = {"items": [dict(i) for i in items], "reason": reason, **extra}
        return await self._post(
            f"/orders/{order_id}/change-requests",
            body,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def change_requests(self, order_id: str) -> list[JSON]:
        return await self._get(f"/orders/{order_id}/change-requests")

    async def approve_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> JSON:
        """The customer says yes to these items of the request (one by one or several;
        the server's ``ChangeAnswerIn`` wants 1-10 item ids)."""
        return await self._post(
            f"/orders/{order_id}/change-requests/{change_request_id}/approve",
            {"item_ids": list(item_ids)},
            idempotency_key=idempotency_key,
        )

    async def reject_change_request(
        self,
        order_id: str,
        change_request_id: str,
        *,
        item_ids: list[str],
        idempotency_key: str | None = None,
    ) -> JSON:
        """The customer says no to these items; the rest of the request stays open."""
        return await self._post(
            f"/orders/{order_id}/change-requests/{change_request_id}/reject",
            {"item_ids": list(item_ids)},
            idempotency_key=idempotency_key,
        )

    # -- payments -------------------------------------------------------------------

    async def pay(
        self,
        order_id: str,
        *,
        provider: str = "sandbox",
        method: str = "wechat",
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/payments",
            {"provider": provider, "method": method, **extra},
            idempotency_key=idempotency_key,
        )

    async def sandbox_approve(self, payment_id: str, *, idempotency_key: str | None = None) -> JSON:
        return await self._post(
            f"/sandbox/payments/{payment_id}/approve", {}, idempotency_key=idempotency_key
        )

    # -- technician -----------------------------------------------------------------

    async def offers(self) -> list[JSON]:
        return await self._get("/technician/offers")

    async def accept_offer(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._post(
            f"/technician/offers/{offer_id}/accept",
            {},
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def decline_offer(
        self,
        offer_id: str,
        *,
        reason: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._post(
            f"/technician/offers/{offer_id}/decline",
            {"reason": reason},
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def pool(self) -> list[JSON]:
        return await self._get("/technician/pool")

    async def claim(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/claim",
            {},
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def _move(
        self,
        order_id: str,
        step: str,
        *,
        idempotency_key: str | None,
        occurred_at: datetime | str | None,
        lat: float | None = None,
        lng: float | None = None,
        reason: str | None = None,
    ) -> JSON:
        body = {"lat": lat, "lng": lng, "reason": reason}
        return await self._post(
            f"/orders/{order_id}/{step}",
            body,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def depart(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._move(
            order_id,
            "depart",
            lat=lat,
            lng=lng,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def arrive(
        self,
        order_id: str,
        *,
        lat: float | None = None,
        lng: float | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._move(
            order_id,
            "arrive",
            lat=lat,
            lng=lng,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def start(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._move(
            order_id, "start", idempotency_key=idempotency_key, occurred_at=occurred_at
        )

    async def finish(
        self,
        order_id: str,
        *,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._move(
            order_id, "finish", idempotency_key=idempotency_key, occurred_at=occurred_at
        )

    async def transfer(
        self,
        order_id: str,
        *,
        reason: str,
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._move(
            order_id,
            "transfer",
            reason=reason,
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def sop_done(
        self,
        order_id: str,
        step_no: int,
        *,
        photo_file_id: str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/sop/{step_no}/done",
            {"photo_file_id": photo_file_id, "note": note},
            idempotency_key=idempotency_key,
            occurred_at=occurred_at,
        )

    async def send_location(
        self,
        points: list[Mapping[str, Any]],
        *,
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Points (a batch, up to 100): ``{"lat", "lng", "occurred_at", "accuracy_m"?,
        "speed_mps"?, "heading"?}``; ``occurred_at`` is the device time of each point."""
        body = {"points": [_clean(dict(p)) for p in points], "order_id": order_id}
        return await self._post("/technician/location", body, idempotency_key=idempotency_key)

    async def profile(self) -> JSON:
        return await self._get("/technician/profile")

    async def update_profile(self, **fields: Any) -> JSON:
        return await self._put("/technician/profile", fields)

    async def availability(self) -> JSON:
        return await self._get("/technician/availability")

    async def set_availability(self, **fields: Any) -> JSON:
        return await self._put("/technician/availability", fields)

    async def service_area(self) -> JSON:
        return await self._get("/technician/service-area")

    async def set_service_area(self, **fields: Any) -> JSON:
        return await self._put("/technician/service-area", fields)

    async def status(self) -> JSON:
        return await self._get("/technician/status")

    async def set_status(self, *, online: bool) -> JSON:
        """Go online (only once verified) or offline."""
        return await self._put("/technician/status", {"online": online})

    async def add_certificate(
        self,
        *,
        type: str,
        file_id: str,
        idempotency_key: str | None = None,
        **extra: Any,  # noqa: A002
    ) -> JSON:
        """``type`` is a catalog certificate code; ``extra``: ``number``, ``expires_on``."""
        return await self._post(
            "/technician/certificates",
            {"type": type, "file_id": file_id, **extra},
            idempotency_key=idempotency_key,
        )

    async def earnings(self, **params: Any) -> JSON:
        return await self._get("/technician/earnings", **params)

    async def schedule(self, **params: Any) -> Any:
        return await self._get("/technician/schedule", **params)

    async def withdraw(
        self,
        *,
        amount: int,
        bank_account: str,
        bank_name: str = "",
        idempotency_key: str | None = None,
    ) -> JSON:
        """Ask for a payout of ``amount`` fen from the technician's payable balance."""
        body = {"amount": amount, "bank_account": bank_account, "bank_name": bank_name}
        return await self._post("/technician/withdrawals", body, idempotency_key=idempotency_key)

    async def sos(
        self,
        *,
        lat: float | None = None,
        lng: float | None = None,
        order_id: str | None = None,
        note: str = "",
        occurred_at: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Emergency: sends the technician's location to the operators' safety desk."""
        body = {"lat": lat, "lng": lng, "order_id": order_id, "note": note}
        return await self._post(
            "/sos", body, idempotency_key=idempotency_key, occurred_at=occurred_at
        )

    async def technician_reviews(self, technician_id: str, *, limit: int = 50) -> Any:
        return await self._get(f"/technicians/{technician_id}/reviews", limit=limit)

    async def technician_complaints(self) -> Any:
        return await self._get("/technician/complaints")

    async def reply_complaint(
        self, complaint_id: str, *, text: str, idempotency_key: str | None = None
    ) -> JSON:
        """The technician's answer to a complaint against them."""
        return await self._post(
            f"/technician/complaints/{complaint_id}/answer",
            {"text": text},
            idempotency_key=idempotency_key,
        )

    # -- files ----------------------------------------------------------------------

    async def upload(
        self,
        data: bytes,
        *,
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
        kind: str = "photo",
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        form = _clean({"kind": kind, "order_id": order_id})
        return await self.request(
            "POST",
            "/files",
            files={"file": (filename, data, content_type)},
            data=form,
            idempotency_key=idempotency_key,
        )

    async def download(self, file_id: str) -> bytes:
        return await self.request("GET", f"/files/{file_id}")

    # -- chat -----------------------------------------------------------------------

    async def send_message(
        self,
        order_id: str,
        *,
        text: str = "",
        file_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        return await self._post(
            f"/orders/{order_id}/messages",
            {"text": text, "file_id": file_id},
            idempotency_key=idempotency_key,
        )

    async def messages(self, order_id: str, *, after: int = 0, limit: int = 200) -> list[JSON]:
        return await self._get(f"/orders/{order_id}/messages", after=after, limit=limit)

    async def send_support_message(
        self,
        *,
        text: str = "",
        file_id: str | None = None,
        order_id: str | None = None,
        customer_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Customer → support; support staff pass ``customer_id`` to answer a customer's thread."""
        body = {"text": text, "file_id": file_id, "order_id": order_id, "customer_id": customer_id}
        return await self._post("/support/messages", body, idempotency_key=idempotency_key)

    async def support_messages(
        self, *, after: int = 0, customer_id: str | None = None, limit: int = 200
    ) -> list[JSON]:
        return await self._get(
            "/support/messages", after=after, customer_id=customer_id, limit=limit
        )

    # -- operations -----------------------------------------------------------------

    async def ops_technicians(self, *, status: str | None = None) -> list[JSON]:
        return await self._get("/ops/technicians", status=status)

    async def ops_verify_technician(
        self,
        technician_id: str,
        *,
        decision: str,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> JSON:
        return await self._post(
            f"/ops/technicians/{technician_id}/verify",
            {"decision": decision, "note": note},
            idempotency_key=idempotency_key,
        )

    async def ops_orders(
        self, *, status: str | None = None, anomaly: str | None = None
    ) -> list[JSON]:
        return await self._get("/ops/orders", status=status, anomaly=anomaly)

    async def ops_complaints(self, **params: Any) -> list[JSON]:
        return await self._get("/ops/complaints", **params)

    async def ops_resolve_complaint(
        self, complaint_id: str, *, idempotency_key: str | None = None, **body: Any
    ) -> JSON:
        return await self._post(
            f"/ops/complaints/{complaint_id}/resolve", body, idempotency_key=idempotency_key
        )

    async def ops_settings(self) -> JSON:
        return await self._get("/ops/settings")

    async def ops_update_settings(self, settings: Mapping[str, Any]) -> JSON:
        return await self.request("PUT", "/ops/settings", json=dict(settings))

    async def ops_run_payouts(self, *, idempotency_key: str | None = None, **body: Any) -> JSON:
        return await self._post("/ops/payouts/run", body, idempotency_key=idempotency_key)

    async def ops_trial_balance(self) -> JSON:
        return await self._get("/ops/ledger/trial-balance")

    async def ops_dispatch(self, order_id: str) -> Any:
        return await self._get(f"/ops/dispatch/{order_id}")

    async def ops_audit(self, **params: Any) -> Any:
        return await self._get("/ops/audit", **params)

    # -- health ---------------------------------------------------------------------

    async def healthz(self) -> JSON:
        try:
            response = await self._http.get(self.base_url.removesuffix(API_PREFIX) + "/healthz")
        except httpx.TransportError as exc:
            raise NetworkError(f"cannot reach the server: {exc}", maybe_delivered=False) from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json()
