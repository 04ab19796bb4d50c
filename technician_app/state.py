"""The technician app's state and actions — no UI in here.

Screens are thin: they read this object and call its async actions. Tests drive the
same object against a real server with no UI at all.

Why it is built around the offline queue: every field action (accept, depart, arrive,
start, SOP step, finish, transfer, chat, SOS, signature) is first written to
:class:`technician_app.offline.OfflineQueue` with the device time and an idempotency
key, applied to the local copy of the order ("pending sync"), then the queue is replayed.
With signal, that is immediate; without, the action waits and is replayed in order when
the connection returns. The technician keeps working either way.

Refusals: an action refused while the technician is looking (online, right now) is
shown as a message and the local order is reloaded. An action refused later, during a
replay (the order was cancelled meanwhile), stays on the "rejected" list until the
technician acknowledges it — never silently dropped. (Location points are the
exception: a refused point is logged, not put in front of the technician.)

Location: while a job is on its way (an order ACCEPTED or EN_ROUTE) the device position
is reported every ``location_interval`` seconds, so the customer sees the technician
coming; while merely online for orders, every ``idle_location_interval`` seconds (dispatch
uses it); otherwise never. Points taken without signal are batched into one queued post
with their device times (the server takes up to 100 per post, 30 posts a minute).

Web: one web server serves many browsers. With ``persist_session=False`` the state
never restores a saved login, and the queue and cache live in a folder per technician
(``data_dir/users/<user id>/``), opened at sign-in: a second browser never opens as
somebody else, nor replays their queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from client.api import ApiError, DoorstepClient, NetworkError, Session
from client.citytime import CITY_TZ
from client.position import Locate, LocationUnavailable
from technician_app import navigation
from technician_app.offline import PENDING, REJECTED, SYNCED, OfflineQueue, QueuedAction

log = logging.getLogger("technician_app")

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
DEFAULT_CHECKIN_RADIUS_M = 200.0
# What to do when the device gives no position (check-in and the customer's tracking need it)
LOCATION_HELP = {
    "location_denied": "未获得定位权限：请在系统（网页版：浏览器）设置中允许本应用使用位置，"
    "签到和顾客查看您的位置都需要",
    "location_off": "定位服务已关闭：请在系统设置中打开定位后再签到",
    "location_failed": "暂时无法获取位置：请到开阔处稍后再试",
    "": "无法获取当前位置，请开启定位后再签到",
}
ACTIVE = ("ACCEPTED", "EN_ROUTE", "ARRIVED", "IN_SERVICE", "AWAITING_CONFIRMATION")
TRACKED = ("ACCEPTED", "EN_ROUTE")  # the customer follows the technician until arrival
DEFAULT_LOCATION_INTERVAL = 10.0  # seconds, on the way to a job
DEFAULT_IDLE_LOCATION_INTERVAL = 60.0  # seconds, online and waiting for orders
MIN_LOCATION_INTERVAL = 2.0  # the server takes 30 location posts a minute
LOCATION_POINTS_PER_POST = 100  # the server's batch limit

# What a queued action does to the local copy of the order before the server answers.
OPTIMISTIC_STATUS = {
    "accept": "ACCEPTED",
    "claim": "ACCEPTED",
    "depart": "EN_ROUTE",
    "arrive": "ARRIVED",
    "start": "IN_SERVICE",
    "finish": "AWAITING_CONFIRMATION",
}
ACTION_LABELS = {
    "accept": "接单",
    "decline": "拒单",
    "claim": "抢单",
    "depart": "出发",
    "arrive": "到达签到",
    "start": "开始服务",
    "sop_done": "完成步骤",
    "finish": "完成服务",
    "transfer": "转单",
    "sign_work_order": "客户签字确认工单",
    "change_request": "增项申请",
    "message": "发送消息",
    "sos": "紧急求助",
    "location": "上报位置",
    "complaint_reply": "申诉回复",
}
STATUS_LABELS = {
    "PENDING_PAYMENT": "待支付",
    "PENDING_DISPATCH": "待派单",
    "OFFERED": "待接单",
    "ACCEPTED": "已接单",
    "EN_ROUTE": "出发中",
    "ARRIVED": "已到达",
    "IN_SERVICE": "服务中",
    "AWAITING_CONFIRMATION": "待客户确认",
    "COMPLETED": "已完成",
    "CANCELLED": "已取消",
    "DISPUTED": "售后处理中",
}
# Refusals the technician can act on, in his words (others show the server's message).
REFUSAL_TEXTS = {
    "code_required": "请输入短信验证码",
    "code_invalid": "验证码不正确",
    "code_expired": "验证码已失效，请重新获取",
    "phone_taken": "该手机号已注册，请直接登录",
    "technician_suspended": "账号已暂停接单，暂不能上线；恢复后会通知你",
    "not_verified": "资料审核通过后才能上线接单",
    "service_area_required": "请先设置服务范围，再上线接单",
}

VERIFICATION_LABELS = {
    "pending": "资料审核中",
    "verified": "已认证",
    "approved": "已认证",
    "rejected": "审核未通过",
    "suspended": "已暂停接单",
    "incomplete": "资料未完善",
}


def _interval(seconds: float | None) -> float:
    """A reporting interval: 0 (or None) means off; otherwise at least what the server's
    rate limit allows."""
    if not seconds or seconds <= 0:
        return 0.0
    return max(MIN_LOCATION_INTERVAL, float(seconds))


def yuan(fen: int | None) -> str:
    """Money is integer fen everywhere; this is only for display."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Notice:
    """One message for the technician (snack bar / banner)."""

    text: str
    kind: str = "info"  # info | error | success
    code: str | None = None


