"""The customer app's state and behaviour, free of any UI.

Screens read attributes of :class:`CustomerState` and call its async actions; tests
drive the same object against a real server. Every change ends in ``_changed()``,
which notifies subscribers (the Flet root component re-renders on it).

Endpoints that other parts of the platform add over time (slots, coupons, points,
technician pages, reviews, chat, ...) are used when the server has them; a route the
server does not know is recorded in ``missing`` and the screen says "not available
yet" instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.api import ApiError, DoorstepClient, NetworkError
from client.citytime import CITY_TZ
from client.position import Locate
from customer_app.booking import BookingFlow
from customer_app.i18n import t
from customer_app.model import (
    JSON,
    Address,
    BookingDraft,
    Slot,
    items_of,
    masked_phone,
    parse_time,
    service_minutes,
)

__all__ = ["CITY_TZ", "Address", "BookingDraft", "CustomerState", "LocalStore", "Slot"]

log = logging.getLogger("customer_app.state")

# When the server offers no slot endpoint: a 2-hour grid of start times, local time.
# ETA when the server sends none: straight-line distance x road factor at city speed.
ROAD_FACTOR = 1.3
CITY_SPEED_KMH = 20.0
ACTIVE_TRACKING = {"ACCEPTED", "EN_ROUTE"}
LIVE_STATUSES = {
    "PENDING_DISPATCH",
    "OFFERED",
    "ACCEPTED",
    "EN_ROUTE",
    "ARRIVED",
    "IN_SERVICE",
    "AWAITING_CONFIRMATION",
    "DISPUTED",
}
# the four dimensions of the platform's rating (响应速度, 技能, 态度, 物品完好)
REVIEW_DIMENSIONS = ("response", "skill", "attitude", "care")


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def estimate_eta_minutes(distance_km: float) -> int:
    return max(1, math.ceil(distance_km * ROAD_FACTOR / CITY_SPEED_KMH * 60))


@dataclass
class Tracking:
    """The technician's position between acceptance and arrival."""

    lat: float | None = None
    lng: float | None = None
    at: datetime | None = None
    distance_km: float | None = None
    eta_minutes: int | None = None


class LocalStore:
    """A small JSON file for what the server does not keep: saved places, language,
    the signed-in session. One file per app install; entries per user id."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: JSON = {}
        if path is not None and path.exists():
            try:
                self.data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable app storage %s: %s", path, exc)
                self.data = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        """Write one key; re-read first so several app sessions sharing the file (the
        web app serves many browsers from one process) keep each other's entries."""
        if self.path is not None and self.path.exists():
            with contextlib.suppress(OSError, ValueError):
                self.data = json.loads(self.path.read_text("utf-8"))
        self.data[key] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), "utf-8")
            tmp.replace(self.path)


def _route_missing(exc: ApiError) -> bool:
    """True when the server has no such route (as opposed to a missing record)."""
    return (
        exc.status in (404, 405)
        and exc.code in ("http_404", "http_405", "not_found")
        and exc.message in ("Not Found", "Method Not Allowed")
    )


FeedFactory = Callable[..., Any]