@dataclass
class Offer:
    """An offer as the card shows it: before acceptance only district and distance."""

    id: str
    order_id: str
    service_name: str
    district: str
    scheduled_start: datetime | None
    pay: int | None  # fen, what the technician earns (or the order total when unknown)
    expires_at: datetime | None
    distance_m: float | None
    raw: dict[str, Any]
    source: str = "offer"  # offer | pool

    def seconds_left(self, now: datetime) -> int | None:
        if self.expires_at is None:
            return None
        return max(0, int((self.expires_at - now).total_seconds()))


def _normalize_offer(
    raw: dict[str, Any],
    *,
    source: str,
    here: tuple[float, float] | None,
    now: datetime | None = None,
) -> Offer:
    """One row of ``GET /technician/offers`` (the server's OfferRead: ``offer_id``,
    ``order_id``, ``service_name_zh``, ``district``, ``distance_m``, ``technician_pay``,
    ``expires_at``, ``seconds_left``) or of ``GET /technician/pool`` (no offer id, no
    deadline). The countdown runs on the device clock from the server's ``seconds_left``
    when given, so a phone whose clock is off still shows the right number of seconds."""
    order = raw.get("order") if isinstance(raw.get("order"), dict) else raw
    order_id = str(raw.get("order_id") or order.get("id") or raw.get("id"))
    distance = raw.get("distance_m", order.get("distance_m"))
    if distance is None and here and order.get("lat") is not None and order.get("lng") is not None:
        distance = navigation.distance_m(here, (order["lat"], order["lng"]))
    pay = raw.get("technician_pay", raw.get("pay", order.get("technician_pay", order.get("total"))))
    return Offer(
        id=str(raw.get("offer_id") or raw.get("id") or order_id),
        order_id=order_id,
        service_name=str(
            order.get("service_name_zh")
            or raw.get("service_name_zh")
            or order.get("service_id", "")
        ),
        district=str(order.get("district") or raw.get("district") or ""),
        scheduled_start=parse_time(order.get("scheduled_start") or raw.get("scheduled_start")),
        pay=int(pay) if pay is not None else None,
        expires_at=(
            now + timedelta(seconds=int(raw["seconds_left"]))
            if now is not None and raw.get("seconds_left") is not None
            else parse_time(raw.get("expires_at"))
        ),
        distance_m=float(distance) if distance is not None else None,
        raw=raw,
        source=source,
    )


class TechnicianState:
    """Everything the technician app knows and does. One per signed-in device."""

    def __init__(
        self,
        server_url: str = DEFAULT_SERVER_URL,
        data_dir: Path | str = Path("."),
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        location: tuple[float, float] | None = None,
        now: Callable[[], datetime] | None = None,
        poll_interval: float = 3.0,
        use_feed: bool = True,
        persist_session: bool = True,
        location_interval: float = DEFAULT_LOCATION_INTERVAL,
        idle_location_interval: float = DEFAULT_IDLE_LOCATION_INTERVAL,
        locate: Locate | None = None,
    ) -> None:
        """``persist_session=False`` (the web build): no saved login is restored and
        the queue lives per technician, opened at sign-in. Location intervals are in
        seconds (0 turns that kind of reporting off). ``locate`` reads the device's
        position (``client.device``); a fixed ``location`` without it is the developer
        override (a desktop with no GPS)."""
        self.server_url = server_url
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.persist_session = persist_session
        self.queue = (
            OfflineQueue(self.data_dir / "technician.sqlite3")
            if persist_session
            else OfflineQueue(None)  # nobody signed in yet: nothing of anyone's on disk
        )
        self._transport = transport
        self._now = now or (lambda: datetime.now(UTC))
        self.poll_interval = poll_interval
        self.use_feed = use_feed
        self.location_interval = _interval(location_interval)
        self.idle_location_interval = _interval(idle_location_interval)
        session = Session.from_dict(self.queue.cache_get("session"))
        self.client = self._make_client(server_url, session)

        self.connected = True
        self.working = False  # online for orders (the technician's toggle)
        self.location: tuple[float, float] | None = location
        self.locate = locate
        self.location_fixed = location is not None and locate is None  # the developer override
        self.location_problem: str | None = None  # why the device gave none, until it does
        self.offers: list[Offer] = []
        self.pool: list[Offer] = []
        self.certificates: list[dict[str, Any]] = []
        self._load_cached()
        self.payouts: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.complaints: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.change_requests: dict[str, list[dict[str, Any]]] = {}
        self.unavailable: set[str] = set()  # features this server does not offer (yet)
        self.notices: list[Notice] = []
        self.busy = False
        self._listeners: list[Callable[[], None]] = []
        self._live_task: asyncio.Task | None = None
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self._location_task: asyncio.Task | None = None
        self._last_location_report: float | None = None  # event-loop time
        self.live_rounds = 0  # background refreshes done (the poll: the feed's fallback)
        self._wake: asyncio.Event | None = None
        self._sync_lock = asyncio.Lock()

    # -- plumbing -----------------------------------------------------------------------

    def _load_cached(self) -> None:
        """What the queue's cache remembers (the day's jobs stay visible offline)."""
        self.profile: dict[str, Any] | None = self.queue.cache_get("profile")
        self.verification: str = (self.profile or {}).get("verification_status", "unknown")
        self.orders: dict[str, dict[str, Any]] = self.queue.cache_get("orders", {}) or {}
        self.earnings: dict[str, Any] | None = self.queue.cache_get("earnings")
        self.earned_today: int | None = (
            (self.earnings or {}).get("earned")
            if (self.earnings or {}).get("period") == "day"
            else None
        )
        self.services: dict[str, dict[str, Any]] = self.queue.cache_get("services", {}) or {}

    def user_data_dir(self, user_id: str) -> Path:
        """The web build's folder for one technician's queue and cache."""
        safe = "".join(ch for ch in user_id if ch.isalnum() or ch in "-_") or "unknown"
        return self.data_dir / "users" / safe

    def _bind_user(self) -> None:
        """Web build: after sign-in, open this technician's own queue (their offline
        actions from an earlier session are replayed; nobody else's ever are)."""
        if self.persist_session or not self.user.get("id"):
            return
        path = self.user_data_dir(str(self.user["id"])) / "technician.sqlite3"
        if self.queue.path == path:
            return
        old, self.queue = self.queue, OfflineQueue(path)
        old.close()
        self._load_cached()

    def _unbind_user(self) -> None:
        if self.persist_session:
            return
        old, self.queue = self.queue, OfflineQueue(None)
        old.close()
        self._load_cached()

    def _make_client(self, server_url: str, session: Session) -> DoorstepClient:
        return DoorstepClient(
            server_url,
            transport=self._transport,
            session=session,
            on_session_change=self._save_session,
        )

    def _save_session(self, session: Session) -> None:
        if self.persist_session:  # one device, one technician; a web server serves many
            self.queue.cache_set("session", session.to_dict())

    def use_transport(
        self, transport: httpx.AsyncBaseTransport | None, server_url: str | None = None
    ) -> None:
        """Swap the network path (tests simulate losing and regaining signal this way)."""
        old = self.client
        self._transport = transport
        self.server_url = server_url or self.server_url
        self.client = self._make_client(self.server_url, old.session)
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(old.aclose())

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken screen must not break the state
                log.exception("state listener failed")

    def notify(self, text: str, kind: str = "info", code: str | None = None) -> None:
        self.notices.append(Notice(text, kind, code))
        del self.notices[:-20]
        self.changed()

    def now(self) -> datetime:
        return self._now()

    # -- derived values -----------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.client.session

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in

    @property
    def user(self) -> dict[str, Any]:
        return self.client.session.user or {}

    @property
    def verified(self) -> bool:
        return self.verification in ("verified", "approved") or (
            self.verification == "unknown" and "profile" in self.unavailable
        )

    @property
    def pending_actions(self) -> list[QueuedAction]:
        return self.queue.pending()

    @property
    def rejections(self) -> list[QueuedAction]:
        return self.queue.rejected()

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self.orders.get(order_id)

    def active_orders(self) -> list[dict[str, Any]]:
        active = [o for o in self.orders.values() if o.get("status") in ACTIVE]
        return sorted(active, key=lambda o: str(o.get("scheduled_start", "")))

    def pending_for(self, order_id: str) -> list[QueuedAction]:
        return [a for a in self.queue.pending() if a.order_id == order_id]

    def distance_to(self, order: dict[str, Any]) -> float | None:
        if self.location is None or order.get("lat") is None or order.get("lng") is None:
            return None
        return navigation.distance_m(self.location, (order["lat"], order["lng"]))

    def schedule(self) -> list[dict[str, Any]]:
        """Today's jobs in route order with travel ETAs chained from where I am."""
        rows: list[dict[str, Any]] = []
        here = self.location
        clock = self.now()
        for index, order in enumerate(self.active_orders(), start=1):
            start = parse_time(order.get("scheduled_start"))
            travel = None
            if here and order.get("lat") is not None:
                travel = navigation.eta_minutes(
                    navigation.distance_m(here, (order["lat"], order["lng"]))
                )
                here = (order["lat"], order["lng"])
            arrival = clock + timedelta(minutes=travel) if travel is not None else None
            rows.append(
                {
                    "seq": index,
                    "order": order,
                    "travel_minutes": travel,
                    "eta": arrival,
                    "scheduled_start": start,
                    "late": bool(arrival and start and arrival > start),
                }
            )
            if start:
                end = parse_time(order.get("scheduled_end")) or start
                clock = max(clock, end)
        return rows

    def earnings_today(self) -> int | None:
        return self.earned_today

    # -- auth and onboarding ------------------------------------------------------------

    async def _guard(self, coro, *, feature: str | None = None, quiet: bool = False):  # noqa: ANN001, ANN202
        """Run one online-only call; track connectivity and missing endpoints."""
        try:
            result = await coro
        except NetworkError:
            self._set_connected(False)
            if not quiet:
                self.notify("网络不可用，已切换到离线模式", "error", "offline")
            return None
        except ApiError as exc:
            self._set_connected(True)
            if exc.status == 404 and exc.code == "not_found" and feature:
                self.unavailable.add(feature)
                return None
            if not quiet:
                self.notify(REFUSAL_TEXTS.get(exc.code, exc.message), "error", exc.code)
            return None
        self._set_connected(True)
        if feature:
            self.unavailable.discard(feature)
        return result

    def _set_connected(self, value: bool) -> None:
        if self.connected != value:
            self.connected = value
            self.changed()

    async def login(self, phone: str, password: str) -> bool:
        self.busy = True
        self.changed()
        try:
            reply = await self._guard(self.client.login(phone=phone, password=password))
            if reply is None:
                return False
            if self.user.get("role") != "technician":
                await self.client.logout()
                self.notify("该账号不是技师账号", "error", "role_forbidden")
                return False
            self.notices.clear()
            self._bind_user()
            await self.refresh()
            self._wake_live()
            return True
        finally:
            self.busy = False
            self.changed()

    async def send_code(self, phone: str) -> str | None:
        """Have the sign-up code texted to ``phone``: "" once sent, or the code itself from
        a sandbox server (to fill in); None when it could not be sent."""
        sent = await self._guard(self.client.request_phone_code(phone))
        if sent is None:
            return None
        code = str(sent.get("sandbox_code") or "")
        if not code:  # to be typed from the text message; a filled-in one goes straight on
            masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else phone
            self.notify(f"验证码已发送至 {masked}，请查收短信", "success")
        return code

    async def register(self, *, phone: str, password: str, name: str, code: str = "") -> bool:
        self.busy = True
        self.changed()
        try:
            reply = await self._guard(
                self.client.register(
                    phone=phone, password=password, name=name, role="technician", code=code or None
                )
            )
            if reply is None:
                return False
            self._bind_user()
            await self.refresh()
            self._wake_live()
            return True
        finally:
            self.busy = False
            self.changed()

    async def logout(self) -> None:
        """Sign out; the background loops keep running (idle) for the next sign-in."""
        await self._stop_feed(forget=True)
        with contextlib.suppress(NetworkError, ApiError):
            await self.client.logout()
        self.client.session.clear()
        self.queue.cache_delete("session")
        self.queue.cache_delete("orders")
        async with self._sync_lock:  # never swap the queue under a replay
            self._unbind_user()
        self.orders, self.offers, self.pool, self.profile = {}, [], [], None
        self.working = False
        self.changed()

    async def load_profile(self) -> None:
        profile = await self._guard(self.client.profile(), feature="profile", quiet=True)
        if profile is not None:
            self.profile = profile
            self.verification = str(
                profile.get("verification_status") or profile.get("status") or "unknown"
            )
            self.working = bool(profile.get("online"))
            self.queue.cache_set("profile", profile)

    async def save_profile(
        self,
        *,
        skills: list[str] | None = None,
        bio: str | None = None,
        experience_years: int | None = None,
        travel_mode: str | None = None,
    ) -> bool:
        fields = {
            k: v
            for k, v in {
                "skills": skills,
                "bio": bio,
                "experience_years": experience_years,
                "travel_mode": travel_mode,
            }.items()
            if v is not None
        }
        profile = await self._guard(self.client.update_profile(**fields), feature="profile")
        if profile is None:
            return False
        self.profile = profile
        self.verification = str(profile.get("verification_status") or self.verification)
        self.queue.cache_set("profile", profile)
        self.changed()
        return True

    async def save_service_area(
        self,
        *,
        center: tuple[float, float] | None = None,
        radius_km: float | None = None,
        polygon: list[tuple[float, float]] | None = None,
        max_distance_km: float | None = None,
    ) -> bool:
        """A circle (``center`` + ``radius_km``) or a ``polygon`` of (lat, lng) corners."""
        if polygon is not None:
            area: dict[str, Any] = {"polygon": [[lat, lng] for lat, lng in polygon]}
        else:
            assert center is not None and radius_km is not None
            area = {"center": {"lat": center[0], "lng": center[1]}, "radius_km": radius_km}
        reply = await self._guard(
            self.client.set_service_area(**area, max_distance_km=max_distance_km),
            feature="service_area",
        )
        self.changed()
        return reply is not None

    async def save_availability(self, *, weekly: dict[str, list[list[str]]]) -> bool:
        """``weekly``: ``{"mon": [["09:00", "18:00"]], ...}``."""
        reply = await self._guard(
            self.client.set_availability(weekly=weekly), feature="availability"
        )
        self.changed()
        return reply is not None

    async def upload_certificate(
        self,
        *,
        cert_type: str,
        data: bytes,
        number: str = "",
        filename: str = "certificate.jpg",
        content_type: str = "image/jpeg",
    ) -> bool:
        file = await self._guard(
            self.client.upload(
                data, filename=filename, content_type=content_type, kind="certificate"
            )
        )
        if file is None:
            return False
        reply = await self._guard(
            self.client.request(
                "POST",
                "/technician/certificates",
                json={"type": cert_type, "file_id": file["id"], "number": number},
            ),
            feature="certificates",
        )
        if reply is not None:
            self.notify("证书已提交，等待审核", "success")
            await self.load_certificates()
        return reply is not None

    async def load_certificates(self) -> None:
        certificates = await self._guard(
            self.client.request("GET", "/technician/certificates"),
            feature="certificates",
            quiet=True,
        )
        if certificates is not None:
            self.certificates = (
                certificates
                if isinstance(certificates, list)
                else list(certificates.get("items", []))
            )
            self.changed()

    # -- loading ------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Reload everything worth showing; replays the queue first so the server's
        answers already include what was done offline."""
        if not self.signed_in:
            return
        await self.sync()
        if not self.connected:
            return
        await self.load_profile()
        await self.load_orders()
        await self.load_offers()
        await self.load_pool()
        await self.load_earnings()
        self.changed()

    async def load_orders(self) -> None:
        orders = await self._guard(self.client.orders(limit=100), quiet=True)
        if orders is None:
            return
        pending_orders = {a.order_id for a in self.queue.pending()}
        fresh = {o["id"]: o for o in orders}
        for order_id, local in self.orders.items():
            if order_id in pending_orders and order_id in fresh:
                fresh[order_id] = {
                    **fresh[order_id],
                    **{k: local[k] for k in ("status", "sop") if k in local},
                }
        self.orders = fresh
        self.queue.cache_set("orders", self.orders)
        self.changed()

    async def load_order(self, order_id: str) -> dict[str, Any] | None:
        order = await self._guard(self.client.order(order_id), quiet=True)
        if order is not None:
            self._store_order(order)
        return order

    def _store_order(self, order: dict[str, Any]) -> None:
        self.orders[order["id"]] = order
        self.queue.cache_set("orders", self.orders)
        self.changed()

    async def load_offers(self) -> None:
        offers = await self._guard(self.client.offers(), feature="offers", quiet=True)
        if offers is not None:
            now = self.now()
            self.offers = [
                _normalize_offer(o, source="offer", here=self.location, now=now)
                for o in offers
                if o.get("status", "pending") == "pending"
            ]
            self.changed()

    async def load_pool(self) -> None:
        pool = await self._guard(self.client.pool(), feature="pool", quiet=True)
        if pool is not None:
            self.pool = [_normalize_offer(o, source="pool", here=self.location) for o in pool]
            self.changed()

    async def load_earnings(self, period: str = "day") -> None:
        """Earnings of today / this week / this month (the city's calendar)."""
        now = self.now().astimezone(CITY_TZ)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if period == "week":
            start -= timedelta(days=start.weekday())
        elif period == "month":
            start = start.replace(day=1)
        earnings = await self._guard(
            self.client.earnings(**{"from": start.isoformat(), "to": now.isoformat()}),
            feature="earnings",
            quiet=True,
        )
        if earnings is not None:
            earnings["period"] = period
            self.earnings = earnings
            if period == "day":
                self.earned_today = int(earnings.get("earned", 0))
            self.payouts = list(earnings.get("payouts", []))
            self.queue.cache_set("earnings", earnings)
            self.changed()

    async def load_reviews(self) -> None:
        reviews = await self._guard(
            self.client.technician_reviews(self.user.get("id", "")), feature="reviews", quiet=True
        )
        if reviews is not None:
            self.reviews = reviews if isinstance(reviews, list) else list(reviews.get("items", []))
        complaints = await self._guard(
            self.client.technician_complaints(), feature="complaints", quiet=True
        )
        if complaints is not None:
            self.complaints = (
                complaints if isinstance(complaints, list) else list(complaints.get("items", []))
            )
        self.changed()

    async def load_service(self, service_id: str) -> dict[str, Any] | None:
        """The catalog entry (rate card, acceptance criteria, SOP), cached for offline use."""
        if service_id in self.services:
            return self.services[service_id]
        service = await self._guard(self.client.service(service_id), quiet=True)
        if service is not None:
            self.services[service_id] = service
            self.queue.cache_set("services", self.services)
            self.changed()
        return service

    async def load_messages(self, order_id: str) -> None:
        messages = await self._guard(self.client.messages(order_id), feature="chat", quiet=True)
        if messages is not None:
            self.messages[order_id] = messages
            self.changed()

    async def load_change_requests(self, order_id: str) -> None:
        requests = await self._guard(
            self.client.change_requests(order_id), feature="change_requests", quiet=True
        )
        if requests is not None:
            self.change_requests[order_id] = requests
            self.changed()

    async def set_working(self, online: bool) -> bool:
        reply = await self._guard(
            self.client.request("PUT", "/technician/status", json={"online": online}),
            feature="status",
        )
        if reply is not None or "status" in self.unavailable:
            self.working = online
        self.changed()
        if online:
            await self.load_offers()
            await self.load_pool()
        return reply is not None

    async def withdraw(self, amount: int, bank_account: str, bank_name: str = "") -> bool:
        """Money leaves only with signal: a withdrawal is never queued."""
        reply = await self._guard(
            self.client.withdraw(amount=amount, bank_account=bank_account, bank_name=bank_name),
            feature="withdraw",
        )
        if reply is not None:
            self.notify(f"提现申请已提交：{yuan(amount)}", "success")
            await self.load_earnings()
        elif "withdraw" in self.unavailable:
            self.notify("服务器暂不支持提现", "error", "unavailable")
        return reply is not None

    async def answer_complaint(self, complaint_id: str, text: str) -> bool:
        action = await self._act(
            "complaint_reply", None, {"complaint_id": complaint_id, "text": text}
        )
        return action.status != REJECTED

    # -- field actions (queued) ---------------------------------------------------------

    async def accept(self, offer: Offer) -> QueuedAction:
        kind = "claim" if offer.source == "pool" else "accept"
        action = await self._act(
            kind, offer.order_id, {"offer_id": offer.id}, seed=offer.raw.get("order")
        )
        self.offers = [o for o in self.offers if o.order_id != offer.order_id]
        self.pool = [o for o in self.pool if o.order_id != offer.order_id]
        if action.status == SYNCED:
            await self.load_order(offer.order_id)
        self.changed()
        return action

    async def decline(self, offer: Offer, reason: str = "") -> QueuedAction:
        action = await self._act(
            "decline", offer.order_id, {"offer_id": offer.id, "reason": reason}
        )
        self.offers = [o for o in self.offers if o.order_id != offer.order_id]
        self.changed()
        return action

    async def claim(self, order_id: str) -> QueuedAction:
        return await self._act("claim", order_id, {})

    async def depart(self, order_id: str) -> QueuedAction:
        await self.refresh_location()  # where the trip starts, if the device says
        return await self._act("depart", order_id, self._here())

    async def arrive(self, order_id: str) -> QueuedAction | None:
        """Geofenced check-in with the device location. Offline, the fence is checked
        here (the server checks again on replay); online, the server decides."""
        order = self.orders.get(order_id) or {}
        if not await self.refresh_location():
            self.notify(
                LOCATION_HELP.get(self.location_problem or "", LOCATION_HELP[""]),
                "error",
                self.location_problem or "location_required",
            )
            return None
        distance = self.distance_to(order)
        if not self.connected and distance is not None and distance > DEFAULT_CHECKIN_RADIUS_M:
            self.notify(
                f"距服务地址 {navigation.format_distance(distance)}，需在 "
                f"{DEFAULT_CHECKIN_RADIUS_M:.0f} 米内签到",
                "error",
                "outside_geofence",
            )
            return None
        return await self._act("arrive", order_id, self._here())

    async def start(self, order_id: str) -> QueuedAction:
        return await self._act("start", order_id, {})

    async def sop_done(
        self, order_id: str, step_no: int, *, photo: bytes | None = None, note: str = ""
    ) -> QueuedAction | None:
        order = self.orders.get(order_id) or {}
        step = next((s for s in order.get("sop", []) if s.get("no") == step_no), None)
        if step and step.get("photo") and not photo:
            self.notify("此步骤需要拍照", "error", "sop_photo_required")
            return None
        return await self._act("sop_done", order_id, {"step_no": step_no, "note": note}, blob=photo)

    async def finish(self, order_id: str) -> QueuedAction:
        return await self._act("finish", order_id, {})

    async def transfer(self, order_id: str, reason: str) -> QueuedAction | None:
        if not reason.strip():
            self.notify("请填写转单原因", "error", "reason_required")
            return None
        return await self._act("transfer", order_id, {"reason": reason.strip()})

    async def sign_work_order(self, order_id: str, signature_png: bytes) -> QueuedAction:
        """The customer signs the work order on the technician's screen."""
        return await self._act("sign_work_order", order_id, {}, blob=signature_png)

    async def propose_change(
        self, order_id: str, items: list[dict[str, Any]], photo: bytes | None
    ) -> QueuedAction | None:
        """Extra work needs the customer's yes, and a photo as evidence of why."""
        if not photo:
            self.notify("增项需要拍照说明", "error", "photo_required")
            return None
        action = await self._act("change_request", order_id, {"items": items}, blob=photo)
        if action.status == SYNCED:
            await self.load_change_requests(order_id)
        return action

    async def send_message(self, order_id: str, text: str) -> QueuedAction | None:
        if not text.strip():
            return None
        local = {
            "id": None,
            "text": text.strip(),
            "sender_role": "technician",
            "pending": True,
            "created_at": self.now().isoformat(),
        }
        self.messages.setdefault(order_id, []).append(local)
        action = await self._act("message", order_id, {"text": text.strip()})
        if action.status == SYNCED:
            await self.load_messages(order_id)
        return action

    async def sos(self, note: str = "") -> QueuedAction:
        """Sends my location to the operators' safety desk (queued like everything else,
        so it goes out the moment there is any signal)."""
        active = next(
            (o for o in self.active_orders() if o.get("status") in ("ARRIVED", "IN_SERVICE")), None
        )
        params = {**self._here(), "note": note, "order_id": active["id"] if active else None}
        action = await self._act("sos", active["id"] if active else None, params)
        if action.status == SYNCED:
            self.notify("已通知平台安全中心，请保持电话畅通", "success")
        elif action.status == PENDING:
            self.notify("求助已保存，恢复信号后立即发送；紧急情况请拨打 110", "error", "offline")
        return action

    def tracked_order(self) -> dict[str, Any] | None:
        """The job the technician is on the way to (the customer follows them)."""
        return next((o for o in self.active_orders() if o.get("status") in TRACKED), None)

    def location_interval_now(self) -> float | None:
        """How often the position goes out right now: fast on the way to a job, slowly
        while online for orders, not at all when offline for orders or signed out."""
        if not self.signed_in or (self.location is None and self.locate is None):
            return None
        if self.tracked_order() is not None:
            return self.location_interval or None
        if self.working:
            return self.idle_location_interval or None
        return None

    async def report_location(self) -> QueuedAction | None:
        """Queue the current position with the device time and send what is queued.
        Without signal the points pile up in one pending post (up to the server's batch
        size) instead of one post each, so the replay is one request, not a burst that
        the server's rate limit would refuse."""
        if self.location is None or not self.signed_in:
            return None
        tracked = self.tracked_order()
        order_id = tracked["id"] if tracked else None
        point = {**self._here(), "occurred_at": self.now().isoformat()}
        last = self.queue.last_pending()
        action: QueuedAction | None = None
        if (
            last is not None
            and last.kind == "location"
            and last.order_id == order_id
            and last.attempts == 0
            and not self._sync_lock.locked()  # not being sent right now
            and len(last.params.get("points", [])) < LOCATION_POINTS_PER_POST
        ):
            points = list(last.params.get("points", [])) + [point]
            if self.queue.update_params(last.id, {"points": points}):
                action = self.queue.get(last.id)
        if action is None:
            action = self.queue.enqueue(
                "location", order_id=order_id, params={"points": [point]}, occurred_at=self.now()
            )
        if self.connected:
            await self.sync(current=action.id)
        else:
            await self._probe()  # no signal: the point waits (and gathers more) until there is
        return self.queue.get(action.id)

    def set_location(self, lat: float, lng: float) -> None:
        self.location = (lat, lng)
        self.changed()

    async def refresh_location(self) -> bool:
        """Ask the device where it is (the first time, the user is asked for the
        permission); remember why not when it says no. True when there is a position."""
        if self.locate is None:
            return self.location is not None
        try:
            lat, lng = await self.locate()
        except LocationUnavailable as exc:
            if self.location_problem != exc.code:
                self.location_problem = exc.code
                self.changed()
            return False
        self.location_problem = None
        self.set_location(lat, lng)
        return True

    def acknowledge(self, action_id: int) -> None:
        self.queue.acknowledge(action_id)
        self.changed()

    def _here(self) -> dict[str, Any]:
        return {"lat": self.location[0], "lng": self.location[1]} if self.location else {}

    # -- the queue at work --------------------------------------------------------------

    async def _act(
        self,
        kind: str,
        order_id: str | None,
        params: dict[str, Any],
        *,
        blob: bytes | None = None,
        seed: dict[str, Any] | None = None,
        quiet: bool = False,
    ) -> QueuedAction:
        action = self.queue.enqueue(
            kind, order_id=order_id, params=params, blob=blob, occurred_at=self.now()
        )
        self._apply_locally(action, seed)
        self.changed()
        await self.sync(current=action.id, quiet=quiet)
        final = self.queue.get(action.id)
        if final.status == PENDING and not quiet:
            self.notify(f"{ACTION_LABELS.get(kind, kind)}：已保存，待同步", "info", "pending_sync")
        return final

    def _apply_locally(self, action: QueuedAction, seed: dict[str, Any] | None = None) -> None:
        if not action.order_id:
            return
        order = self.orders.get(action.order_id)
        if order is None and seed:
            order = dict(seed)
            self.orders[action.order_id] = order
        if order is None:
            return
        if action.kind in OPTIMISTIC_STATUS:
            order["status"] = OPTIMISTIC_STATUS[action.kind]
        elif action.kind == "transfer":
            self.orders.pop(action.order_id, None)
        elif action.kind == "sop_done":
            for step in order.get("sop", []):
                if step.get("no") == action.params.get("step_no"):
                    step["done_at"] = action.occurred_at.isoformat()
        elif action.kind == "sign_work_order":
            order["work_order_confirmed_at"] = action.occurred_at.isoformat()
        self.queue.cache_set("orders", self.orders)

    async def sync(self, *, current: int | None = None, quiet: bool = False) -> None:
        """Replay the queue in order. ``current`` is the action the technician just took:
        a refusal of it is shown at once (and acknowledged); a refusal of an older,
        replayed action stays on the rejected list until the technician reads it."""
        async with self._sync_lock:
            if not self.queue.pending():
                return
            report = await self.queue.replay(self._perform)
        self._set_connected(not report.stopped_offline)
        touched: set[str] = set()
        for done in report.synced:
            result = done.result
            if (
                isinstance(result, dict)
                and "id" in result
                and "status" in result
                and done.order_id == result["id"]
            ):
                if done.kind == "transfer":
                    self.orders.pop(result["id"], None)
                else:
                    self.orders[result["id"]] = result
            elif done.order_id and done.kind != "location":
                touched.add(done.order_id)
        for rejected in report.rejected:
            if rejected.kind == "location":
                # a refused position (order no longer tracked, clock far off) is of no use
                # to the technician: keep it in the log, off the banner
                log.info("location refused: %s", rejected.error_code)
                self.queue.acknowledge(rejected.id)
                continue
            if rejected.order_id:
                touched.add(rejected.order_id)
            text = self._refusal_text(rejected)
            if rejected.id == current:
                self.queue.acknowledge(rejected.id)
                self.notify(text, "error", rejected.error_code)
            elif not quiet:
                self.notify(f"同步被拒绝：{text}", "error", rejected.error_code)
        self.queue.cache_set("orders", self.orders)
        for order_id in touched:
            await self.load_order(order_id)
        self.changed()

    @staticmethod
    def _refusal_text(action: QueuedAction) -> str:
        label = ACTION_LABELS.get(action.kind, action.kind)
        if action.error_code == "outside_geofence":
            distance = action.error_details.get("distance_m")
            radius = action.error_details.get("radius_m", DEFAULT_CHECKIN_RADIUS_M)
            return (
                f"{label}失败：距服务地址 {navigation.format_distance(float(distance or 0))}，"
                f"需在 {float(radius):.0f} 米内签到"
            )
        if action.error_code in ("illegal_transition", "conflict"):
            return f"{label}失败：订单状态已变化（可能已被取消或改派）"
        return f"{label}失败：{action.error_message or action.error_code}"

    async def _perform(self, action: QueuedAction) -> Any:
        """Send one queued action; the idempotency key makes a repeat harmless."""
        c, key, when, p = self.client, action.idempotency_key, action.occurred_at, action.params
        oid = action.order_id or ""
        match action.kind:
            case "accept":
                return await c.accept_offer(p["offer_id"], idempotency_key=key, occurred_at=when)
            case "decline":
                return await c.decline_offer(
                    p["offer_id"], reason=p.get("reason", ""), idempotency_key=key, occurred_at=when
                )
            case "claim":
                return await c.claim(oid, idempotency_key=key, occurred_at=when)
            case "depart":
                return await c.depart(
                    oid, lat=p.get("lat"), lng=p.get("lng"), idempotency_key=key, occurred_at=when
                )
            case "arrive":
                return await c.arrive(
                    oid, lat=p.get("lat"), lng=p.get("lng"), idempotency_key=key, occurred_at=when
                )
            case "start":
                return await c.start(oid, idempotency_key=key, occurred_at=when)
            case "finish":
                return await c.finish(oid, idempotency_key=key, occurred_at=when)
            case "transfer":
                return await c.transfer(
                    oid, reason=p["reason"], idempotency_key=key, occurred_at=when
                )
            case "sop_done":
                photo_id = None
                if action.blob:
                    photo = await c.upload(
                        action.blob,
                        filename=f"sop-{p['step_no']}.jpg",
                        kind="photo",
                        order_id=oid,
                        idempotency_key=f"{key}-photo",
                    )
                    photo_id = photo["id"]
                return await c.sop_done(
                    oid,
                    int(p["step_no"]),
                    photo_file_id=photo_id,
                    note=p.get("note", ""),
                    idempotency_key=key,
                    occurred_at=when,
                )
            case "sign_work_order":
                signature = await c.upload(
                    action.blob or b"",
                    filename="signature.png",
                    content_type="image/png",
                    kind="photo",
                    order_id=oid,
                    idempotency_key=f"{key}-signature",
                )
                return await c.confirm_work_order(
                    oid,
                    signed_on="technician_screen",
                    signature_file_id=signature["id"],
                    idempotency_key=key,
                )
            case "change_request":
                evidence = await c.upload(
                    action.blob or b"",
                    filename="change.jpg",
                    kind="photo",
                    order_id=oid,
                    idempotency_key=f"{key}-photo",
                )
                items = [{**item, "photo_file_id": evidence["id"]} for item in p["items"]]
                return await c.create_change_request(oid, items=items, idempotency_key=key)
            case "message":
                return await c.send_message(oid, text=p["text"], idempotency_key=key)
            case "sos":
                return await c.sos(
                    lat=p.get("lat"),
                    lng=p.get("lng"),
                    order_id=p.get("order_id"),
                    note=p.get("note", ""),
                    occurred_at=when,
                    idempotency_key=key,
                )
            case "location":
                points = p.get("points") or [
                    {"lat": p["lat"], "lng": p["lng"], "occurred_at": when}
                ]
                return await c.send_location(points, order_id=action.order_id, idempotency_key=key)
            case "complaint_reply":
                return await c.reply_complaint(
                    p["complaint_id"], text=p["text"], idempotency_key=key
                )
        raise ValueError(f"unknown queued action {action.kind!r}")

    # -- live updates -------------------------------------------------------------------

    async def start_live(self) -> None:
        """Follow the server: the live feed (``client.feed``: offers, order events and chat
        pushed as they happen) plus a slow poll as the fallback, which also retries the
        queue when the signal comes back; and the location reports."""
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._live_task is None or self._live_task.done():
            self._live_task = asyncio.create_task(self._live_loop())
        if self._location_task is None or self._location_task.done():
            self._location_task = asyncio.create_task(self._location_loop())

    def _wake_live(self) -> None:
        """Run the live loop now (after sign-in: start the feed, load everything)."""
        if self._wake is not None:
            self._wake.set()

    async def stop_live(self) -> None:
        await self._stop_feed()
        for task in (self._live_task, self._location_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._live_task = self._location_task = None

    async def _stop_feed(self, *, forget: bool = False) -> None:
        if self._feed is not None:
            with contextlib.suppress(Exception):
                await self._feed.stop()
            self._feed = None
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._feed_task
            self._feed_task = None
        if forget:  # signing out: the next technician starts from their own cursor
            self.queue.cache_delete("feed")

    async def _start_feed(self) -> None:
        """Subscribe to the server's live feed (client.feed.LiveFeed): offers, order
        events and chat arrive as they happen; the feed resumes from its saved cursor."""
        if not self.use_feed or self._feed is not None:
            return
        from client.feed import FeedState, LiveFeed

        self._feed = LiveFeed(
            self.client,
            on_message=self._on_feed_message,
            state=FeedState.from_dict(self.queue.cache_get("feed")),
        )
        self._feed_task = asyncio.create_task(self._feed.run())

    async def _on_feed_message(self, message: dict[str, Any]) -> None:
        kind = str(message.get("type") or "")
        if kind == "event":
            event_type = str(message.get("event_type") or "")
            order_id = message.get("order_id")
            if event_type in ("order.offered", "order.offer_timed_out", "order.offer_declined") or (
                event_type.startswith("offer")
            ):
                await self.load_offers()
            if order_id and "change_request" in event_type:
                await self.load_change_requests(order_id)
            if order_id and (
                order_id in self.orders
                or event_type in ("order.assigned", "order.accepted", "order.claimed")
            ):
                await self.load_order(order_id)
        elif kind == "chat":
            chat = message.get("message") or {}
            order_id = chat.get("order_id")
            if order_id:
                await self.load_messages(order_id)
        elif kind == "document" and message.get("kind") == "work_order":
            order = self.orders.get(str(message.get("order_id") or ""))
            if order is not None:  # the signed work order's PDF, filed after the signing
                order["work_order_file_id"] = message.get("file_id")
                self.queue.cache_set("orders", self.orders)
        elif kind.startswith("offer") or kind.startswith("pool"):
            await self.load_offers()
            await self.load_pool()
        if self._feed is not None:
            self.queue.cache_set("feed", self._feed.state.to_dict())
        self.changed()

    async def _live_loop(self) -> None:
        while True:
            try:
                if self.signed_in:
                    if self._feed_task is not None and self._feed_task.done():
                        self._feed = self._feed_task = None  # it gave up: start a fresh one
                    await self._start_feed()
                    await self.sync(quiet=False)
                    if self.connected:
                        await self.load_offers()
                        await self.load_orders()
                        if self.working:
                            await self.load_pool()
                    else:
                        await self._probe()
            except Exception:
                log.exception("live loop iteration failed")
            self.live_rounds += 1
            if self._wake is None:
                self._wake = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    async def _location_loop(self) -> None:
        """Report the position at the rate the moment calls for (see ``location_interval_now``);
        checks once a second, so a job that starts is tracked within one interval."""
        loop = asyncio.get_running_loop()
        while True:
            wait = 1.0
            try:
                interval = self.location_interval_now()
                if interval is not None:
                    last = self._last_location_report
                    elapsed = None if last is None else loop.time() - last
                    if elapsed is None or elapsed >= interval:
                        self._last_location_report = loop.time()
                        if await self.refresh_location():
                            await self.report_location()
                        continue
                    wait = min(wait, interval - elapsed)
            except Exception:
                log.exception("location report failed")
            await asyncio.sleep(max(0.05, wait))

    async def _probe(self) -> None:
        with contextlib.suppress(NetworkError, ApiError):
            await self.client.healthz()
            self._set_connected(True)
            await self.sync()

    async def close(self) -> None:
        await self.stop_live()
        await self.client.aclose()
        self.queue.close()