class CustomerState(BookingFlow):
    def __init__(
        self,
        client: DoorstepClient,
        *,
        store: LocalStore | None = None,
        now: Callable[[], datetime] | None = None,
        feed_factory: FeedFactory | None = None,
        persist_session: bool = True,
        locate: Locate | None = None,
        live_quotes: bool = False,
    ) -> None:
        self.client = client
        self.store = store or LocalStore(None)
        self.now = now or (lambda: datetime.now(UTC))
        self.feed_factory = feed_factory
        self.persist_session = persist_session
        self.locate = locate  # the device's position (customer_app.device), if it has one
        self._listeners: list[Callable[[], None]] = []
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self.feed_restart_delay = 1.0  # seconds before a feed that gave up is started again
        self.feed_restarts = 0

        self.lang: str = self.store.get("lang", "zh")
        self.route: str = "/"
        self.history: list[str] = []
        self.busy: bool = False
        self.error: str | None = None
        self.notice: str | None = None
        self.missing: set[str] = set()

        self.user: JSON | None = None
        self.categories: list[JSON] = []
        self.query: str = ""
        self.filters: dict[str, str] = {"duration": "any", "gender": "any", "level": "any"}
        self.results: list[JSON] | None = None
        self.recommendations: dict[str, list[JSON]] = {"repeat": [], "nearby": [], "seasonal": []}

        self.service: JSON | None = None
        self.service_reviews: list[JSON] = []
        self.service_technicians: list[JSON] = []
        self.technician: JSON | None = None
        self.technician_reviews: list[JSON] = []
        self.technician_photo: bytes | None = None

        self.draft: BookingDraft | None = None
        self.slots: list[Slot] = []
        self.slots_from_server: bool = False
        self.quote: JSON | None = None
        self.coupons: list[JSON] = []
        self.points: JSON | None = None
        self.membership: JSON | None = None

        self.order: JSON | None = None
        self.events: list[JSON] = []
        self.payment: JSON | None = None
        self.tracking = Tracking()
        self.technician_card: JSON | None = None
        self.change_requests: list[JSON] = []
        self.contact: JSON | None = None
        self.escrow: JSON | None = None
        self.cancel_quote: JSON | None = None
        self.messages: list[JSON] = []
        self.support_messages: list[JSON] = []
        self.feed_state: str = "idle"  # idle | live | reconnecting
        self.reviewed: bool = False
        self.complaint: JSON | None = None

        self.orders: list[JSON] = []
        self.invoices: list[JSON] = []
        self.photos: dict[str, bytes] = {}
        # what the screens' inputs hold (text fields, open panels, star choices); plain
        # data, so tests can fill a form the same way a screen does
        self.form: JSON = {}
        self.place_hits: list[JSON] = []  # address search suggestions
        self.picked_place: JSON | None = None  # the suggestion chosen, door not yet typed
        self._init_booking(live_quotes=live_quotes)

    # -- observation ----------------------------------------------------------------

    def subscribe(self, fn: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(fn)

        def dispose() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(fn)

        return dispose

    def _changed(self) -> None:
        for fn in list(self._listeners):
            try:
                fn()
            except Exception:  # a broken view must not break the state
                log.exception("state listener failed")

    async def _run(self, feature: str, call: Awaitable[Any], *, quiet_missing: bool = True) -> Any:
        """Await one server call; record errors for the screen instead of raising."""
        try:
            return await call
        except ApiError as exc:
            if _route_missing(exc):
                self.missing.add(feature)
                if not quiet_missing:
                    self.error = "unavailable"
                return None
            self.error = exc.message if exc.message and exc.message != exc.code else exc.code
            self.last_error_code = exc.code
            raise
        except NetworkError:
            self.error = "network_error"
            raise

    async def _try(self, feature: str, call: Awaitable[Any], default: Any = None) -> Any:
        """Like ``_run`` but swallows API errors (optional panels on a screen): no
        error banner for a panel that simply has nothing to show."""
        before = (self.error, self.last_error_code)
        try:
            result = await self._run(feature, call)
        except (ApiError, NetworkError) as exc:
            log.info("%s failed: %s", feature, exc)
            self.error, self.last_error_code = before
            return default
        return default if result is None else result

    last_error_code: str | None = None

    def clear_messages(self) -> None:
        self.error = None
        self.notice = None
        self.last_error_code = None

    # -- navigation -----------------------------------------------------------------

    def go(self, route: str) -> None:
        if route != self.route:
            self.history.append(self.route)
            self.route = route
        self.clear_messages()
        self._changed()

    def back(self) -> None:
        self.route = self.history.pop() if self.history else "/"
        self.clear_messages()
        self._changed()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        if self.persist_session:  # one install, one person; a web server serves many
            self.store.put("lang", lang)
        self._changed()

    async def go_home(self) -> None:
        self.history = []
        self.results, self.query = None, ""
        self.form.pop("search", None)
        self.route = "/"
        self.clear_messages()
        self._changed()
        await self.load_recommendations()  # a finished order becomes "book again"
        self._changed()

    def set_form(self, key: str, value: Any) -> None:
        self.form[key] = value
        self._changed()

    # -- session --------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in and self.user is not None

    def _uid(self) -> str:
        return (self.user or {}).get("id", "anonymous")

    async def start(self) -> None:
        """Restore a saved session and load the home screen."""
        saved = self.store.get("session") if self.persist_session else None
        if saved and saved.get("access_token"):
            self.client.session.access_token = saved.get("access_token")
            self.client.session.refresh_token = saved.get("refresh_token")
            self.client.session.user = saved.get("user")
            try:
                self.user = await self.client.me()
            except (ApiError, NetworkError):
                self.client.session.clear()
                self.user = None
        self.start_feed()
        await self.load_home()

    def _save_session(self) -> None:
        if self.persist_session:
            self.store.put(
                "session", self.client.session.to_dict() if self.client.session.signed_in else None
            )

    async def send_code(self, phone: str) -> bool:
        """Have the sign-up code texted; a sandbox server hands it back and it is filled in."""
        self.clear_messages()
        try:
            sent = await self._run("auth", self.client.request_phone_code(phone))
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.form["code_sent_to"] = phone
        self.form["code"] = (sent or {}).get("sandbox_code") or ""
        self.notice = t(self.lang, "code_sent", phone=masked_phone(phone)) + (
            t(self.lang, "code_filled") if self.form["code"] else ""
        )
        self._changed()
        return True

    async def register(self, *, phone: str, password: str, name: str, code: str = "") -> bool:
        self.clear_messages()
        try:
            reply = await self._run(
                "auth",
                self.client.register(
                    phone=phone, password=password, name=name, role="customer", code=code or None
                ),
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.user = reply["user"]
        self._save_session()
        self.start_feed()
        await self.load_home()
        await self._resume_after_login()
        return True

    async def login(self, *, phone: str, password: str) -> bool:
        self.clear_messages()
        try:
            reply = await self._run("auth", self.client.login(phone=phone, password=password))
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.user = reply["user"]
        if self.user.get("role") != "customer":
            self.error = "customer accounts only"
            await self.client.logout()
            self.user = None
            self._changed()
            return False
        self._save_session()
        self.start_feed()
        await self.load_home()
        await self._resume_after_login()
        return True

    _pending_route: str | None = None

    async def _resume_after_login(self) -> None:
        """Continue what the customer was doing when the app asked them to sign in."""
        target, self._pending_route = self._pending_route, None
        self.history = [h for h in self.history if h != "/login"]
        if target and target.startswith("/book/") and self.draft is not None:
            self.route = self.history.pop() if self.history else "/"
            await self.begin_booking(
                self.draft.service_id, preferred_technician_id=self.draft.preferred_technician_id
            )
        elif target and target.startswith("/order/"):
            await self.open_order(target.removeprefix("/order/"))
        elif target == "/me":
            await self.load_me()
        elif target == "/support":
            await self.open_support()
        else:
            self.route = "/"
            self.clear_messages()
            self._changed()

    def require_login(self, route: str) -> bool:
        """Guard for screens that need an account: remember where to go after login."""
        if self.signed_in:
            return True
        self._pending_route = route
        self.go("/login")
        return False

    async def logout(self) -> None:
        await self.stop_tracking()
        await self.client.logout()
        self.user = None
        self.orders, self.order, self.events = [], None, []
        self._save_session()
        self.history = []
        self.route = "/"
        await self.load_home()

    async def set_auth_mode(self, mode: str) -> None:
        self.form["auth_mode"] = mode
        self.clear_messages()
        self._changed()

    async def submit_auth(self) -> bool:
        """The login screen's button: sign in, or sign up when in register mode."""
        phone = str(self.form.get("phone", "")).strip()
        password = str(self.form.get("password", ""))
        if self.form.get("auth_mode") == "register":
            # first the phone is proved: a code texted to it, typed (or filled) and sent back
            if self.form.get("code_sent_to") != phone:
                if not await self.send_code(phone) or not self.form.get("code"):
                    return False  # the customer types the code from the text message
                # a sandbox server filled it in, as a phone's one-time-code autofill would
            name = str(self.form.get("name", "")).strip() or phone[-4:]
            code = str(self.form.get("code", "")).strip()
            ok = await self.register(phone=phone, password=password, name=name, code=code)
        else:
            ok = await self.login(phone=phone, password=password)
        if ok:
            for key in ("password", "code", "code_sent_to"):
                self.form.pop(key, None)
        return ok

    # -- browse ---------------------------------------------------------------------

    async def submit_search(self) -> None:
        await self.search(str(self.form.get("search", "")))

    async def load_home(self) -> None:
        self.categories = await self._try("catalog", self.client.categories(), [])
        await self.load_recommendations()
        self._changed()

    def all_services(self) -> list[JSON]:
        found: dict[str, JSON] = {}

        def walk(nodes: list[JSON]) -> None:
            for node in nodes:
                for s in node.get("services", []):
                    found.setdefault(s["id"], s)
                walk(node.get("children", []))

        walk(self.categories)
        return list(found.values())

    async def load_recommendations(self) -> None:
        """Repeat of past orders, popular nearby, seasonal — from the server when it
        offers ``/recommendations``, otherwise derived here from the same signals."""
        place = self.default_address()
        params = {"lat": place.lat, "lng": place.lng} if place else {}
        server = await self._try(
            "recommendations", self.client.request("GET", "/recommendations", params=params)
        )
        if isinstance(server, dict) and any(
            server.get(k) for k in ("repeat", "nearby", "seasonal")
        ):
            self.recommendations = {
                k: list(server.get(k) or []) for k in ("repeat", "nearby", "seasonal")
            }
            return
        services = {s["id"]: s for s in self.all_services()}
        repeat: list[JSON] = []
        if self.signed_in:
            past = await self._try("orders", self.client.orders(limit=50), [])
            for o in past:
                s = services.get(o.get("service_id"))
                if s and s not in repeat:
                    repeat.append(s)
        month = self.now().astimezone(CITY_TZ).month
        seasonal_words = _SEASONAL.get(month, ())
        seasonal = [
            s
            for s in services.values()
            if any(
                w in (s.get("name_zh", "") + " ".join(s.get("tags", []))) for w in seasonal_words
            )
        ]
        nearby = [services[i] for i in _POPULAR if i in services]
        self.recommendations = {
            "repeat": repeat[:4],
            "nearby": nearby[:4],
            "seasonal": seasonal[:4],
        }

    async def search(self, query: str | None = None) -> None:
        if query is not None:
            self.query = query.strip()
        self.clear_messages()
        params = {k: v for k, v in self.filters.items() if v != "any"}
        if self.query or params:
            found = await self._try(
                "catalog",
                self.client.request(
                    "GET", "/catalog/services", params={"q": self.query or None, **params}
                ),
                [],
            )
        else:
            found = self.all_services()
        self.results = [s for s in found if self._duration_ok(s)]
        self._changed()

    def _duration_ok(self, s: JSON) -> bool:
        band = self.filters.get("duration", "any")
        if band == "any":
            return True
        minutes = service_minutes(s)
        if band == "short":
            return minutes <= 120
        if band == "half":
            return 120 < minutes <= 240
        return minutes > 240

    async def set_filter(self, name: str, value: str) -> None:
        self.filters[name] = value
        await self.search()

    async def browse_category(self, category_id: str) -> None:
        self.query = ""
        found = await self._try("catalog", self.client.services(category_id=category_id), [])
        self.results = [s for s in found if self._duration_ok(s)]
        self._changed()

    # -- service and technician pages ----------------------------------------------

    async def open_service(self, service_id: str) -> None:
        self.clear_messages()
        try:
            self.service = await self._run("catalog", self.client.service(service_id))
        except (ApiError, NetworkError):
            self._changed()
            return
        self.service_reviews = items_of(
            await self._try(
                "service_reviews",
                self.client.request("GET", f"/catalog/services/{service_id}/reviews"),
                [],
            )
        )
        params = {k: v for k, v in self.filters.items() if k in ("gender", "level") and v != "any"}
        self.service_technicians = items_of(
            await self._try(
                "technicians",
                self.client.request(
                    "GET", "/technicians", params={"service_id": service_id, **params}
                ),
                [],
            )
        )
        self.go(f"/service/{service_id}")

    async def open_technician(self, technician_id: str) -> None:
        self.clear_messages()
        tech = await self._try(
            "technicians", self.client.request("GET", f"/technicians/{technician_id}")
        )
        if tech is None:
            self.error = "unavailable"
            self._changed()
            return
        self.technician = tech
        self.technician_photo = None
        url = tech.get("photo_url") or ""
        if "/files/" in url:
            data = await self._try(
                "files", self.client.download(url.rsplit("/files/", 1)[1].split("?")[0])
            )
            self.technician_photo = data if isinstance(data, bytes) else None
        self.technician_reviews = items_of(
            await self._try(
                "technician_reviews",
                self.client.request("GET", f"/technicians/{technician_id}/reviews"),
                [],
            )
        )
        self.go(f"/technician/{technician_id}")

    # -- the order page -------------------------------------------------------------

    async def open_order(self, order_id: str) -> None:
        if not self.require_login(f"/order/{order_id}"):
            return
        self.clear_messages()
        try:
            self.order = await self._run("orders", self.client.order(order_id))
        except (ApiError, NetworkError):
            self._changed()
            return
        self.events, self.payment, self.cancel_quote, self.contact = [], None, None, None
        self.messages, self.change_requests = [], []
        self.reviewed, self.complaint = False, None
        self.tracking = Tracking()
        self.go(f"/order/{order_id}")
        await self.track(order_id)

    async def refresh_order(self) -> None:
        if self.order is None:
            return
        oid = self.order["id"]
        with contextlib.suppress(ApiError, NetworkError):
            self.order = await self._run("orders", self.client.order(oid))
        await self._load_order_extras()
        self._changed()

    async def _load_order_extras(self) -> None:
        o = self.order
        if o is None:
            return
        oid = o["id"]
        after = self.events[-1]["seq"] if self.events else 0
        new = await self._try("orders", self.client.order_events(oid, after_seq=after), [])
        self._merge_events(new)
        if o.get("technician_id"):
            if (self.technician_card or {}).get("id") != o["technician_id"]:
                self.technician_card = await self._try(
                    "technicians", self.client.request("GET", f"/technicians/{o['technician_id']}")
                )
            if o["status"] not in ("CANCELLED",) and (self.contact or {}).get("order_id") != oid:
                self.contact = await self._try(
                    "contact", self.client.request("GET", f"/orders/{oid}/contact")
                )
        else:
            self.technician_card = None
        if int(o.get("extras_total") or 0) > 0:
            self.escrow = await self._try(
                "escrow", self.client.request("GET", f"/orders/{oid}/escrow")
            )
        if o["status"] in ("ARRIVED", "IN_SERVICE", "AWAITING_CONFIRMATION"):
            self.change_requests = items_of(
                await self._try("change_requests", self.client.change_requests(oid), [])
            )
            # the technician's photo of each item still waiting for an answer
            for item in self.pending_change_items():
                fid = item.get("photo_file_id")
                if fid and fid not in self.photos:
                    data = await self._try("files", self.client.download(fid))
                    if isinstance(data, bytes):
                        self.photos[fid] = data
        if o["status"] in ("AWAITING_CONFIRMATION", "COMPLETED", "DISPUTED"):
            for fid in self.completion_photos():
                if fid not in self.photos:
                    data = await self._try("files", self.client.download(fid))
                    if isinstance(data, bytes):
                        self.photos[fid] = data
        if o["status"] in LIVE_STATUSES and o.get("technician_id"):
            self.messages = items_of(await self._try("chat", self.client.messages(oid), []))

    def _merge_events(self, new: list[JSON]) -> None:
        seen = {e["seq"] for e in self.events}
        for e in new:
            if e.get("seq") not in seen:
                self.events.append(e)
                seen.add(e.get("seq"))
        self.events.sort(key=lambda e: e["seq"])

    # live feed: pushes from the server; the page never polls
    async def track(self, order_id: str) -> None:
        """Show one order live: its timeline so far now, later changes as they are pushed."""
        await self._load_order_extras()
        self.start_feed()
        self._changed()

    def start_feed(self) -> None:
        """One feed per signed-in session (every order of the customer, their technician's
        position, chat); it reconnects and resumes by itself."""
        if self.feed_factory is None or self._feed is not None or not self.signed_in:
            return
        self._feed = self.feed_factory(self.client, on_message=self.on_feed_message)
        self._feed_task = asyncio.create_task(self._run_feed(self._feed))

    async def _run_feed(self, feed: Any) -> None:
        """Run the feed; if it gives up (say the token could not be refreshed for a while),
        start a new one after a pause, from the same position, for as long as the
        customer is signed in. Only ``stop_tracking`` ends it."""
        delay = self.feed_restart_delay
        while True:
            watcher = asyncio.create_task(self._watch_connection(feed))
            try:
                await feed.run()
                return  # stopped on purpose
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live feed stopped; restarting it")
            finally:
                watcher.cancel()
            self.feed_state = "reconnecting"
            self._changed()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
            if self._feed is not feed or not self.signed_in or self.feed_factory is None:
                if self._feed is feed:
                    self._feed, self._feed_task = None, None
                return
            fresh = self.feed_factory(self.client, on_message=self.on_feed_message)
            if getattr(feed, "state", None) is not None and hasattr(fresh, "state"):
                fresh.state = feed.state  # resume where the old one was: nothing is lost
            self._feed = feed = fresh
            self.feed_restarts += 1

    async def _watch_connection(self, feed: Any) -> None:
        """Show "live" / "reconnecting" from the feed's own connection flag (local state,
        no request to the server)."""
        connected = getattr(feed, "connected", None)
        if connected is None:
            return
        while True:
            await connected.wait()
            if self.feed_state != "live":
                self.feed_state = "live"
                if self.order is not None:  # catch up on what the page missed meanwhile
                    await self._load_order_extras()
                self._changed()
            while connected.is_set():
                await asyncio.sleep(0.25)
            self.feed_state = "reconnecting"
            self._changed()

    async def on_feed_message(self, message: JSON) -> None:
        """One pushed message: an order event, a technician position, a chat line, or a
        connection state change from the feed."""
        kind = message.get("type", "")
        oid = (self.order or {}).get("id")
        self.feed_state = "live"
        if kind == "location":
            if message.get("order_id") in (None, oid):
                self._on_location(message)
        elif kind == "chat":
            msg = message.get("message") or message
            thread = msg.get("thread", "order")
            target = self.support_messages if thread == "support" else self.messages
            if (thread == "support" or msg.get("order_id") == oid) and all(
                m.get("id") != msg.get("id") for m in target
            ):
                target.append(msg)
        elif kind == "document":
            self._on_document(message)
        elif kind == "event" and oid and message.get("order_id") == oid:
            self.notice = None  # the order moved on: the last action's note is stale
            event = dict(message)
            event["type"] = message.get("event_type") or message.get("type")
            self._merge_events([event])
            with contextlib.suppress(ApiError, NetworkError):
                self.order = await self.client.order(oid)
            await self._load_order_extras()
        self._changed()

    def _on_document(self, message: JSON) -> None:
        """A PDF the server filed after the reply: the signed work order of the open order,
        or an invoice asked for earlier."""
        file_id = message.get("file_id")
        if message.get("kind") == "work_order":
            if self.order is not None and self.order.get("id") == message.get("order_id"):
                self.order["work_order_file_id"] = file_id
            return
        for invoice in self.invoices:
            if invoice.get("id") == message.get("invoice_id"):
                invoice["file_id"], invoice["file_url"] = file_id, f"/api/v1/files/{file_id}"

    def _on_location(self, loc: JSON) -> None:
        if self.order is None or loc.get("lat") is None:
            return
        lat, lng = float(loc["lat"]), float(loc["lng"])
        dist = loc["distance_m"] / 1000 if loc.get("distance_m") is not None else None
        if dist is None and self.order.get("lat") is not None:
            dist = haversine_km(lat, lng, self.order["lat"], self.order["lng"])
        eta = math.ceil(loc["eta_s"] / 60) if loc.get("eta_s") is not None else None
        if eta is None and dist is not None:
            eta = estimate_eta_minutes(dist)
        self.tracking = Tracking(
            lat=lat,
            lng=lng,
            # the server sends the device time of the point as ``at``
            at=parse_time(loc.get("at") or loc.get("occurred_at")),
            distance_km=round(dist, 1) if dist is not None else None,
            eta_minutes=eta,
        )

    def shows_tracking(self) -> bool:
        return bool(self.order and self.order["status"] in ACTIVE_TRACKING)

    def feed_connected(self) -> bool:
        connected = getattr(self._feed, "connected", None)
        return bool(connected is not None and connected.is_set())

    async def stop_tracking(self) -> None:
        await self.stop_quoting()
        task, feed = self._feed_task, self._feed
        self._feed_task, self._feed = None, None
        if feed is not None:
            with contextlib.suppress(Exception):
                await feed.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.feed_state = "idle"

    # -- acting on the order --------------------------------------------------------

    async def _order_action(
        self, feature: str, call: Awaitable[JSON], notice: str | None = None
    ) -> bool:
        self.clear_messages()
        try:
            reply = await self._run(feature, call, quiet_missing=False)
        except (ApiError, NetworkError):
            self._changed()
            return False
        if (
            isinstance(reply, dict)
            and reply.get("status")
            and reply.get("id") == (self.order or {}).get("id")
        ):
            self.order = reply
        self.notice = notice
        await self.refresh_order()
        return True

    async def load_cancel_quote(self) -> JSON | None:
        if self.order is None:
            return None
        self.clear_messages()
        try:
            self.cancel_quote = await self._run(
                "cancellation_quote",
                self.client.request("GET", f"/orders/{self.order['id']}/cancellation-quote"),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self.cancel_quote = None
        self._changed()
        return self.cancel_quote

    def cancel_fee(self) -> int | None:
        if self.cancel_quote is None:
            return None
        return int(self.cancel_quote.get("fee", self.cancel_quote.get("cancellation_fee", 0)))

    async def cancel(self, reason: str = "") -> bool:
        """Cancel with the fee the customer was shown (the server refuses another)."""
        if self.order is None:
            return False
        fee = self.cancel_fee()
        if fee is None and "cancellation_quote" not in self.missing:
            await self.load_cancel_quote()
            fee = self.cancel_fee()
        ok = await self._order_action(
            "orders", self.client.cancel(self.order["id"], reason=reason, expected_fee=fee)
        )
        if ok:
            self.cancel_quote = None
        return ok

    async def dismiss_cancel(self) -> None:
        self.cancel_quote = None
        self._changed()

    async def sign_work_order(self) -> bool:
        if self.order is None:
            return False
        return await self._order_action(
            "work_order",
            self.client.confirm_work_order(self.order["id"], signed_on="customer_app"),
            notice="work_order_signed",
        )

    def pending_change_items(self) -> list[JSON]:
        """Items of the open change requests still waiting for the customer's answer."""
        return [
            {**item, "change_request_id": cr["id"]}
            for cr in self.change_requests
            if cr.get("status") == "awaiting_customer"
            for item in cr.get("items", [])
            if item.get("status", "pending") == "pending"
        ]

    async def decide_change_item(self, change_request_id: str, item_id: str, approve: bool) -> bool:
        """Approve or reject one item the technician proposed (with its photo and reason
        on screen); the other items of the request stay open."""
        if self.order is None:
            return False
        oid = self.order["id"]
        if approve:
            call = self.client.approve_change_request(oid, change_request_id, item_ids=[item_id])
        else:
            call = self.client.reject_change_request(oid, change_request_id, item_ids=[item_id])
        return await self._order_action("change_requests", call)

    async def decide_change_request(self, change_request_id: str, approve: bool) -> bool:
        """Answer every still-pending item of one request the same way."""
        if self.order is None:
            return False
        oid = self.order["id"]
        cr = next((c for c in self.change_requests if c["id"] == change_request_id), {})
        item_ids = [i["id"] for i in cr.get("items", []) if i.get("status", "pending") == "pending"]
        if not item_ids:
            return False
        if approve:
            call = self.client.approve_change_request(oid, change_request_id, item_ids=item_ids)
        else:
            call = self.client.reject_change_request(oid, change_request_id, item_ids=item_ids)
        return await self._order_action("change_requests", call)

    def completion_photos(self) -> list[str]:
        """File ids of the technician's evidence photos, in SOP order."""
        return [
            s["photo_file_id"] for s in (self.order or {}).get("sop", []) if s.get("photo_file_id")
        ]

    async def photo(self, file_id: str) -> bytes | None:
        return await self._try("files", self.client.download(file_id))

    async def confirm_completion(self) -> bool:
        if self.order is None:
            return False
        return await self._order_action("orders", self.client.confirm(self.order["id"]))

    async def _upload_photos(self, photos: list[tuple[str, bytes]]) -> list[str]:
        ids = []
        for name, data in photos:
            ctype = "image/png" if name.lower().endswith(".png") else "image/jpeg"
            reply = await self._run(
                "files",
                self.client.upload(
                    data, filename=name, content_type=ctype, kind="photo", order_id=self.order["id"]
                ),
            )
            ids.append(reply["id"])
        return ids

    async def submit_review(
        self,
        *,
        ratings: dict[str, int],
        text: str = "",
        photos: list[tuple[str, bytes]] | None = None,
    ) -> bool:
        if self.order is None:
            return False
        self.clear_messages()
        try:
            file_ids = await self._upload_photos(photos or [])
        except (ApiError, NetworkError):
            self._changed()
            return False
        body = {
            **{d: int(ratings[d]) for d in REVIEW_DIMENSIONS},
            "text": text,
            "photo_file_ids": file_ids,
        }
        ok = await self._order_action(
            "reviews",
            self.client.request("POST", f"/orders/{self.order['id']}/reviews", json=body),
            notice="reviewed",
        )
        self.reviewed = ok or self.reviewed
        self._changed()
        return ok

    async def complain(
        self, *, category: str, text: str, photos: list[tuple[str, bytes]] | None = None
    ) -> bool:
        if self.order is None:
            return False
        self.clear_messages()
        try:
            file_ids = await self._upload_photos(photos or [])
            reply = await self._run(
                "complaints",
                self.client.request(
                    "POST",
                    f"/orders/{self.order['id']}/complaints",
                    json={"category": category, "text": text, "photo_file_ids": file_ids},
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.complaint = reply
        self.notice = "complaint_filed"
        await self.refresh_order()
        return True

    def attach_review_photos(self, photos: list[tuple[str, bytes]]) -> None:
        self.form["review_photos"] = list(self.form.get("review_photos") or []) + list(photos)
        self._changed()

    async def submit_review_form(self) -> bool:
        ratings = {d: int(self.form.get(f"review_{d}", 5)) for d in REVIEW_DIMENSIONS}
        ok = await self.submit_review(
            ratings=ratings,
            text=str(self.form.get("review_text", "")).strip(),
            photos=self.form.get("review_photos") or [],
        )
        if ok:
            self.form.pop("review_photos", None)
        return ok

    async def submit_complaint_form(self) -> bool:
        return await self.complain(
            category=str(self.form.get("complaint_category", "quality")),
            text=str(self.form.get("complaint_text", "")).strip(),
        )

    async def submit_chat(self) -> bool:
        ok = await self.send_chat(str(self.form.get("chat-text", "")))
        if ok:
            self.form["chat-text"] = ""
            self._changed()
        return ok

    async def submit_support(self) -> bool:
        ok = await self.send_support(str(self.form.get("support-text", "")))
        if ok:
            self.form["support-text"] = ""
            self._changed()
        return ok

    async def open_support(self) -> None:
        if not self.require_login("/support"):
            return
        self.go("/support")
        await self.load_support()

    async def send_chat(self, text: str) -> bool:
        if self.order is None or not text.strip():
            return False
        try:
            msg = await self._run(
                "chat",
                self.client.send_message(self.order["id"], text=text.strip()),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.messages:
            self.messages.append(msg)
        self._changed()
        return True

    async def load_support(self) -> None:
        self.support_messages = items_of(
            await self._try("support_chat", self.client.support_messages(), [])
        )
        self._changed()

    async def send_support(self, text: str) -> bool:
        if not text.strip():
            return False
        try:
            msg = await self._run(
                "support_chat",
                self.client.send_support_message(
                    text=text.strip(), order_id=(self.order or {}).get("id")
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.support_messages:
            self.support_messages.append(msg)
        self._changed()
        return True

    def amount_to_pay(self) -> int:
        """What the customer still owes: the order before payment, approved extras after."""
        o = self.order or {}
        if o.get("status") == "PENDING_PAYMENT":
            return int(o.get("total") or 0)
        if o.get("status") == "CANCELLED":
            return 0
        extras = int(o.get("extras_total") or 0)
        paid = int((self.escrow or {}).get("extras_paid") or 0) if self.escrow else 0
        return max(0, extras - paid) if self.escrow is not None else 0

    def technician_name(self) -> str | None:
        """From the public page, or from the contact binding (an unverified page 404s)."""
        name = (self.technician_card or {}).get("name")
        if not name and (self.contact or {}).get("counterpart_role") == "technician":
            name = self.contact.get("counterpart_name")
        return name or None

    def contact_number(self) -> str | None:
        """The masked/virtual number the platform gives for this visit, if any."""
        c = self.contact or {}
        if c.get("order_id") != (self.order or {}).get("id"):
            return None
        return c.get("virtual_number")

    # -- me -------------------------------------------------------------------------

    async def load_me(self) -> None:
        if not self.require_login("/me"):
            return
        self.orders = await self._try("orders", self.client.orders(limit=100), [])
        await self.load_wallet()
        invoices = []
        for o in [o for o in self.orders if o["status"] == "COMPLETED"][:20]:
            inv = await self._try(
                "invoices", self.client.request("GET", f"/orders/{o['id']}/invoice")
            )
            if isinstance(inv, dict):
                invoices.append(inv)
        self.invoices = invoices
        self.go("/me")

    async def claim_coupon(self) -> bool:
        """Claim a campaign's coupon by its code (新客券, 节日券 ...)."""
        code = str(self.form.get("coupon_code", "")).strip()
        if not code:
            return False
        self.clear_messages()
        try:
            coupon = await self._run(
                "coupons",
                self.client.request("POST", "/me/coupons/claim", json={"campaign_code": code}),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        self.form["coupon_code"] = ""
        self.notice = "coupon_claimed"
        await self.load_wallet()
        return bool(coupon)

    async def submit_invoice(self, order_id: str) -> bool:
        title = str(self.form.get("invoice_title", "")).strip() or (self.user or {}).get("name", "")
        return await self.request_invoice(order_id, title)

    async def request_invoice(self, order_id: str, title: str) -> bool:
        try:
            reply = await self._run(
                "invoices",
                self.client.request("POST", f"/orders/{order_id}/invoice", json={"title": title}),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if reply:
            self.invoices.insert(0, reply)
        self._changed()
        return True


# ---------------------------------------------------------------------------------


_POPULAR = (
    "svc_daily_cleaning",
    "svc_window_cleaning",
    "svc_ac_cleaning",
    "svc_deep_cleaning",
    "svc_range_hood_cleaning",
)
_SEASONAL = {
    1: ("大扫除", "深度", "开荒"),
    2: ("大扫除", "深度"),
    3: ("擦玻璃", "玻璃", "除螨"),
    4: ("空调", "除螨"),
    5: ("空调", "除螨", "除湿"),
    6: ("空调", "除螨", "除湿", "消毒"),
    7: ("空调", "除湿", "消毒"),
    8: ("空调", "冰箱"),
    9: ("除螨", "擦玻璃"),
    10: ("暖气", "油烟机"),
    11: ("油烟机", "暖气", "深度"),
    12: ("大扫除", "深度", "油烟机"),
}


def default_store_path() -> Path:
    base = os.environ.get("FLET_APP_STORAGE_DATA") or os.environ.get("DOORSTEP_CUSTOMER_DATA")
    root = Path(base) if base else Path.home() / ".doorstep"
    return root / "customer_app.json"
